"""The baselines the views are measured against: answering from the event log itself.

`holders_by_repository` is what a system without read models does, and what issue #7 names as
the baseline: `repository.get` (read the system's events, decode them, and fold them into the
aggregate, whose facts keep their record times) and then the bitemporal rule of
domain/responsibility.py. `holders_by_replay` is a cheaper replay that skips the aggregate:
decode the events and fold only the facts. `sweep_by_log_scan` replays every system at once in
one pass over the whole log, the fastest way to replay them all."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.responsibility import Fact, deciding_fact
from domain.systems import System
from domain.vocabulary import Role

FACTS = (System.AssignmentRecorded, System.VacancyRecorded)


def fact(e: Any) -> Fact:
    return Fact(e.originator_version, e.timestamp, e.role, getattr(e, "person_id", None), e.effective_from, e.effective_to)


def resolve(facts: list[Fact], at: date, known_at: datetime, roles: list[str]) -> dict[str, UUID]:
    known = [f for f in facts if f.recorded_at <= known_at]
    found = {}
    for role in roles:
        decided = deciding_fact(known, role, at)
        if decided is not None and decided.holder is not None:
            found[role] = decided.holder
    return found


def holders_by_repository(app: Any, system_id: UUID, at: date, known_at: datetime) -> dict[str, UUID]:
    system = app.repository.get(system_id)
    return {role: holder for role in Role if (holder := system.holder(role, at, known_at)) is not None}


def holders_by_replay(app: Any, system_id: UUID, at: date, known_at: datetime) -> dict[str, UUID]:
    facts = [fact(e) for e in app.events.get(system_id) if isinstance(e, FACTS)]
    return resolve(facts, at, known_at, list(Role))


def sweep_by_log_scan(app: Any, at: date, known_at: datetime, role: str, page: int = 5_000) -> dict[UUID, dict[str, UUID]]:
    facts: dict[UUID, list[Fact]] = defaultdict(list)
    systems: set[UUID] = set()
    start = 1
    while page_ := app.recorder.select_notifications(start, page):
        for n in page_:
            e = app.mapper.to_domain_event(n)
            if isinstance(e, FACTS):
                facts[e.originator_id].append(fact(e))
            elif isinstance(e, System.Registered):
                systems.add(e.originator_id)
        start = page_[-1].id + 1
    return {s: resolve(facts[s], at, known_at, [role]) for s in systems}
