"""Route decoded events to a view's handler methods by event class."""

from __future__ import annotations

from typing import Any


class Handlers:
    """Subclasses fill `routes`: event class -> method name."""

    routes: dict[type, str] = {}

    def apply(self, cur: Any, event: Any, position: int) -> None:
        name = self.routes.get(type(event))
        if name is not None:
            getattr(self, name)(cur, event, position)

    def flush(self, cur: Any) -> None:
        return None


def meta(event: Any) -> dict[str, Any]:
    return getattr(event, "meta", None) or {}
