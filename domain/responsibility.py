"""Bitemporal responsibility facts and their resolution.

A fact says who holds a role on a system over a valid-time period `[effective_from,
effective_to)`; a vacancy is a fact whose holder is None. The holder of a role at date d as
known at time k is named by the most recently recorded fact (recorded at or before k) whose
period covers d. Facts are never edited: a correction is a later fact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from domain.periods import Period


@dataclass(frozen=True, slots=True)
class Fact:
    position: int  # recording order: the notification id (or stream version inside one aggregate)
    recorded_at: datetime
    role: str
    holder: UUID | None  # None records a vacancy
    effective_from: date
    effective_to: date | None = None
    reason: str | None = None  # why a vacancy was recorded (e.g. the unreadable text an import found)

    def covers(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)


def known_at(facts: Iterable[Fact], when: datetime | None) -> list[Fact]:
    return [f for f in facts if when is None or f.recorded_at <= when]


def deciding_fact(facts: Iterable[Fact], role: str, at: date, when: datetime | None = None) -> Fact | None:
    """The fact that decides the holder of `role` at `at` as known at `when` (None: known now)."""
    best: Fact | None = None
    for f in facts:
        if f.role == role and (when is None or f.recorded_at <= when) and f.covers(at):
            if best is None or f.position > best.position:
                best = f
    return best


def holder_at(facts: Iterable[Fact], role: str, at: date, when: datetime | None = None) -> UUID | None:
    fact = deciding_fact(facts, role, at, when)
    return None if fact is None else fact.holder


@dataclass(frozen=True, slots=True)
class HolderPeriod:
    """A stretch of valid time with one holder (None: explicitly vacant), and the facts deciding it."""

    role: str
    holder: UUID | None
    start: date
    end: date | None
    facts: tuple[Fact, ...] = field(default=())

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)


def resolve_periods(facts: Sequence[Fact], role: str, when: datetime | None = None) -> list[HolderPeriod]:
    """The holder of `role` over all of valid time, as known at `when`.

    Dates that no fact covers are left out (unknown, so nobody holds the role there); adjacent
    stretches with the same holder are joined.
    """
    relevant = [f for f in facts if f.role == role and (when is None or f.recorded_at <= when)]
    points = sorted({f.effective_from for f in relevant} | {f.effective_to for f in relevant if f.effective_to})
    periods: list[HolderPeriod] = []
    for i, start in enumerate(points):
        end = points[i + 1] if i + 1 < len(points) else None
        winner = deciding_fact(relevant, role, start)
        if winner is None:
            continue
        last = periods[-1] if periods else None
        if last is not None and last.end == start and last.holder == winner.holder:
            deciding = last.facts if winner in last.facts else (*last.facts, winner)
            periods[-1] = HolderPeriod(role, winner.holder, last.start, end, deciding)
        else:
            periods.append(HolderPeriod(role, winner.holder, start, end, (winner,)))
    return periods


def held_periods(facts: Sequence[Fact], role: str, when: datetime | None = None) -> list[HolderPeriod]:
    """Only the stretches where somebody holds the role."""
    return [p for p in resolve_periods(facts, role, when) if p.holder is not None]


def period_at(facts: Sequence[Fact], role: str, day: date, when: datetime | None = None) -> HolderPeriod | None:
    """The resolved stretch of `role` that covers `day` (who, since when, and the deciding facts),
    or None when no fact covers it. Its holder is always `holder_at(facts, role, day, when)`."""
    return next((p for p in resolve_periods(facts, role, when) if p.period.covers(day)), None)


@dataclass(frozen=True, slots=True)
class Answer:
    """Why a role has the holder it has at (d, k): the rule's answer with its grounds.

    `kind` is "held" or "vacant" (`fact` decided it), "not_yet_known" (a fact covers d, but was
    recorded after k: `fact` is the first such), "not_covered" (facts about the role exist, none
    covering d: `fact` is the nearest before or after), or "never" (no fact about the role)."""

    role: str
    kind: str
    fact: Fact | None = None


def answer(facts: Sequence[Fact], role: str, at: date, when: datetime | None = None) -> Answer:
    """The holder of `role` at `at` as known at `when`, with what shows it (the one rule, explained)."""
    decided = deciding_fact(facts, role, at, when)
    if decided is not None:
        return Answer(role, "vacant" if decided.holder is None else "held", decided)
    about = [f for f in facts if f.role == role]
    later = [f for f in about if f.covers(at)]
    if later:  # every fact covering the date was recorded after `when`
        return Answer(role, "not_yet_known", min(later, key=lambda f: f.position))
    known = [f for f in about if when is None or f.recorded_at <= when]
    if not known:
        return Answer(role, "not_yet_known" if about else "never", min(about, key=lambda f: f.position) if about else None)
    before = [f for f in known if f.effective_to is not None and f.effective_to <= at]
    nearest = max(before, key=lambda f: (f.effective_to, f.position)) if before else min(
        known, key=lambda f: (f.effective_from, -f.position))
    return Answer(role, "not_covered", nearest)
