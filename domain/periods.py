"""Half-open date periods [start, end) with an open end, and the few set operations the rules need."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

BEGINNING = date.min
#: The business dates the whole system can compute with. Every command refuses a date outside
#: them (422 naming the field), so every rule and view can add its periods (a year's attestation,
#: 90 days of ping-pong) to any date it is given and stay on the calendar.
EARLIEST = date(1900, 1, 1)
LATEST = date(9998, 12, 31)


def after(day: date, days: int) -> date:
    """`day` plus `days`, or the calendar's last day where that would run past it."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max


@dataclass(frozen=True, slots=True, order=True)
class Period:
    start: date
    end: date | None = None  # exclusive; None is open-ended

    def __post_init__(self) -> None:
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"empty period {self.start}..{self.end}")

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)

    def intersect(self, other: Period) -> Period | None:
        start = max(self.start, other.start)
        end = _min_end(self.end, other.end)
        if end is not None and end <= start:
            return None
        return Period(start, end)


def _min_end(a: date | None, b: date | None) -> date | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def _max_end(a: date | None, b: date | None) -> date | None:
    return None if a is None or b is None else max(a, b)


def make(start: date, end: date | None) -> Period | None:
    """A period, or None when it would be empty."""
    if end is not None and end <= start:
        return None
    return Period(start, end)


def merge(periods: Iterable[Period]) -> list[Period]:
    """Sorted, with overlapping or touching periods joined."""
    merged: list[Period] = []
    for p in sorted(periods):
        if merged and (merged[-1].end is None or p.start <= merged[-1].end):
            last = merged.pop()
            merged.append(Period(last.start, _max_end(last.end, p.end)))
        else:
            merged.append(p)
    return merged


def intersect_all(a: Iterable[Period], b: Iterable[Period]) -> list[Period]:
    """Every day that lies in both sets of periods."""
    left, right = merge(a), merge(b)
    return merge(p for x in left for y in right if (p := x.intersect(y)) is not None)
