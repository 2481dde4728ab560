"""Business time comes from one clock, handed to everything that needs it.

`now()` is an aware UTC instant (record time: when something was recorded); `today()` is the
date in the municipality's time zone (valid time defaults: "today", "as of now"). The wall
clock is read here and nowhere else; tests run on a `ManualClock` of their own.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

#: The municipalities' time zone: a Danish date begins at midnight here, not in UTC.
COPENHAGEN: tzinfo = ZoneInfo("Europe/Copenhagen")


class Clock(ABC):
    zone: tzinfo = COPENHAGEN

    @abstractmethod
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""

    def today(self) -> date:
        return self.now().astimezone(self.zone).date()

    def local_date(self, moment: datetime) -> date:
        """The date an instant falls on in the municipality's time zone."""
        return moment.astimezone(self.zone).date()


def end_of_day(day: date) -> datetime:
    """The last instant of `day` in the municipality's time zone, in UTC: "as the record stood at
    the end of day K" (a day of 23 or 25 hours when the clocks change)."""
    midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=COPENHAGEN)
    return midnight.astimezone(timezone.utc) - timedelta(microseconds=1)


def local_date(moment: datetime) -> date:
    """The Danish date of an instant (for events recorded before their date was a field)."""
    return moment.astimezone(COPENHAGEN).date()


class SystemClock(Clock):
    """The wall clock: what production runs on."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class ManualClock(Clock):
    """A clock that moves only when told to, for tests and for asking "what if it were day D".

    Each reading moves it on by `tick` (a microsecond), so two recordings never share a record
    time, as on a real clock; `advance` lets days pass without anyone sleeping."""

    def __init__(self, start: datetime, tick: timedelta = timedelta(microseconds=1)) -> None:
        if start.tzinfo is None:
            raise ValueError("a clock's start needs a time zone")
        self._now = start.astimezone(timezone.utc)
        self._tick = tick
        self._lock = threading.Lock()

    @classmethod
    def on(cls, day: date, at: time = time(12, 0)) -> ManualClock:
        """A clock standing at `at` o'clock, Danish time, on `day`."""
        return cls(datetime.combine(day, at, tzinfo=COPENHAGEN))

    def now(self) -> datetime:
        with self._lock:
            current = self._now
            self._now = current + self._tick
            return current

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
            return self._now

    def set_to(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment.astimezone(timezone.utc)
