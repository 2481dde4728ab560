"""Route decoded events to a view's handler methods by event class."""

from __future__ import annotations

from typing import Any


class Handlers:
    """Subclasses fill `routes`: event class -> method name. Handlers `write` their rows, which
    go to the database at `flush`, one `executemany` per statement: a batch of thousands of
    events costs a few round trips instead of one each."""

    routes: dict[type, str] = {}

    def apply(self, cur: Any, event: Any, position: int) -> None:
        name = self.routes.get(type(event))
        if name is not None:
            getattr(self, name)(cur, event, position)

    def write(self, sql: str, params: tuple[Any, ...]) -> None:
        self.__dict__.setdefault("_writes", {}).setdefault(sql, []).append(params)

    def discard(self) -> None:
        """Forget buffered rows: their transaction failed, and the batch will be read again."""
        self.__dict__.pop("_writes", None)

    def flush(self, cur: Any) -> None:
        writes = self.__dict__.pop("_writes", None)
        if not writes:
            return
        # Every insert before every update: an update in a batch may be about a row inserted in
        # the same batch (a claim made, then confirmed); each statement keeps its events' order.
        for sql in sorted(writes, key=lambda statement: not statement.lstrip().upper().startswith("INSERT")):
            cur.executemany(sql, writes[sql])


def meta(event: Any) -> dict[str, Any]:
    return getattr(event, "meta", None) or {}
