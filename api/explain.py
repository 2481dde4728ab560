"""Answers that explain themselves: for every role of a system, who held it at (d, k), which
recorded fact says so (when, by whom, as what, on what basis), or, where nobody did, why not.

The rule and its grounds are domain/responsibility.py's `answer`, the case analysis of its grounds
domain/explanation.py's; this module puts names beside the ids, and the phrasebook's English
(infra/phrasebook/en) says the grounds.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec

from api import schemas as s
from api.basis import basis_fields
from domain.explanation import explain
from domain.responsibility import Answer, answer
from domain.vocabulary import Role
from infra.phrasebook.en.explanation import said, shown
from projections.accountability_view import fact_from_row
from projections.read_side import ReadSide

Names = dict[UUID, tuple[str | None, bool]]
__all__ = ["Names", "accountability", "actor_person", "as_uuid", "person", "shown"]


async def accountability(reads: ReadSide, system_id: UUID, day: date, when: datetime) -> s.Accountability | None:
    """Who held each role of the system at `day` as the record stood at `when`, explained; None
    when there is no such system."""
    found = await reads.accountability.grounds(system_id, day, when)
    if not found:
        return None
    system_name = found[0]["system_name"]
    rows = [r for r in found if r["position"] is not None]
    facts = [fact_from_row(r) for r in rows]
    by_position = {r["position"]: r for r in rows}
    answers = [answer(facts, role, day, when) for role in Role]
    names: Names = {}
    for r in rows:  # the names the query joined in, by id
        if r["person_id"]:
            names[as_uuid(r["person_id"])] = (None if r["person_erased"] else r["person_name"], bool(r["person_erased"]))
        if r["actor_id"] and (r["actor_name"] is not None or r["actor_erased"]):
            names[as_uuid(r["actor_id"])] = (None if r["actor_erased"] else r["actor_name"], bool(r["actor_erased"]))
    roles = [_role(a, by_position, names, day, when) for a in answers]
    holders = [
        s.Holder(a.role, a.fact.holder, a.fact.effective_from, a.fact.effective_to, a.fact.recorded_at,
                 *names.get(a.fact.holder, (None, False)))
        for a in answers if a.kind == "held" and a.fact is not None and a.fact.holder is not None
    ]
    return s.Accountability(system_id=system_id, at=day, known_at=when, holders=holders,
                            system_name=system_name, roles=roles)


def person(person_id: Any, names: Names) -> s.PersonRef | None:
    if not person_id:
        return None
    pid = as_uuid(person_id)
    name, erased = names.get(pid, (None, False))
    return s.PersonRef(pid, name, erased)


def as_uuid(value: Any) -> UUID:
    """An id as a UUID: as it is when it is one already (asyncpg's are; parsing its text again was
    ~10% of an answer's CPU), else from its text (SQLite's, an actor id's column)."""
    return value if isinstance(value, UUID) else _from_text(str(value))


@functools.lru_cache(maxsize=8192)  # an actor id is text in the views; the same few recur in every answer
def _from_text(text: str) -> UUID:
    return UUID(text)


def actor_person(actor_id: str | None) -> UUID | None:
    """The person an event's actor id names (None: none, or an operator or process, not a person)."""
    try:
        return UUID(actor_id) if actor_id else None
    except ValueError:
        return None


def _role(a: Answer, rows: dict[int, dict[str, Any]], names: Names, day: date, when: datetime) -> s.RoleAnswer:
    fact = _fact(rows[a.fact.position], names) if a.fact is not None else None
    holder = person(a.fact.holder, names) if a.kind == "held" and a.fact is not None else None
    return s.RoleAnswer(a.role, holder, a.kind, said(explain(a.role, a.kind, fact, holder, day, when)), fact)


def _fact(row: dict[str, Any], names: Names) -> s.DecidingFact:
    source = row.get("source")
    return s.DecidingFact(
        position=row["position"], kind=row["kind"], effective_from=row["effective_from"],
        effective_to=row["effective_to"], recorded_at=row["recorded_at"], recorded_by=person(row["actor_id"], names),
        capacity=row["actor_role"], decision_id=row["decision_id"], claim_id=row["claim_id"],
        source=msgspec.json.decode(source) if isinstance(source, str) else source, **basis_fields(row),
    )
