"""The register as whole tables, read through the read store: what an import compares against
(a snapshot) and what the exports write (the ownership register, the gap report, the decision
log). Callers make sure the views have caught up first."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any
from uuid import UUID

from domain import gaps
from domain import inventory as inv
from domain.import_plan import KnownPerson, KnownSystem, KnownUnit, Snapshot
from domain.lifecycle import LifecycleChange, stated_lifecycle
from domain.responsibility import Fact, deciding_fact, period_at
from domain.vocabulary import Criticality, Lifecycle, Role
from infra.database import Reader
from infra.phrasebook.da import labels as da
from projections.accountability_view import FACT_COLUMNS, facts_by_system
from projections.systems_view import CURRENT_LIFECYCLE

REGISTER_HEADERS = [
    "Systemnavn", "Leverandør", "Forvaltning", "Afdeling", "Team", "Kritikalitet", "Persondata", "Livscyklus", "Ibrugtagning",
    "Arkivpligt",
    *[h for r in Role for h in (da.ROLE_LABEL[r], f"{da.ROLE_LABEL[r]} siden")],
]
GAP_HEADERS = ["Systemnavn", "Forvaltning", "Afdeling", "Regel", "Rolle", "Siden", "Til", "Alvorlighed", "Beskrivelse"]


async def _facts(reader: Reader) -> dict[UUID, list[Fact]]:
    return facts_by_system(await reader.fetch(f"SELECT system_id, {FACT_COLUMNS} FROM responsibility_facts ORDER BY position"))


async def _systems(reader: Reader, today: date) -> list[dict[str, Any]]:
    return await reader.fetch(
        f"SELECT s.id, s.name, s.vendor, s.org_unit_id, s.criticality, s.personal_data, {CURRENT_LIFECYCLE} AS lifecycle,"
        " s.in_use_from, s.archive_duty"
        " FROM systems s ORDER BY s.name, s.id",
        today,
    )


async def _people(reader: Reader) -> list[dict[str, Any]]:
    return await reader.fetch(
        "SELECT p.id, p.departed_on, d.name, d.email FROM people p LEFT JOIN person_details d ON d.person_id = p.id"
    )


async def _units(reader: Reader) -> dict[UUID, dict[str, Any]]:
    return {r["id"]: r for r in await reader.fetch("SELECT id, name, level, parent_id, dissolved_on FROM org_units")}


def _id(value: UUID | None) -> UUID | None:
    """The standard library's UUID: asyncpg hands out a subclass of its own, and these ids go
    into the events an import writes, whose transcoder knows only the standard one."""
    return value if value is None or type(value) is UUID else UUID(bytes=value.bytes)


async def snapshot(reader: Reader, today: date) -> Snapshot:
    """What the store holds today, as known now: the import plan compares the file against it."""
    units = [
        KnownUnit(_id(u["id"]), u["name"], u["level"], _id(u["parent_id"]),  # type: ignore[arg-type]
                  u["dissolved_on"] is not None and u["dissolved_on"] <= today)
        for u in (await _units(reader)).values()
    ]
    people = [
        KnownPerson(_id(p["id"]), p["name"], p["email"],  # type: ignore[arg-type]
                    p["departed_on"] is not None and p["departed_on"] <= today)
        for p in await _people(reader)
    ]
    facts = await _facts(reader)
    changes: dict[UUID, list[LifecycleChange]] = defaultdict(list)
    for c in await reader.fetch("SELECT system_id, position, lifecycle, effective_from FROM lifecycle_changes"):
        changes[c["system_id"]].append(LifecycleChange(c["position"], c["lifecycle"], c["effective_from"]))
    systems = []
    for s in await _systems(reader, today):
        holders = {}
        for role in {f.role for f in facts[s["id"]]}:
            decided = deciding_fact(facts[s["id"]], role, today)
            if decided is not None:
                holders[role] = (_id(decided.holder), decided.reason)
        systems.append(KnownSystem(
            _id(s["id"]), s["name"], _id(s["org_unit_id"]), stated_lifecycle(changes[s["id"]], today),  # type: ignore[arg-type]
            s["criticality"], bool(s["personal_data"]), s["vendor"], holders, s["archive_duty"],
        ))
    return Snapshot(units, people, systems)


def _path(units: dict[UUID, dict[str, Any]], unit_id: UUID) -> dict[str, str]:
    path: dict[str, str] = {}
    current = units.get(unit_id)
    while current is not None:
        path.setdefault(current["level"], current["name"])
        current = units.get(current["parent_id"]) if current["parent_id"] else None
    return path


async def register_rows(reader: Reader, today: date) -> list[list[Any]]:
    """Every system, every role: holder (or the recorded reason nobody holds it) and since when."""
    units, facts = await _units(reader), await _facts(reader)
    people = {p["id"]: p for p in await _people(reader)}
    name_count = Counter(inv.normalise_name(p["name"]) for p in people.values() if p["name"])
    unit_names = frozenset(inv.normalise_name(u["name"]) for u in units.values())

    def cell(person_id: UUID) -> str:
        p = people.get(person_id)
        if p is None or not p["name"]:
            return str(person_id)  # erased or unknown: the id still re-imports to the same person
        if p["email"]:
            return f"{p['name']} <{p['email']}>" if p["name"] != p["email"] else p["email"]
        # Only a name that reads back as this one person; otherwise the id, which always does.
        readable = inv.holder(p["name"], unit_names) == inv.PersonRef(name=" ".join(p["name"].split()))
        return p["name"] if readable and name_count[inv.normalise_name(p["name"])] == 1 else str(person_id)

    rows = []
    for s in await _systems(reader, today):
        path = _path(units, s["org_unit_id"])
        row: list[Any] = [
            s["name"], s["vendor"], path.get("forvaltning"), path.get("afdeling"), path.get("team"),
            da.CRITICALITY_LABEL[Criticality(s["criticality"])], bool(s["personal_data"]),
            da.LIFECYCLE_LABEL[Lifecycle(s["lifecycle"])] if s["lifecycle"] else None, s["in_use_from"],
            s["archive_duty"],
        ]
        for role in Role:
            period = period_at(facts[s["id"]], role, today)
            if period is None:
                row += [None, None]
            elif period.holder is None:  # a vacancy, marked as one (and read back as one by the import)
                row += [f"{inv.VACANT}: {period.facts[-1].reason}", period.start]
            else:
                row += [cell(period.holder), period.start]
        rows.append(row)
    return rows


def _person_in_words(row: dict[str, Any]) -> str:
    if row["person_erased"]:
        return "a person whose details are erased"  # the detail is in English, like the API's
    return row["person_name"] or f"person {row['person_id']}"


async def gap_rows(reader: Reader, today: date) -> list[list[Any]]:
    """The gap report at `today`: most severe first, then longest-standing."""
    units = await _units(reader)
    found = await reader.fetch(
        "SELECT s.name, s.org_unit_id, g.rule, g.role, g.since, g.until, g.severity, g.detail, g.person_id,"
        " CASE WHEN d.erased_at IS NULL THEN d.name END AS person_name, d.erased_at IS NOT NULL AS person_erased"
        " FROM responsibility_gaps g JOIN systems s ON s.id = g.system_id"
        " LEFT JOIN person_details d ON d.person_id = g.person_id"
        " WHERE g.since <= ? AND (g.until IS NULL OR g.until > ?) ORDER BY g.severity, g.since, s.name, g.role",
        today, today,
    )
    rows = []
    for g in found:
        path = _path(units, g["org_unit_id"])
        role = da.ROLE_LABEL.get(g["role"], g["role"])  # type: ignore[call-overload]
        rows.append([
            g["name"], path.get("forvaltning"), path.get("afdeling"), da.RULE_LABEL.get(g["rule"], g["rule"]), role,
            g["since"], g["until"], g["severity"], gaps.in_words(g["detail"], _person_in_words(g)),
        ])
    return rows


KIND_LABEL = {
    "prioritisation": "Prioritering", "approval": "Godkendelse", "rejection": "Afvisning", "deferral": "Udsættelse",
    "decommission": "Afvikling", "ownership_ruling": "Afgørelse om ejerskab", "benefit_review": "Gevinstopfølgning",
}
DECISION_HEADERS = [
    "Besluttet den", "Beslutning", "Begrundelse", "Emner", "Møde", "Besluttet af", "Gælder fra", "Erstatter",
    "Erstattet af", "Registreret", "Beslutnings-id",
]


async def person_names(reader: Reader) -> dict[UUID, str]:
    """Every registered person's name as a reader should see it; an erased person as erased."""
    rows = await reader.fetch(
        "SELECT p.id, d.name, d.erased_at FROM people p LEFT JOIN person_details d ON d.person_id = p.id"
    )
    return {r["id"]: ERASED if r["erased_at"] else (r["name"] or str(r["id"])) for r in rows}


