"""How an English sentence shows a parameter: lists joined with commas, enums by value, dates in ISO form."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import Enum
from typing import Any


def shown_value(value: Any) -> Any:
    """A parameter as a sentence shows it (an empty list: none); numbers and text as they are."""
    if isinstance(value, list | tuple | set | frozenset):
        return joined(value) or "none"
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


def joined(values: Iterable[Any], last: str = ", ") -> str:
    """`a, b, c` (or `a, b or c` with last=" or ")."""
    items = [str(shown_value(v)) for v in values]
    return ", ".join(items[:-1]) + last + items[-1] if len(items) > 1 else "".join(items)
