"""Dates, times and numbers as Danes write them, through Babel (CLDR's da_DK), in Danish time:
"7. december 2026", "7. juli 2026 kl. 12:00", "15.000". No month name is written by hand."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

LOCALE = "da_DK"
DANISH = ZoneInfo("Europe/Copenhagen")
NONE = "–"


def in_denmark(value: datetime) -> datetime:
    """An instant in Danish time; the last hour of year 9999 in UTC has none, and stays as given."""
    try:
        return value.astimezone(DANISH)
    except OverflowError:
        return value


def danish_date(value: date | datetime | None) -> str:
    """7. december 2026 (an instant: its day in Danish time)."""
    if value is None:
        return NONE
    if isinstance(value, datetime):
        value = in_denmark(value).date()
    return format_date(value, "d. MMMM y", locale=LOCALE)


def danish_datetime(value: datetime | None, offset: bool = False) -> str:
    """7. juli 2026 kl. 12:00, in Danish time (summer time included); with `offset`, the offset from
    UTC too ("7. juli 2026 kl. 12:00 +02:00"), for a reader who compares it with another clock."""
    if value is None:
        return NONE
    pattern = "d. MMMM y 'kl.' HH:mm" + (" xxx" if offset else "")
    local = in_denmark(value)
    return format_datetime(local, pattern, tzinfo=local.tzinfo, locale=LOCALE)


def dato(value: date | datetime | None) -> str:
    """A date as `danish_date`, an instant as `danish_datetime`: the pages' one filter for both."""
    if isinstance(value, datetime):
        return danish_datetime(value)
    return danish_date(value)


def short_date(value: date | None) -> str:
    """07.12.2026: a date in a table's narrow column. CLDR's `dd.MM.y` has only digits in it, the same
    in every locale, so it is written here without Babel's pattern machinery (an auditor's pack writes
    hundreds of thousands; tests/unit/test_dates.py holds it equal to Babel's)."""
    if value is None:
        return NONE
    if isinstance(value, datetime):  # as Babel's format_date takes one: its date, no conversion
        value = value.date()
    return f"{value.day:02d}.{value.month:02d}.{value.year}"


def short_datetime(value: datetime | None) -> str:
    """07.12.2026 14:03, in Danish time: a record time in a table's narrow column (CLDR's
    `dd.MM.y HH:mm`, digits only, as short_date)."""
    if value is None:
        return NONE
    local = in_denmark(value)
    return f"{local.day:02d}.{local.month:02d}.{local.year} {local.hour:02d}:{local.minute:02d}"


def local_timestamp(value: datetime | None) -> str | None:
    """An instant in Danish time with its offset, to the second, for a cell a person reads beside
    others: "2026-07-07 12:00:00+02:00"."""
    if value is None:
        return None
    return in_denmark(value).isoformat(sep=" ", timespec="seconds")


def danish_number(value: int | float | None) -> str:
    """15.000; 2,5."""
    if value is None:
        return NONE
    return format_decimal(value, locale=LOCALE)
