"""The pack's rows, section by section, each what the API answers for the same question: the
owners (GET /systems/{id}/accountability at D as known at K), the changes (the timeline's facts as
known at K), attestation (GET /me's attestation_due rule), the gaps (GET /responsibility-gaps) and
the decisions (GET /decisions). Nothing here decides a rule: the domain's functions do."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec

from api import explain
from api.shown import decisions as shown_decisions
from api.shown import fact_entry, gap_item
from domain.gaps import Gap, GapPolicy, attestation_due, gaps_at
from domain.gaps import Attestation as Attested
from domain.lifecycle import LifecycleChange, lifecycle_at
from domain.responsibility import Fact, period_at
from domain.vocabulary import OPERATING, Lifecycle, Role
from infra.phrasebook.da import basis as basis_words
from infra.phrasebook.da.dates import DANISH, dato, short_datetime
from infra.phrasebook.da.labels import ANSWER as STATUS
from infra.phrasebook.da.labels import CAPACITY, DECISION_KIND, LIFECYCLE_LABEL, ROLE_LABEL, RULE_LABEL
from infra.phrasebook.da.labels import FACT_KIND as KIND
from projections.accountability_view import fact_from_row
from projections.gaps_view import GapsAsKnown
from projections.read_side import ReadSide

HEADERS: dict[str, list[str]] = {
    "Ejere": ["System", "Livscyklus", "Rolle", "Indehaver", "Status", "Siden", "Til", "Grundlag", "Begrundelse",
              "Registreret", "Registreret af", "Senest bekræftet", "Uklart ansvar", "Uklart siden", "Logpositioner"],
    "Ændringer": ["System", "Rolle", "Art", "Person", "Fra", "Til", "Registreret", "Registreret af", "Som", "Grundlag",
                  "Begrundelse", "Tilbagedateret", "Logposition"],
    "Bekræftelser": ["System", "Systemejer", "Senest bekræftet", "Næste frist", "Status", "Logpositioner"],
    "Uklart ansvar": ["System", "Regel", "Rolle", "Fra", "Til", "Dage", "Alvorlighed", "Beskrivelse", "Logpositioner"],
    "Beslutninger": ["Besluttet den", "Beslutning", "Begrundelse", "Emner", "Møde", "Besluttet af", "Følger",
                     "Arkivpligt", "Registreret", "Logposition"],
}
ERASED = "(oplysninger slettet)"
IN_TIME = "Bekræftet rettidigt"
PAGE = 500


@dataclass(frozen=True)
class Question:
    start: date  # D0
    at: date  # D
    known_at: datetime  # K


@dataclass(slots=True)
class Row:
    section: str
    cells: list[Any]
    positions: list[int]
    system_id: UUID | None = None
    role: str | None = None
    person_id: UUID | None = None


@dataclass
class Summary:
    """What the PDF's first page counts."""

    systems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    in_use: int = 0
    attested: int = 0
    longest: list[Row] = field(default_factory=list)


def recorded(value: datetime) -> str:
    """A record time as Danes write it, in Danish time: 07.12.2026 14:03."""
    return short_datetime(value)


def named(name: str | None, erased: bool, person_id: Any) -> str | None:
    if erased:
        return ERASED
    return name or (str(person_id) if person_id else None)


def basis_of(decision_id: Any, claim_id: Any, source: dict | None, kind: str) -> str:
    """On what basis a fact was recorded: a council decision, a confirmed claim, an import, KITOS, SCIM."""
    if source and source.get("kitos"):
        return "KITOS"
    if source and source.get("scim"):
        return "SCIM"
    if source and source.get("file"):
        return f"Import ({source['file']}, række {source.get('row')})"
    if decision_id:
        return "Afgørelse i porteføljerådet"
    if claim_id:
        return "Bekræftet krav"
    return "Registreret som ubesat" if kind == "vacancy" else "Registrering"


async def systems_in_question(reads: ReadSide, q: Question) -> AsyncIterator[list[tuple[dict, list[LifecycleChange]]]]:
    """Every system known at K, by name, a page (PAGE systems) at a time, the page's lifecycle
    histories in one query; `in_question` tells those the owners' sheet lists (not decommissioned
    when the period began, and in the register by D) from those only their gaps concern."""
    after = None
    while True:
        page = await reads.systems.page(q.at, PAGE, after)
        known = [s for s in page if s["registered_at"] <= q.known_at]
        histories = await reads.systems.lifecycle_histories([s["id"] for s in known])
        chunk = []
        for s in known:
            changes = [LifecycleChange(c["position"], c["lifecycle"], c["effective_from"])
                       for c in histories[s["id"]] if c["recorded_at"] <= q.known_at]
            chunk.append((s, changes))
        if chunk:
            yield chunk
        if len(page) < PAGE:
            return
        after = (page[-1]["name"], page[-1]["id"])


