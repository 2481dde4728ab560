"""The pack's question from what was asked (`GET /audit-pack`, the pages' form, `ansvar audit-pack`):
apart from routes.py so that the command line does not import the web framework for it."""

from __future__ import annotations

from datetime import date

from api.audit_pack.sections import Question
from api.known_at import as_known_at
from domain.errors import InvalidValue
from projections.read_side import ReadSide


def question(reads: ReadSide, start: date | None, at: date | None, known_at: str | None) -> Question:
    """The period start..at as the record stood at known_at (default now); 422 naming the field otherwise."""
    if start is None:
        raise InvalidValue("period-start-missing", field="from")
    if at is None:
        raise InvalidValue("balance-date-missing", field="at")
    if start > at:
        raise InvalidValue("period-start-after-balance", field="from")
    return Question(start, at, as_known_at(known_at, reads))
