"""The record time a question is asked at (`known_at`), parsed for the controllers, the pages and
`ansvar audit-pack` alike; apart from api/responsibility.py so that the pack's command line does not
import the web framework for it (~0.5-1 s of a municipality's pack)."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING

from domain.clock import end_of_day
from domain.errors import InvalidValue

if TYPE_CHECKING:
    from projections.read_side import ReadSide

_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})", re.IGNORECASE)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def as_known_at(known_at: str | None, reads: ReadSide) -> datetime:
    """The record time a question is asked at: as given (an instant, or the end of a day), or now."""
    if known_at is None:
        return reads.now()
    text = known_at.strip()
    try:
        if _DAY.fullmatch(text):
            return end_of_day(date.fromisoformat(text))
        if _INSTANT.fullmatch(text):
            return datetime.fromisoformat(text.upper().replace(" ", "T")).astimezone(timezone.utc)
    except ValueError:
        raise InvalidValue("not-a-real-time", field="known_at", given=text) from None
    except OverflowError:  # 0001-01-01T00:01+01:00 is before year 1 in UTC: it was a 500 on SQLite
        raise InvalidValue("time-out-of-range", field="known_at", given=text) from None
    if any(c.isdigit() for c in text) and _DAY.fullmatch(text[:10]) and "T" in text.upper():
        raise InvalidValue("time-without-offset", field="known_at", given=text)
    raise InvalidValue("not-a-time", field="known_at", given=text)