class _Grounds:
    """What explain.accountability reads, for systems whose facts were read for a whole chunk at once:
    every fact of the system with the names beside it. Its answer over every fact is its answer over
    the few facts the per-system query picks (tests/properties/test_one_rule.py), and the pack's
    answers are held equal to the API's, system by system (tests/properties/test_pack_batched.py)."""

    def __init__(self, names: dict[UUID, tuple[str | None, bool]]) -> None:
        self.accountability = self
        self.names = names
        self.rows: dict[UUID, list[dict]] = {}

    def put(self, system_id: UUID, system_name: str, facts: list[dict]) -> None:
        rows = []
        for f in facts:
            holder = self.names.get(explain.as_uuid(f["person_id"])) if f["person_id"] else None
            actor = self.names.get(a) if (a := explain.actor_person(f["actor_id"])) else None
            rows.append({**f, "system_name": system_name,
                         "person_name": holder[0] if holder else None, "person_erased": bool(holder and holder[1]),
                         "actor_name": actor[0] if actor else None, "actor_erased": bool(actor and actor[1])})
        self.rows[system_id] = rows or [{"system_name": system_name, "position": None}]

    async def grounds(self, system_id: UUID, at: date, known_at: datetime) -> list[dict]:
        return self.rows[system_id]


def in_question(q: Question, changes: list[LifecycleChange]) -> bool:
    """Whether the owners' sheet lists a system: in the register at D, and not already decommissioned
    when the period began (as known at K)."""
    return lifecycle_at(changes, q.at) is not None and lifecycle_at(changes, q.start) != Lifecycle.DECOMMISSIONED


@dataclass(slots=True)
class SystemRows:
    """One system's rows: its owners, its changes, its attestation row (None when not in operation)
    and whether its Systemejer had attested in time."""

    owners: list[Row]
    changed: list[Row]
    attestation: Row | None
    in_time: bool
    unclear: list[Row]


@dataclass(slots=True)
class Asked:
    """What the API answers about one system for the question: who holds each role at D as known at
    K (GET /systems/{id}/accountability), its facts and attestations as recorded by K (the timeline's),
    and where its responsibility was unclear as the record stood at K (the gap rules over its history
    as recorded by then: every period, and those at D as GapItems, as GET /responsibility-gaps shows
    them)."""

    system: dict
    changes: list[LifecycleChange]
    answer: Any
    facts: list[dict]
    attestations: list[dict]
    gaps: list[Gap]
    unclear: list[Any]
    known_facts: list[Fact]  # `facts` as the domain's Facts


def gap_row(system_name: str, g: Gap, names: dict[UUID, tuple[str | None, bool]]) -> dict[str, Any]:
    """A gap in the shape the gap view's rows have, for api.audit.gap_item (the API's one way of
    showing a gap: the person it is about named in its words)."""
    name, erased = names.get(g.person_id, (None, False)) if g.person_id else (None, False)
    return {"system_name": system_name, "rule": g.rule, "role": g.role, "since": g.since, "until": g.until,
            "severity": g.severity, "detail": g.detail, "person_id": g.person_id, "person_name": name,
            "person_erased": erased, "claim_ids": msgspec.json.encode([str(c) for c in g.claims]).decode(),
            "fact_positions": msgspec.json.encode(list(g.facts)).decode()}


