"""The demo's record time: each fact is recorded on a day of the years it describes, not at the
instant the demo is loaded.

A system is first built as a draft, in the order the generator decides its facts (its own rules
run and answer the generator's questions, e.g. who holds a role on a day); every fact is noted
with the day it would have been recorded. The system is then built again, its facts in record-time
order, with the recording clock (domain/record_time.py) set to each fact's record time as it is
recorded. Everything is saved in record-time order, so the log's order is the order of its record
times. The clock is a ManualClock started at the application clock's now: never the calendar.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime, time, timedelta
from typing import Any

from domain.clock import COPENHAGEN, ManualClock
from domain.person_details import PersonDetails
from domain.errors import DomainError
from domain.handovers import HandoverOffer
from domain.portfolio import Portfolio
from domain.record_time import recording_with
from domain.systems import System, SystemName

_CHUNK = 500  # events per transaction


class History:
    def __init__(self, now: datetime, start: date, seed: int = 1) -> None:
        self.now = now  # the load's instant: nothing is recorded after it
        self.start = start  # when the municipality took ansvar into use: older facts are recorded then
        self.rng = random.Random(seed)  # its own, so the town's facts are those of the same seed as ever
        self.clock = ManualClock(now)
        self.plans: dict[Any, _Plan] = {}
        self.first_events: list[Any] = []
        self.people: Sequence[PersonDetails] = ()
        self.pool: list[Any] = []

    def recording(self) -> AbstractContextManager[Any]:
        return recording_with(self.clock)

    def instant(self, day: date, lag: int = 0) -> datetime:
        """When a fact of `day` was recorded: in working hours that day (or up to `lag` days later),
        and not before ansvar was taken into use, nor after the load."""
        day = max(day + timedelta(days=self.rng.randrange(lag + 1)), self.start)
        moment = datetime.combine(day, time(8), tzinfo=COPENHAGEN) + timedelta(minutes=self.rng.randrange(480))
        return min(moment, self.now - timedelta(minutes=1))

    def set(self, day: date, lag: int = 0) -> None:
        self.clock.set_to(self.instant(day, lag))

    def at(self, day: date, change: Callable[..., None], *args: Any, lag: int = 0) -> None:
        """Record one change to an organisation aggregate on `day` (or up to `lag` days later)."""
        self.set(day, lag)
        change(*args)

    def first(self, *aggregates: Any, people: Sequence[PersonDetails]) -> None:
        """The aggregates' events so far are saved first, with the people's details."""
        self.first_events += [e for a in aggregates for e in a.collect_events()]
        self.people = people

    def later(self, *aggregates: Any) -> None:
        self.pool += [e for a in aggregates for e in a.collect_events()]

    def of(self, system: System) -> _Plan:
        if system.id not in self.plans:
            self.plans[system.id] = _Plan(self, system)
        return self.plans[system.id]

    def offer(self, system: System, day: date) -> Any:
        """A hand-over offer's id: the small aggregate that finds its system, recorded with the offer."""
        self.set(day)
        pointer = HandoverOffer(system_id=system.id)
        self.pool += pointer.collect_events()
        return pointer.id

    def replayed(self, pair: tuple[System, SystemName]) -> tuple[System, SystemName]:
        """The system built again from its facts in record-time order; its events go to the pool."""
        draft, name = pair
        plan = self.of(draft)
        registered = draft.collect_events()[0]
        system = registered.mutate(None)
        last = registered.timestamp
        for moment, _, change, args in sorted(plan.changes, key=lambda c: (c[0], c[1])):
            last = max(moment, last)
            self.clock.set_to(last)
            try:
                if change == "attest":  # by whoever held the role as the record stood that day
                    role, holder, meta, on = args
                    if system.holder(role, on) == holder:
                        system.attest(role, holder, on, meta)
                else:
                    getattr(system, change)(*args)
            except DomainError:
                continue  # not allowed on the record as it stood then: it was never recorded
            last = self.clock.now()
        del self.plans[draft.id]
        self.pool += [registered, *system.collect_events(), *name.collect_events()]
        return system, name

    def save_in_order(self, app: Portfolio, progress: Callable[[int, int], None] | None = None) -> None:
        """Everything, in record-time order (one stream's events keep their order), a chunk at a time."""
        app.save(*self.first_events, people=self.people)
        events = sorted(self.pool, key=lambda e: e.timestamp)
        for start in range(0, len(events), _CHUNK):
            app.save(*events[start : start + _CHUNK])
            if progress:
                progress(min(start + _CHUNK, len(events)), len(events))


class _Plan:
    """One system's facts with the instant each was recorded, made on the draft as they are noted."""

    def __init__(self, history: History, draft: System) -> None:
        self.history, self.draft = history, draft
        self.changes: list[tuple[datetime, int, str, tuple]] = []

    def at(self, day: date, change: str, *args: Any, lag: int = 0) -> None:
        getattr(self.draft, change)(*args)
        self.changes.append((self.history.instant(day, lag), len(self.changes), change, args))

    def attest(self, on: date, role: str, holder: Any, meta: dict) -> None:
        self.draft.attest(role, holder, on, meta)
        self.changes.append((self.history.instant(on), len(self.changes), "attest", (role, holder, meta, on)))