ERASED = "(oplysninger slettet)"
SUBJECT_LABEL = da.SUBJECT_KIND


async def decision_rows(reader: Reader, today: date) -> list[list[Any]]:
    """The council's decision log in the order decided, with what each was about and who decided,
    by name (a subject's title or name, a person's name; the id where there is none)."""
    names = await person_names(reader)
    titles = {r["id"]: r["title"] for r in await reader.fetch("SELECT id, title FROM proposals")}
    systems = {r["id"]: r["name"] for r in await reader.fetch("SELECT id, name FROM systems")}
    claimants = {r["claim_id"]: r["person_id"] for r in await reader.fetch("SELECT claim_id, person_id FROM claims")}

    def subject(kind: str, subject_id: UUID) -> str:
        if kind == "proposal":
            shown = titles.get(subject_id)
        elif kind == "system":
            shown = systems.get(subject_id)
        else:
            claimant = claimants.get(subject_id)
            shown = f"{names.get(claimant, str(claimant))}s krav" if claimant else None
        return f"{SUBJECT_LABEL.get(kind, kind)}: {shown or subject_id}"

    subjects: dict[UUID, list[str]] = defaultdict(list)
    for r in await reader.fetch(
        "SELECT decision_id, subject_kind, subject_id FROM decision_subjects ORDER BY subject_kind, subject_id"
    ):
        subjects[r["decision_id"]].append(subject(r["subject_kind"], r["subject_id"]))
    deciders: dict[UUID, set[str]] = defaultdict(set)
    for r in await reader.fetch("SELECT decision_id, person_id FROM decision_deciders"):
        deciders[r["decision_id"]].add(names.get(r["person_id"], str(r["person_id"])))
    decisions = await reader.fetch(
        "SELECT d.id, d.kind, d.rationale, d.meeting_id, m.held_on, d.decided_on, d.effective_from, d.supersedes,"
        " d.superseded_by, d.recorded_at FROM decisions d LEFT JOIN meetings m ON m.id = d.meeting_id"
        " ORDER BY d.decided_on, d.position"
    )
    return [
        [
            d["decided_on"], KIND_LABEL.get(d["kind"], d["kind"]), d["rationale"], "; ".join(sorted(subjects[d["id"]])),
            d["held_on"], ", ".join(sorted(deciders[d["id"]])), d["effective_from"], d["supersedes"],
            d["superseded_by"], d["recorded_at"], d["id"],
        ]
        for d in decisions
    ]


Rows = Callable[[Reader, date], Awaitable[list[list[Any]]]]
#: Each export: its Danish headers, how its rows are read, and its title (sheet and file name).
EXPORTS: dict[str, tuple[list[str], Rows, str]] = {
    "register": (REGISTER_HEADERS, register_rows, "Ejerskabsregister"),
    "gaps": (GAP_HEADERS, gap_rows, "Ansvarshuller"),
    "decisions": (DECISION_HEADERS, decision_rows, "Beslutningslog"),
}


class RegisterQueries:
    """The whole-table reads, bound to the read store's reader."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    async def snapshot(self, today: date) -> Snapshot:
        return await snapshot(self.reader, today)

    async def export_rows(self, what: str, today: date) -> tuple[list[str], list[list[Any]], str]:
        """The headers, rows and title of the export `what` (a key of EXPORTS) at `today`."""
        headers, rows_of, title = EXPORTS[what]
        return headers, await rows_of(self.reader, today), title