async def asked(reads: ReadSide, q: Question, chunk: list[tuple[dict, list[LifecycleChange]]], unclear: GapsAsKnown,
                ) -> tuple[list[Asked], dict[UUID, tuple[str | None, bool]]]:
    """The API's answers for a chunk of systems, from a few queries over the whole chunk (facts,
    attestations, names, the gap rules' inputs) instead of several per system; and the names of
    everyone in them."""
    ids = [s["id"] for s, _ in chunk]
    all_facts = await reads.accountability.facts_by_system(ids)
    all_attestations = await reads.accountability.attestations_by_system(ids)
    domain_facts = {sid: [fact_from_row(r) for r in rows] for sid, rows in all_facts.items()}
    all_gaps = await unclear.gaps(ids, domain_facts)  # the same facts: read once, made Facts once
    names = await reads.directory.names(
        [f[k] for facts in all_facts.values() for f in facts for k in ("person_id", "actor_id")
         if f[k] and (k == "person_id" or explain.actor_person(f[k]))]
        + [g.person_id for gaps in all_gaps.values() for g in gaps if g.person_id])
    grounds = _Grounds(names)
    found = []
    for system, changes in chunk:
        sid = system["id"]
        grounds.put(sid, system["name"], all_facts[sid])
        answer = await explain.accountability(grounds, sid, q.at, q.known_at)  # type: ignore[arg-type]
        assert answer is not None
        gaps = all_gaps.get(sid, [])
        found.append(Asked(system, changes, answer, [f for f in all_facts[sid] if f["recorded_at"] <= q.known_at],
                           [a for a in all_attestations[sid] if a["recorded_at"] <= q.known_at], gaps,
                           [gap_item({**gap_row(system["name"], g, names), "system_id": sid})
                            for g in gaps_at(gaps, q.at)],
                           [f for f in domain_facts[sid] if f.recorded_at <= q.known_at]))
    return found, names


async def chunk_rows(reads: ReadSide, q: Question, policy: GapPolicy, chunk: list[tuple[dict, list[LifecycleChange]]],
                     unclear: GapsAsKnown) -> list[SystemRows]:
    """The rows of a chunk of systems, each from the API's answers for it."""
    found, names = await asked(reads, q, chunk, unclear)
    return [system_rows(q, policy, a, names) if in_question(q, a.changes) else
            SystemRows([], [], None, False, gap_rows(q, a, names)) for a in found]


def system_rows(q: Question, policy: GapPolicy, a: Asked, names: dict) -> SystemRows:
    """One system's owners, changes and attestation rows, from the API's answers for it."""
    sid, name = a.system["id"], a.system["name"]
    state = lifecycle_at(a.changes, q.at)
    answer, fact_rows, attestations, unclear = a.answer, a.facts, a.attestations, a.unclear
    facts = a.known_facts

    owners = []
    for r in answer.roles:
        if r.fact is None and r.role != Role.SYSTEMEJER:
            continue
        holder = r.holder.id if r.holder else None
        mine = [a for a in attestations if a["role"] == r.role and holder and a["person_id"] == holder
                and a["attested_on"] <= q.at]
        last = mine[-1] if mine else None
        gaps = [g for g in unclear if g.role == r.role or (g.role is None and r.role == Role.SYSTEMEJER)]
        f = r.fact
        cells = [
            name, LIFECYCLE_LABEL.get(Lifecycle(state), state), ROLE_LABEL[Role(r.role)],
            named(r.holder.name, r.holder.erased, r.holder.id) if r.holder else None, STATUS.get(r.answer, r.answer),
            f.effective_from if f else None, f.effective_to if f else None,
            basis_of(f.decision_id, f.claim_id, f.source, f.kind) if f else None,
            (basis_words.of_fact(f) or None) if f else None,
            recorded(f.recorded_at) if f else None,
            (named(f.recorded_by.name, f.recorded_by.erased, f.recorded_by.id) if f.recorded_by else "systemet")
            if f else None,
            last["attested_on"] if last else None,
            "; ".join(RULE_LABEL.get(g.rule, g.rule) for g in gaps) or None, min((g.since for g in gaps), default=None),
        ]
        positions = sorted({p for p in ([f.position] if f else []) + ([last["position"]] if last else [])})
        cells.append(", ".join(map(str, positions)) or None)
        owners.append(Row("Ejere", cells, positions, sid, str(r.role), holder))

    changed = []
    for f in fact_rows:
        day = f["recorded_at"].astimezone(DANISH).date()
        if not (q.start <= f["effective_from"] <= q.at or q.start <= day <= q.at):
            continue
        e = fact_entry(f, names)
        changed.append(Row("Ændringer", [
            name, ROLE_LABEL[Role(e.role)], KIND.get(e.kind, e.kind), named(e.person_name, e.person_erased, e.person_id),
            e.effective_from, e.effective_to, recorded(e.recorded_at), named(e.actor_name, e.actor_erased, e.actor_id),
            CAPACITY.get(e.actor_role or "", e.actor_role), basis_of(e.decision_id, e.claim_id, e.source, e.kind),
            basis_words.of_fact(e) or None,
            "Ja" if e.effective_from < day else "Nej", e.position,
        ], [e.position], sid, str(e.role), e.person_id))

    attestation, in_time = None, False
    if state in OPERATING:
        owner = next((r for r in answer.roles if r.role == Role.SYSTEMEJER), None)
        held = period_at(facts, Role.SYSTEMEJER, q.at, q.known_at)
        if owner is not None and owner.holder is not None and held is not None and held.holder is not None:
            confirmations = [Attested(a["role"], a["person_id"], a["attested_on"]) for a in attestations
                             if a["attested_on"] <= q.at]
            due = attestation_due(held, confirmations, policy.attestation_days, q.at)
            in_time = due > q.at
            own = [a for a in attestations if a["role"] == Role.SYSTEMEJER and a["person_id"] == held.holder
                   and held.period.covers(a["attested_on"]) and a["attested_on"] <= q.at]
            positions = sorted({owner.fact.position if owner.fact else 0, *(a["position"] for a in own[-1:])} - {0})
            attestation = Row("Bekræftelser", [
                name, named(owner.holder.name, owner.holder.erased, owner.holder.id),
                own[-1]["attested_on"] if own else None, due, IN_TIME if in_time else "Overskredet",
                ", ".join(map(str, positions)),
            ], positions, sid, str(Role.SYSTEMEJER), held.holder)
        else:
            positions = [owner.fact.position] if owner is not None and owner.fact is not None else []
            attestation = Row("Bekræftelser", [name, None, None, None, "Ingen systemejer",
                                               ", ".join(map(str, positions)) or None], positions, sid,
                              str(Role.SYSTEMEJER), None)
    return SystemRows(owners, changed, attestation, in_time, gap_rows(q, a, names))


