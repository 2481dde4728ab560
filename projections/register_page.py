"""The register, the gap list and the people as pages to browse: filtered, sorted and paged in SQL
(on SQLite and PostgreSQL alike), never by loading every row into Python.

A page is read in two steps: the ids of the page (with the filters, the order and the count),
then what the page shows about those ids only, so a late page costs what the first one does.

The register answers at a date `at` as the record stood at `known_at`: a system registered
later, a lifecycle change or a responsibility fact recorded later is not known yet. The SQL that
decides a lifecycle and a holder is domain/lifecycle.py's `lifecycle_at` and domain/
responsibility.py's `holder_at`; "in use without a Systemejer" is domain/gaps.py's
`in_use_unheld`. tests/ui/test_register_pages.py holds these copies equal to the rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.inventory import search_key
from domain.vocabulary import OPERATING, Criticality, Role
from infra.database import Reader
from projections.systems_view import like_literal

#: `lifecycle_at` over the changes recorded by `known_at`, for the system `s`: the change effective
#: latest on or before the day, of those on one date the one recorded last. Binds (day, known_at).
LIFECYCLE_KNOWN = (
    "(SELECT lc.lifecycle FROM lifecycle_changes lc WHERE lc.system_id = s.id AND lc.effective_from <= ?"
    " AND lc.recorded_at <= ? ORDER BY lc.effective_from DESC, lc.position DESC LIMIT 1)"
)
#: `holder_at` for one role of the system `s`: the holder the latest recorded fact covering the day
#: names (NULL: a vacancy, or no fact). Binds (role, known_at, day, day).
HOLDER_KNOWN = (
    "(SELECT f.person_id FROM responsibility_facts f WHERE f.system_id = s.id AND f.role = ? AND f.recorded_at <= ?"
    " AND f.effective_from <= ? AND (f.effective_to IS NULL OR f.effective_to > ?) ORDER BY f.position DESC LIMIT 1)"
)
#: Critical first: the order the register sorts by criticality in.
CRITICALITY_ORDER = (Criticality.CRITICAL, Criticality.HIGH, Criticality.MEDIUM, Criticality.LOW)
SORTS = ("name", "criticality")


def _in(values: Sequence[Any]) -> str:
    return "(" + (", ".join("?" for _ in values) or "NULL") + ")"


@dataclass(frozen=True)
class SystemFilter:
    """What a reader asked the register for. Every field None (or False) means: not filtered by it."""

    at: date
    known_at: datetime
    org_unit_ids: tuple[UUID, ...] | None = None  # the unit asked for and every unit below it
    lifecycle: str | None = None
    criticality: str | None = None
    personal_data: bool | None = None
    no_systemejer: bool = False  # in use without a Systemejer (domain/gaps.py in_use_unheld)
    holder_system_ids: tuple[UUID, ...] | None = None  # the systems the chosen person holds a role on
    q: str | None = None
    sort: str = "name"
    known_now: bool = False  # asked as the record stands now: "no Systemejer" is read from the gaps view

    def where(self) -> tuple[list[str], list[Any]]:
        where, params = ["s.registered_at <= ?"], [self.known_at]
        if self.org_unit_ids is not None:
            where.append(f"s.org_unit_id IN {_in(self.org_unit_ids)}")
            params += list(self.org_unit_ids)
        if self.holder_system_ids is not None:
            where.append(f"s.id IN {_in(self.holder_system_ids)}")
            params += list(self.holder_system_ids)
        for column, value in (("s.criticality", self.criticality), ("s.personal_data", self.personal_data)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if self.q:
            key = search_key(self.q)
            where.append("s.search_name LIKE ? ESCAPE '\\'" if key else "1 = 0")  # punctuation alone: nothing
            params += ["%" + like_literal(key) + "%"] if key else []
        if self.lifecycle is not None:
            where.append(f"{LIFECYCLE_KNOWN} = ?")
            params += [self.at, self.known_at, self.lifecycle]
        if self.no_systemejer and self.known_now:
            # As known now, the days `no_holder` finds for the owner role are exactly `in_use_unheld`'s
            # (held equal by the property test): one index range of the gaps view, not two probes a system.
            where.append("s.id IN (SELECT g.system_id FROM responsibility_gaps g WHERE g.rule = 'no_holder'"
                         " AND g.role = ? AND g.since <= ? AND (g.until IS NULL OR g.until > ?))")
            params += [Role.SYSTEMEJER.value, self.at, self.at]
        elif self.no_systemejer:
            operating = sorted(OPERATING)
            where.append(f"{LIFECYCLE_KNOWN} IN {_in(operating)} AND {HOLDER_KNOWN} IS NULL")
            params += [self.at, self.known_at, *operating, Role.SYSTEMEJER.value, self.known_at, self.at, self.at]
        return where, params

    def order(self) -> str:
        if self.sort == "criticality":
            ranks = " ".join(f"WHEN '{c.value}' THEN {i}" for i, c in enumerate(CRITICALITY_ORDER))
            return f"CASE s.criticality {ranks} ELSE {len(CRITICALITY_ORDER)} END, s.name, s.id"
        return "s.name, s.id"


@dataclass
class Page:
    total: int
    rows: list[dict[str, Any]] = field(default_factory=list)


class RegisterPageQueries:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    async def system_ids(self, f: SystemFilter, limit: int | None = None, offset: int = 0) -> tuple[int, list[UUID]]:
        """How many systems the filter finds, and the ids of one page of them (all with no limit)."""
        where, params = f.where()
        clause = " AND ".join(where)
        count = await self.reader.fetchrow(f"SELECT COUNT(*) AS n FROM systems s WHERE {clause}", *params)
        sql = f"SELECT s.id FROM systems s WHERE {clause} ORDER BY {f.order()}"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params = [*params, limit, offset]
        rows = await self.reader.fetch_values(sql, *params)
        return int(count["n"]) if count else 0, [UUID(str(r[0])) for r in rows]

    async def systems(self, f: SystemFilter, limit: int | None = None, offset: int = 0) -> Page:
        """A page of the register: each system with its unit, lifecycle and Systemejer at (at, known_at)."""
        total, ids = await self.system_ids(f, limit, offset)
        return Page(total, await self.shown(ids, f))

    async def shown(self, ids: Sequence[UUID], f: SystemFilter) -> list[dict[str, Any]]:
        """What the register shows about these systems, in the filter's order."""
        if not ids:
            return []
        sql = (
            "SELECT x.*, o.name AS org_unit_name, CASE WHEN d.erased_at IS NULL THEN d.name END AS owner_name,"
            " d.erased_at IS NOT NULL AS owner_erased FROM (SELECT s.id, s.name, s.vendor, s.org_unit_id, s.criticality,"
            f" s.personal_data, s.in_use_from, s.archive_duty, {LIFECYCLE_KNOWN} AS lifecycle, {HOLDER_KNOWN} AS owner_id"
            f" FROM systems s WHERE s.id IN {_in(ids)}) x JOIN org_units o ON o.id = x.org_unit_id"
            " LEFT JOIN person_details d ON d.person_id = x.owner_id"
        )
        rows = await self.reader.fetch(sql, f.at, f.known_at, Role.SYSTEMEJER.value, f.known_at, f.at, f.at, *ids)
        place = {i: n for n, i in enumerate(ids)}
        for r in rows:  # a subquery's column is untyped on SQLite: its uuid comes back as text
            r["id"] = UUID(str(r["id"]))
            r["owner_id"] = UUID(str(r["owner_id"])) if r["owner_id"] else None
            r["owner_erased"] = bool(r["owner_erased"]) and r["owner_id"] is not None
        return sorted(rows, key=lambda r: place[r["id"]])

    async def units_of(self, ids: Sequence[UUID]) -> dict[UUID, UUID]:
        """Each system's org unit."""
        found: dict[UUID, UUID] = {}
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            for r in await self.reader.fetch(f"SELECT id, org_unit_id FROM systems WHERE id IN {_in(part)}", *part):
                found[UUID(str(r["id"]))] = UUID(str(r["org_unit_id"]))
        return found

    async def people(
        self, *, limit: int | None, offset: int = 0, q: str | None = None, org_unit_ids: Sequence[UUID] | None = None,
        status: str | None = None, today: date,
    ) -> Page:
        """People by name (an erased person's details last), filtered by name or e-mail, unit (with
        the units below) and whether they have left (`status`: present | departed)."""
        where, params = ["TRUE"], []
        if q:
            key = search_key(q)
            where.append("d.search LIKE ? ESCAPE '\\'" if key else "1 = 0")
            params += ["%" + like_literal(key) + "%"] if key else []
        if org_unit_ids is not None:
            where.append(f"p.org_unit_id IN {_in(org_unit_ids)}")
            params += list(org_unit_ids)
        if status == "present":
            where.append("(p.departed_on IS NULL OR p.departed_on > ?)")
            params.append(today)
        elif status == "departed":
            where.append("p.departed_on <= ?")
            params.append(today)
        base = " FROM people p LEFT JOIN person_details d ON d.person_id = p.id WHERE " + " AND ".join(where)
        count = await self.reader.fetchrow("SELECT COUNT(*) AS n" + base, *params)
        sql = ("SELECT p.id, p.org_unit_id, p.title, p.departed_on, d.name, d.email, d.erased_at" + base
               + " ORDER BY CASE WHEN d.erased_at IS NULL AND d.name IS NOT NULL THEN 0 ELSE 1 END, d.search, p.id")
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return Page(int(count["n"]) if count else 0, await self.reader.fetch(sql, *params))
