"""The tests' calendar.

The test clock stands on ANSVAR_TEST_TODAY (default 2031-03-14: deliberately not the day the
suite runs, so a test that reads the wall clock fails loudly). The suite passes for any date
from 2000-01-01 to 2040-12-31.

Many tests tell a story with dates in it ("decided 2026-03-01, effective 2026-07-01"), written
with 2026-11-22 as today. `on()` and `day()` move such a date to the test clock's calendar,
keeping its distance to today, so the story means the same whatever day the tests run on.
"""

from __future__ import annotations

import os
from datetime import date

DEFAULT_TEST_TODAY = date(2031, 3, 14)
TEST_TODAY = date.fromisoformat(os.environ.get("ANSVAR_TEST_TODAY") or DEFAULT_TEST_TODAY.isoformat())
#: The "today" the stories in these tests were told on.
STORY_TODAY = date(2026, 11, 22)
_SHIFT = TEST_TODAY - STORY_TODAY


def day(story_date: str | date) -> date:
    """A date of a story, on the test clock's calendar."""
    told = date.fromisoformat(story_date) if isinstance(story_date, str) else story_date
    return told + _SHIFT


def on(story_date: str | date) -> str:
    """`day()` as the ISO text the API takes."""
    return day(story_date).isoformat()
