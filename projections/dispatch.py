"""Route decoded events to a view's handler methods by event class."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Handlers:
    """Subclasses fill `routes`: event class -> method name."""

    routes: dict[type, str] = {}

    def apply(self, cur: Any, event: Any, position: int) -> None:
        name = self.routes.get(type(event))
        if name is not None:
            getattr(self, name)(cur, event, position)

    def route(self, cls: type, cur: Any) -> tuple[Callable[[Any, Any, int], None], Any] | None:
        """What `apply` calls for events of class `cls`, and with which cursor (None: nothing), so the
        catch-up loop asks once per class a batch instead of once per event. A view overriding
        `apply` (its class, or the instance) takes every event through it."""
        if getattr(self.apply, "__func__", None) is not Handlers.apply:
            return self.apply, cur
        name = self.routes.get(cls)
        return (getattr(self, name), cur) if name is not None else None

    def flush(self, cur: Any) -> None:
        return None


def meta(event: Any) -> dict[str, Any]:
    return getattr(event, "meta", None) or {}