def gap_rows(q: Question, a: Asked, names: dict[UUID, tuple[str | None, bool]]) -> list[Row]:
    """The system's periods of unclear responsibility that overlap D0..D, as known at K, as GET
    /responsibility-gaps shows each (most severe first, then the longest-standing)."""
    rows = []
    for g in a.gaps:
        if g.since > q.at or (g.until is not None and g.until <= q.start):
            continue
        item = gap_item({**gap_row(a.system["name"], g, names), "system_id": a.system["id"]})
        end = item.until if item.until is not None and item.until <= q.at else q.at
        positions = sorted(set(item.facts))
        rows.append(Row("Uklart ansvar", [
            item.system_name, RULE_LABEL.get(item.rule, item.rule), ROLE_LABEL.get(Role(item.role)) if item.role else None,
            item.since, item.until, max((end - item.since).days, 0), item.severity, item.detail,
            ", ".join(map(str, positions)) or None,
        ], positions, item.system_id, item.role, item.person.id if item.person else None))
    return rows


async def decision_rows(reads: ReadSide, q: Question) -> AsyncIterator[Row]:
    """The council's decisions taken in the period and recorded by K, as GET /decisions shows them,
    with their consequences and, for a decommissioning, the archive duty."""
    after = None
    while True:
        page = await reads.decisions.log(PAGE, after, decided_from=q.start, decided_to=q.at)
        known = [r for r in page if r["recorded_at"] <= q.known_at]
        meetings = {m["id"]: m["held_on"] for m in await reads.decisions.meetings()} if known else {}
        for d in await shown_decisions(reads, known):
            duties = []
            for subject in d.subjects:
                if d.kind == "decommission" and subject.kind == "system":
                    found = await reads.decommissionings.of_system(subject.id)
                    duties.append(f"{subject.name}: {found['duty']}" if found and found["duty"] else
                                  f"{subject.name}: ikke afgjort")
            consequences = [c["consequence"] for c in await reads.decisions.consequences(d.id)
                            if c["recorded_at"] <= q.known_at]
            yield Row("Beslutninger", [
                d.decided_on, DECISION_KIND.get(d.kind, d.kind), d.rationale,
                "; ".join(sorted(s.name or str(s.id) for s in d.subjects)) or None,
                dato(meetings.get(d.meeting_id)) if d.meeting_id in meetings else None,
                ", ".join(sorted(named(x.name, x.erased, x.person_id) or "" for x in d.deciders)) or None,
                "; ".join(consequences) or None, "; ".join(duties) or None, recorded(d.recorded_at), d.position,
            ], [d.position])
        if len(page) < PAGE:
            return
        after = (page[-1]["decided_on"], page[-1]["position"])
