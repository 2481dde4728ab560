"""How far the views have got, and waiting for them from async code (read-your-writes)."""

from __future__ import annotations

import asyncio
import threading


class Progress:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._position = 0
        self._resets = 0
        self._stamp: tuple[int, ...] = (0,)
        self._waiters: list[tuple[int, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    @property
    def position(self) -> int:
        """The position every view has reached (read-your-writes waits for it)."""
        return self._position

    @property
    def stamp(self) -> tuple[int, ...]:
        """Where each view stands, and how often they were emptied: equal stamps, equal views. The
        lowest position alone is not that: a view catching up alone (projections/catchup.py) stays
        behind while the others move on."""
        return (self._resets, *self._stamp)

    def reset(self) -> None:
        with self._lock:
            self._position = 0
            self._resets += 1
            self._stamp = (0,)

    def advance(self, position: int, views: tuple[int, ...] | None = None) -> None:
        """`position`: the lowest view's; `views`: every view's position (the stamp)."""
        with self._lock:
            self._position = max(self._position, position)
            self._stamp = views if views is not None else (position,)
            ready = [w for w in self._waiters if w[0] <= self._position]
            self._waiters = [w for w in self._waiters if w[0] > self._position]
        for _, loop, future in ready:
            loop.call_soon_threadsafe(_resolve, future)

    async def wait_for(self, position: int, timeout: float) -> bool:
        """True once the views have reached `position`; False if `timeout` seconds pass first."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._position >= position:
                return True
            future: asyncio.Future[None] = loop.create_future()
            waiter = (position, loop, future)
            self._waiters.append(waiter)
        try:
            await asyncio.wait_for(future, timeout)
            return True
        except TimeoutError:
            with self._lock:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
            return self._position >= position


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class ViewsBehind(Exception):
    """The views did not reach the requested position in time."""

    def __init__(self, position: int, reached: int, waited: float) -> None:
        super().__init__(f"the views have reached position {reached}, not {position}, after {waited:g} s")
        self.position = position
        self.reached = reached
