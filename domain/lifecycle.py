"""A system's lifecycle over valid time: the one rule every reader of it follows.

Each change says "in state S from date D". On a date, the change effective latest on or
before it decides; of two changes effective on the same date, the one recorded later (the
higher position) decides, so a same-day correction corrects. The register, the gap rules and
every command that looks at a lifecycle use these functions (the views' SQL is held equal to
them by tests/properties/test_one_rule.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from domain import periods as P
from domain.periods import Period
from domain.vocabulary import OPERATING


@dataclass(frozen=True, slots=True)
class LifecycleChange:
    position: int  # recording order: the log position, or the version within one system's stream
    lifecycle: str
    effective_from: date


def _in_force_order(changes: Iterable[LifecycleChange]) -> list[LifecycleChange]:
    return sorted(changes, key=lambda c: (c.effective_from, c.position))


def in_use(state: str | None) -> bool:
    """Whether a system in lifecycle `state` is in use (vocabulary.OPERATING): its roles must be held."""
    return state in OPERATING


def lifecycle_at(changes: Iterable[LifecycleChange], day: date) -> str | None:
    """The state in force on `day`; None before the first change takes effect."""
    current = None
    for change in _in_force_order(changes):
        if change.effective_from > day:
            break
        current = change.lifecycle
    return current


def stated_lifecycle(changes: Iterable[LifecycleChange], day: date) -> str | None:
    """The state the register states for a system on `day`: the one in force, or, for a system
    whose first state lies ahead (registered to go into use on a later date), that first state.
    What an import compares a file's lifecycle with."""
    ordered = _in_force_order(changes)
    current = lifecycle_at(ordered, day)
    if current is None and ordered:
        current = lifecycle_at(ordered, ordered[0].effective_from)
    return current


def lifecycle_periods(changes: Sequence[LifecycleChange], states: Iterable[str]) -> list[Period]:
    """When the system was in one of `states`, as merged periods of valid time."""
    wanted = set(states)
    ordered = _in_force_order(changes)
    found: list[Period] = []
    for i, change in enumerate(ordered):
        end = ordered[i + 1].effective_from if i + 1 < len(ordered) else None
        if change.lifecycle in wanted and (p := P.make(change.effective_from, end)):
            found.append(p)
    return P.merge(found)
