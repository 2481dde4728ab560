"""The register: org units, people and systems with their lifecycle history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from domain.inventory import search_key
from domain.org import OrgUnit, Person
from domain.systems import System
from infra.database import Reader
from projections.dispatch import Handlers, meta


class SystemsView(Handlers):
    name = "systems"
    tables = ("org_units", "people", "systems", "lifecycle_changes", "person_merges")
    ddl = (
        "CREATE TABLE IF NOT EXISTS org_units (id uuid PRIMARY KEY, name text NOT NULL, level text NOT NULL,"
        " parent_id uuid, dissolved_on date, established_at timestamptz NOT NULL, position bigint NOT NULL)",
        "CREATE TABLE IF NOT EXISTS people (id uuid PRIMARY KEY, org_unit_id uuid NOT NULL, title text,"
        " departed_on date, registered_at timestamptz NOT NULL, position bigint NOT NULL, merged_into uuid)",
        "CREATE INDEX IF NOT EXISTS people_org_unit ON people (org_unit_id)",
        # merged_into: the record that stands for this person now (domain/person_merge.py), kept
        # as the end of the chain, so one look-up answers it.
        "CREATE TABLE IF NOT EXISTS person_merges (position bigint PRIMARY KEY, merged_id uuid NOT NULL,"
        " into_id uuid NOT NULL, recorded_at timestamptz NOT NULL, actor_id text)",
        "CREATE INDEX IF NOT EXISTS person_merges_merged ON person_merges (merged_id)",
        "CREATE INDEX IF NOT EXISTS person_merges_into ON person_merges (into_id)",
        "CREATE TABLE IF NOT EXISTS systems (id uuid PRIMARY KEY, name text NOT NULL, vendor text,"
        " org_unit_id uuid NOT NULL, criticality text NOT NULL, personal_data boolean NOT NULL,"
        " registered_at timestamptz NOT NULL, position bigint NOT NULL, in_use_from date,"
        " search_name text NOT NULL /* domain.person_match.fold, since search folds Danish letters */,"
        " archive_duty text)",
        "CREATE INDEX IF NOT EXISTS systems_name ON systems (name, id)",
        # The sweep's page (every system by id, with its name) read from the index alone: the
        # primary key's index fetched a heap page per system (30,000 at the national size).
        "CREATE INDEX IF NOT EXISTS systems_page ON systems (id, name)",
        "CREATE TABLE IF NOT EXISTS lifecycle_changes (position bigint PRIMARY KEY, system_id uuid NOT NULL,"
        " lifecycle text NOT NULL, effective_from date NOT NULL, recorded_at timestamptz NOT NULL)",
        "CREATE INDEX IF NOT EXISTS lifecycle_changes_system ON lifecycle_changes (system_id, effective_from, position)",
    )
    routes = {
        OrgUnit.Established: "_org_unit",
        OrgUnit.Dissolved: "_dissolved",
        OrgUnit.Renamed: "_renamed",
        OrgUnit.Moved: "_moved",
        Person.Registered: "_person",
        Person.Departed: "_departed",
        Person.Corrected: "_corrected",
        Person.Returned: "_returned",
        Person.Merged: "_merged",
        System.Registered: "_system",
        System.LifecycleChanged: "_lifecycle",
        System.DetailsChanged: "_details",
        System.ArchiveDutyStated: "_archive_duty",
    }

    def _archive_duty(self, cur: Any, e: System.ArchiveDutyStated, position: int) -> None:
        cur.execute("UPDATE systems SET archive_duty = ? WHERE id = ?", (e.duty, e.originator_id))

    def _details(self, cur: Any, e: System.DetailsChanged, position: int) -> None:
        cur.execute(
            "UPDATE systems SET vendor = ?, criticality = ?, personal_data = ? WHERE id = ?",
            (e.vendor, e.criticality, e.personal_data, e.originator_id),
        )

    def _org_unit(self, cur: Any, e: OrgUnit.Established, position: int) -> None:
        cur.execute(
            "INSERT INTO org_units (id, name, level, parent_id, established_at, position) VALUES (?, ?, ?, ?, ?, ?)",
            (e.originator_id, e.name, e.level, e.parent_id, e.timestamp, position),
        )

    def _dissolved(self, cur: Any, e: OrgUnit.Dissolved, position: int) -> None:
        cur.execute("UPDATE org_units SET dissolved_on = ? WHERE id = ?", (e.effective, e.originator_id))

    # A unit's `position` is its latest name or place: org_units_mark moves when either changes.
    def _renamed(self, cur: Any, e: OrgUnit.Renamed, position: int) -> None:
        cur.execute("UPDATE org_units SET name = ?, position = ? WHERE id = ?", (e.name, position, e.originator_id))

    def _moved(self, cur: Any, e: OrgUnit.Moved, position: int) -> None:
        cur.execute("UPDATE org_units SET parent_id = ?, position = ? WHERE id = ?",
                    (e.parent_id, position, e.originator_id))

    def _corrected(self, cur: Any, e: Person.Corrected, position: int) -> None:
        cur.execute("UPDATE people SET org_unit_id = ?, title = ? WHERE id = ?", (e.org_unit_id, e.title, e.originator_id))

    def _person(self, cur: Any, e: Person.Registered, position: int) -> None:
        cur.execute(
            "INSERT INTO people (id, org_unit_id, title, registered_at, position) VALUES (?, ?, ?, ?, ?)",
            (e.originator_id, e.org_unit_id, e.title, e.timestamp, position),
        )

    def _departed(self, cur: Any, e: Person.Departed, position: int) -> None:
        cur.execute("UPDATE people SET departed_on = ? WHERE id = ?", (e.effective, e.originator_id))

    def _returned(self, cur: Any, e: Person.Returned, position: int) -> None:
        cur.execute("UPDATE people SET departed_on = NULL WHERE id = ?", (e.originator_id,))

    def _merged(self, cur: Any, e: Person.Merged, position: int) -> None:
        cur.execute("UPDATE people SET merged_into = ? WHERE id = ? OR merged_into = ?",
                    (e.into, e.originator_id, e.originator_id))
        cur.execute("INSERT INTO person_merges (position, merged_id, into_id, recorded_at, actor_id) VALUES (?, ?, ?, ?, ?)",
                    (position, e.originator_id, e.into, e.timestamp, meta(e).get("actor_id")))

    def _system(self, cur: Any, e: System.Registered, position: int) -> None:
        cur.execute(
            "INSERT INTO systems (id, name, vendor, org_unit_id, criticality, personal_data, registered_at, position,"
            " in_use_from, search_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (e.originator_id, e.name, e.vendor, e.org_unit_id, e.criticality, e.personal_data, e.timestamp, position,
             e.in_use_from, search_key(e.name)),
        )
        self._change(cur, e.originator_id, e.lifecycle, e.lifecycle_from, e.timestamp, position)

    def _lifecycle(self, cur: Any, e: System.LifecycleChanged, position: int) -> None:
        self._change(cur, e.originator_id, e.lifecycle, e.effective_from, e.timestamp, position)

    @staticmethod
    def _change(cur: Any, system_id: UUID, lifecycle: str, since: date, recorded_at: Any, position: int) -> None:
        cur.execute(
            "INSERT INTO lifecycle_changes (position, system_id, lifecycle, effective_from, recorded_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (position, system_id, lifecycle, since, recorded_at),
        )


#: domain/lifecycle.py's `lifecycle_at` in SQL, for the system `s` on the date bound to `?`: the
#: change effective latest, and of those on one date the one recorded last. Held equal to the
#: domain's rule by tests/properties/test_one_rule.py.
CURRENT_LIFECYCLE = (
    "(SELECT lc.lifecycle FROM lifecycle_changes lc WHERE lc.system_id = s.id AND lc.effective_from <= ?"
    " ORDER BY lc.effective_from DESC, lc.position DESC LIMIT 1)"
)
_SYSTEM_COLUMNS = (
    "s.id, s.name, s.vendor, s.org_unit_id, o.name AS org_unit_name, s.criticality, s.personal_data,"
    f" s.registered_at, {CURRENT_LIFECYCLE} AS lifecycle"
)


def systems_in_unit(db: Any, org_unit_id: UUID) -> list[tuple[UUID, str]]:
    """The systems an org unit has in the register (id, name), for the look-alike check of a new
    name (domain/system_commands.py): systems registered before look-alikes were reserved too."""
    with db.transaction(write=False) as cur:
        cur.execute("SELECT id, name FROM systems WHERE org_unit_id = ?", (org_unit_id,))
        return [(r["id"], r["name"]) for r in cur.fetchall()]


def like_literal(text: str) -> str:
    """`text` as a LIKE pattern that matches itself: %, _ and the escape character are letters."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SystemQueries:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    async def get(self, system_id: UUID, today: date) -> dict[str, Any] | None:
        return await self.reader.fetchrow(
            f"SELECT {_SYSTEM_COLUMNS} FROM systems s JOIN org_units o ON o.id = s.org_unit_id WHERE s.id = ?",
            today, system_id,
        )

    async def lifecycle_history(self, system_id: UUID) -> list[dict[str, Any]]:
        return await self.reader.fetch(
            "SELECT lifecycle, effective_from, recorded_at, position FROM lifecycle_changes"
            " WHERE system_id = ? ORDER BY effective_from, position",
            system_id,
        )

    async def lifecycle_histories(self, system_ids: Sequence[UUID]) -> dict[UUID, list[dict[str, Any]]]:
        """`lifecycle_history` of several systems in one query, by system."""
        found: dict[UUID, list[dict[str, Any]]] = {i: [] for i in system_ids}
        if not system_ids:
            return found
        marks = ", ".join("?" for _ in system_ids)
        for r in await self.reader.fetch(
            "SELECT system_id, lifecycle, effective_from, recorded_at, position FROM lifecycle_changes"
            f" WHERE system_id IN ({marks}) ORDER BY system_id, effective_from, position", *system_ids,
        ):
            found[UUID(str(r.pop("system_id")))].append(r)
        return found

    async def page(
        self, today: date, limit: int, after: tuple[str, UUID] | None = None, *, org_unit_id: UUID | None = None,
        criticality: str | None = None, lifecycle: str | None = None, personal_data: bool | None = None,
        name_contains: str | None = None,
    ) -> list[dict[str, Any]]:
        """A page of systems ordered by (name, id): a keyset cursor stays stable under inserts."""
        where, params = [], [today]
        if after is not None:
            where.append("(s.name > ? OR (s.name = ? AND s.id > ?))")
            params += [after[0], after[0], after[1]]
        for column, value in (("s.org_unit_id", org_unit_id), ("s.criticality", criticality), ("s.personal_data", personal_data)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if name_contains:  # a query of punctuation alone folds to nothing, and finds nothing
            where.append("s.search_name LIKE ? ESCAPE '\\'" if search_key(name_contains) else "1 = 0")
            params += ["%" + like_literal(search_key(name_contains)) + "%"] if search_key(name_contains) else []
        if lifecycle is not None:
            where.append(f"{CURRENT_LIFECYCLE} = ?")
            params += [today, lifecycle]
        sql = f"SELECT {_SYSTEM_COLUMNS} FROM systems s JOIN org_units o ON o.id = s.org_unit_id"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY s.name, s.id LIMIT ?"
        params.append(limit)
        return await self.reader.fetch(sql, *params)


class DirectoryQueries:
    """Org units and people, with the erasable personal details joined in."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    async def org_unit(self, org_unit_id: UUID) -> dict[str, Any] | None:
        return await self.reader.fetchrow(
            "SELECT id, name, level, parent_id, dissolved_on, established_at FROM org_units WHERE id = ?", org_unit_id
        )

    async def org_units_mark(self) -> tuple[int, int]:
        """How many org units there are and the latest position that established, renamed or moved one:
        what changes when the tree does."""
        row = await self.reader.fetchrow("SELECT COUNT(*) AS n, MAX(position) AS last FROM org_units")
        return (int(row["n"]), int(row["last"] or 0)) if row else (0, 0)

    async def org_units(self) -> list[dict[str, Any]]:
        return await self.reader.fetch(
            "SELECT id, name, level, parent_id, dissolved_on, established_at FROM org_units ORDER BY name, id"
        )

    async def names(self, person_ids: Iterable[UUID | str | None]) -> dict[UUID, tuple[str | None, bool]]:
        """Each registered person's (name, erased) among `person_ids`; anyone else is left out."""
        ids = sorted({p if isinstance(p, UUID) else UUID(str(p)) for p in person_ids if p})
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        rows = await self.reader.fetch(
            f"SELECT p.id, d.name, d.erased_at FROM people p LEFT JOIN person_details d ON d.person_id = p.id"
            f" WHERE p.id IN ({marks})", *ids,
        )
        return {r["id"] if isinstance(r["id"], UUID) else UUID(str(r["id"])): (None if r["erased_at"] else r["name"], r["erased_at"] is not None)
                for r in rows}

    async def person(self, person_id: UUID) -> dict[str, Any] | None:
        return await self.reader.fetchrow(
            "SELECT p.id, p.org_unit_id, p.title, p.departed_on, p.registered_at, p.merged_into, d.name, d.email,"
            " d.erased_at FROM people p LEFT JOIN person_details d ON d.person_id = p.id WHERE p.id = ?",
            person_id,
        )

    async def standing(self) -> list[dict[str, Any]]:
        """Every person whose record stands for them (not merged into another) and whose details are not
        erased, with their name and e-mail: what the duplicates page compares."""
        return await self.reader.fetch(
            "SELECT p.id, p.org_unit_id, p.title, p.departed_on, p.registered_at, d.name, d.email FROM people p"
            " JOIN person_details d ON d.person_id = p.id WHERE p.merged_into IS NULL AND d.erased_at IS NULL"
            " ORDER BY p.id"
        )

    async def merges(self, person_id: UUID) -> list[dict[str, Any]]:
        """The merges this record was a side of, oldest first: who was merged into whom, when, by whom."""
        return await self.reader.fetch(
            "SELECT position, merged_id, into_id, recorded_at, actor_id FROM person_merges"
            " WHERE merged_id = ? OR into_id = ? ORDER BY position", person_id, person_id,
        )

    async def survivor(self, person_id: UUID) -> UUID:
        """The record that stands for the person now: `person_id`, or the one it was merged into."""
        row = await self.reader.fetchrow("SELECT merged_into FROM people WHERE id = ?", person_id)
        return UUID(str(row["merged_into"])) if row is not None and row["merged_into"] is not None else person_id

    async def people(
        self, limit: int, after: UUID | None, org_unit_id: UUID | None = None, name_contains: str | None = None,
    ) -> list[dict[str, Any]]:
        where, params = [], []
        if name_contains:  # names and e-mail addresses, as search_key folds them; punctuation alone: nothing
            where.append("d.search LIKE ? ESCAPE '\\'" if search_key(name_contains) else "1 = 0")
            params += ["%" + like_literal(search_key(name_contains)) + "%"] if search_key(name_contains) else []
        if after is not None:
            where.append("p.id > ?")
            params.append(after)
        if org_unit_id is not None:
            where.append("p.org_unit_id = ?")
            params.append(org_unit_id)
        sql = (
            "SELECT p.id, p.org_unit_id, p.title, p.departed_on, p.registered_at, p.merged_into, d.name, d.email,"
            " d.erased_at FROM people p LEFT JOIN person_details d ON d.person_id = p.id"
        )
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY p.id LIMIT ?"
        params.append(limit)
        return await self.reader.fetch(sql, *params)
