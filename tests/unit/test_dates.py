"""The narrow columns' dates (infra/phrasebook/da/dates.py: short_date, short_datetime) are written
without Babel for speed; they must say exactly what Babel's CLDR patterns say, for every date and
every instant, summer time and the years' edges included."""

from __future__ import annotations

from datetime import date, datetime, timezone

from babel.dates import format_date, format_datetime
from hypothesis import given, strategies as st

from infra.phrasebook.da.dates import LOCALE, NONE, in_denmark, short_date, short_datetime

instants = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(timezone.utc))


@given(st.dates())
def test_a_short_date_is_babels_dd_mm_y(day: date) -> None:
    assert short_date(day) == format_date(day, "dd.MM.y", locale=LOCALE)


@given(instants)
def test_a_short_date_of_an_instant_is_babels_too(value: datetime) -> None:
    assert short_date(value) == format_date(value, "dd.MM.y", locale=LOCALE)


@given(instants)
def test_a_short_datetime_is_babels_dd_mm_y_hh_mm_in_danish_time(value: datetime) -> None:
    local = in_denmark(value)
    assert short_datetime(value) == format_datetime(local, "dd.MM.y HH:mm", tzinfo=local.tzinfo, locale=LOCALE)


def test_the_examples_and_nothing() -> None:
    assert short_date(date(2026, 12, 7)) == "07.12.2026"
    assert short_datetime(datetime(2026, 7, 7, 10, 3, tzinfo=timezone.utc)) == "07.07.2026 12:03"  # summer time
    assert short_datetime(datetime(2026, 12, 7, 13, 3, tzinfo=timezone.utc)) == "07.12.2026 14:03"
    assert short_date(None) == short_datetime(None) == NONE
