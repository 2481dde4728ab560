"""When an event is recorded: the clock of the command that records it.

The library stamps each new event through its class's `create_timestamp()` hook. Every
aggregate's events derive from `RecordedEvent` below, whose hook asks the clock of the command in
progress (set by `recording_with`, which every command of the application enters). An event
made outside any command has no clock to ask, and that is an error, not the wall clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from eventsourcing.domain import Aggregate

from domain.clock import Clock

_recording: ContextVar[Clock | None] = ContextVar("ansvar_recording_clock", default=None)


class NoRecordingClock(RuntimeError):
    """An event was made outside a command, so no clock says when it was recorded."""


@contextmanager
def recording_with(clock: Clock) -> Iterator[Clock]:
    token = _recording.set(clock)
    try:
        yield clock
    finally:
        _recording.reset(token)


def record_time() -> datetime:
    clock = _recording.get()
    if clock is None:
        raise NoRecordingClock(
            "an event was made outside a command: record time comes from the application's clock"
            " (call a command, or build the aggregates inside `with app.recording():`)"
        )
    return clock.now()


class RecordedEvent(Aggregate.Event):
    """The base of every aggregate's events: record time comes from the command's clock."""

    @staticmethod
    def create_timestamp() -> datetime:
        return record_time()
