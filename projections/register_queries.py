"""The register as whole tables, read synchronously from the views' tables: what an import compares
against (a snapshot) and what the exports write (the ownership register and the gap report).
Callers make sure the views have caught up first."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from typing import Any
from uuid import UUID

from domain import inventory as inv
from domain.import_plan import KnownPerson, KnownSystem, KnownUnit, Snapshot
from domain.responsibility import Fact, deciding_fact, resolve_periods
from domain.vocabulary import Criticality, Lifecycle, Role

ROLE_LABEL = {
    Role.SYSTEMEJER: "Systemejer", Role.SYSTEMANSVARLIG: "Systemansvarlig", Role.FORRETNINGSEJER: "Forretningsejer",
    Role.DATAEJER: "Dataejer", Role.SIKKERHEDSANSVARLIG: "Sikkerhedsansvarlig",
    Role.SUPERBRUGERANSVARLIG: "Superbrugeransvarlig", Role.TEKNISK_ANSVARLIG: "Teknisk ansvarlig",
    Role.KONTRAKTEJER: "Kontraktejer",
}
RULE_LABEL = {
    "no_holder": "Ingen indehaver af rollen", "holder_departed": "Indehaveren er fratrådt",
    "no_operational_handover": "Ingen driftsoverdragelse", "decommission_unowned": "Afvikling uden ansvarlig",
    "competing_claims": "Konkurrerende krav", "owner_too_low": "Ejer for lavt placeret",
    "ping_pong": "Sorteper (ansvaret skifter hænder)", "claim_unanswered": "Krav ubesvaret",
    "attestation_overdue": "Bekræftelse for sent",
}
REGISTER_HEADERS = [
    "Systemnavn", "Leverandør", "Forvaltning", "Afdeling", "Team", "Kritikalitet", "Persondata", "Livscyklus", "Ibrugtagning",
    *[h for r in Role for h in (ROLE_LABEL[r], f"{ROLE_LABEL[r]} siden")],
]
GAP_HEADERS = ["Systemnavn", "Forvaltning", "Afdeling", "Regel", "Rolle", "Siden", "Til", "Alvorlighed", "Beskrivelse"]


def _facts(cur: Any) -> dict[UUID, list[Fact]]:
    cur.execute(
        "SELECT system_id, position, recorded_at, role, person_id, effective_from, effective_to, kind, basis"
        " FROM responsibility_facts ORDER BY position"
    )
    facts: dict[UUID, list[Fact]] = defaultdict(list)
    for r in cur.fetchall():
        facts[r["system_id"]].append(Fact(
            r["position"], r["recorded_at"], r["role"], r["person_id"], r["effective_from"], r["effective_to"],
            r["basis"] if r["kind"] == "vacancy" else None,
        ))
    return facts


def _systems(cur: Any, today: date) -> list[dict[str, Any]]:
    cur.execute(
        "SELECT s.id, s.name, s.vendor, s.org_unit_id, s.criticality, s.personal_data,"
        " (SELECT lc.lifecycle FROM lifecycle_changes lc WHERE lc.system_id = s.id AND lc.effective_from <= ?"
        "  ORDER BY lc.effective_from DESC, lc.position DESC LIMIT 1) AS lifecycle,"
        " (SELECT MIN(lc.effective_from) FROM lifecycle_changes lc WHERE lc.system_id = s.id) AS first_date"
        " FROM systems s ORDER BY s.name, s.id",
        (today,),
    )
    return cur.fetchall()


def _people(cur: Any) -> list[dict[str, Any]]:
    cur.execute(
        "SELECT p.id, p.departed_on, d.name, d.email FROM people p LEFT JOIN person_details d ON d.person_id = p.id"
    )
    return cur.fetchall()


def _units(cur: Any) -> dict[UUID, dict[str, Any]]:
    cur.execute("SELECT id, name, level, parent_id, dissolved_on FROM org_units")
    return {r["id"]: r for r in cur.fetchall()}


def snapshot(cur: Any, today: date) -> Snapshot:
    """What the store holds today, as known now: the import plan compares the file against it."""
    units = [
        KnownUnit(u["id"], u["name"], u["level"], u["parent_id"], u["dissolved_on"] is not None and u["dissolved_on"] <= today)
        for u in _units(cur).values()
    ]
    people = [
        KnownPerson(p["id"], p["name"], p["email"], p["departed_on"] is not None and p["departed_on"] <= today)
        for p in _people(cur)
    ]
    facts = _facts(cur)
    systems = []
    for s in _systems(cur, today):
        holders = {}
        for role in {f.role for f in facts[s["id"]]}:
            decided = deciding_fact(facts[s["id"]], role, today)
            if decided is not None:
                holders[role] = (decided.holder, decided.reason)
        systems.append(KnownSystem(
            s["id"], s["name"], s["org_unit_id"], s["lifecycle"], s["criticality"], bool(s["personal_data"]), s["vendor"],
            holders,
        ))
    return Snapshot(units, people, systems)


def _path(units: dict[UUID, dict[str, Any]], unit_id: UUID) -> dict[str, str]:
    path: dict[str, str] = {}
    current = units.get(unit_id)
    while current is not None:
        path.setdefault(current["level"], current["name"])
        current = units.get(current["parent_id"]) if current["parent_id"] else None
    return path


def register_rows(cur: Any, today: date) -> list[list[Any]]:
    """Every system, every role: holder (or the recorded reason nobody holds it) and since when."""
    units, facts = _units(cur), _facts(cur)
    people = {p["id"]: p for p in _people(cur)}
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
    for s in _systems(cur, today):
        path = _path(units, s["org_unit_id"])
        row: list[Any] = [
            s["name"], s["vendor"], path.get("forvaltning"), path.get("afdeling"), path.get("team"),
            inv.CRITICALITY_LABEL[Criticality(s["criticality"])], bool(s["personal_data"]),
            inv.LIFECYCLE_LABEL[Lifecycle(s["lifecycle"])] if s["lifecycle"] else None, inv.day(s["first_date"]),
        ]
        for role in Role:
            period = next((p for p in resolve_periods(facts[s["id"]], role) if p.period.covers(today)), None)
            if period is None:
                row += [None, None]
            elif period.holder is None:
                row += [period.facts[-1].reason, period.start]
            else:
                row += [cell(period.holder), period.start]
        rows.append(row)
    return rows


def gap_rows(cur: Any, today: date) -> list[list[Any]]:
    """The gap report at `today`: most severe first, then longest-standing."""
    units = _units(cur)
    cur.execute(
        "SELECT s.name, s.org_unit_id, g.rule, g.role, g.since, g.until, g.severity, g.detail FROM responsibility_gaps g"
        " JOIN systems s ON s.id = g.system_id WHERE g.since <= ? AND (g.until IS NULL OR g.until > ?)"
        " ORDER BY g.severity, g.since, s.name, g.role",
        (today, today),
    )
    rows = []
    for g in cur.fetchall():
        path = _path(units, g["org_unit_id"])
        role = ROLE_LABEL.get(g["role"], g["role"])  # type: ignore[call-overload]
        rows.append([
            g["name"], path.get("forvaltning"), path.get("afdeling"), RULE_LABEL.get(g["rule"], g["rule"]), role,
            g["since"], g["until"], g["severity"], g["detail"],
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


def decision_rows(cur: Any, today: date) -> list[list[Any]]:
    """The council's decision log in the order decided, with what each was about and who decided."""
    cur.execute("SELECT decision_id, subject_kind, subject_id FROM decision_subjects ORDER BY subject_kind, subject_id")
    subjects: dict[UUID, list[str]] = defaultdict(list)
    for r in cur.fetchall():
        subjects[r["decision_id"]].append(f"{r['subject_kind']}:{r['subject_id']}")
    cur.execute("SELECT decision_id, person_id FROM decision_deciders ORDER BY person_id")
    deciders: dict[UUID, list[str]] = defaultdict(list)
    for r in cur.fetchall():
        deciders[r["decision_id"]].append(str(r["person_id"]))
    cur.execute(
        "SELECT d.id, d.kind, d.rationale, d.meeting_id, m.held_on, d.decided_on, d.effective_from, d.supersedes,"
        " d.superseded_by, d.recorded_at FROM decisions d LEFT JOIN meetings m ON m.id = d.meeting_id"
        " ORDER BY d.decided_on, d.position"
    )
    return [
        [
            d["decided_on"], KIND_LABEL.get(d["kind"], d["kind"]), d["rationale"], ", ".join(subjects[d["id"]]),
            d["held_on"], ", ".join(sorted(set(deciders[d["id"]]))), d["effective_from"], d["supersedes"],
            d["superseded_by"], d["recorded_at"], d["id"],
        ]
        for d in cur.fetchall()
    ]


EXPORTS = {
    "register": (REGISTER_HEADERS, register_rows, "Ejerskabsregister"),
    "gaps": (GAP_HEADERS, gap_rows, "Ansvarshuller"),
    "decisions": (DECISION_HEADERS, decision_rows, "Beslutningslog"),
}
