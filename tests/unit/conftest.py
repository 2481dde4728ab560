"""Unit tests build aggregates directly, outside any command: their events are recorded at
the test clock (in the application, every command enters its clock; see domain/record_time.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.clock import ManualClock
from domain.record_time import recording_with


@pytest.fixture(autouse=True)
def recording(clock: ManualClock) -> Iterator[ManualClock]:
    with recording_with(clock):
        yield clock
