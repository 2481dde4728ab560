"""PostgreSQL's LISTEN/NOTIFY as a wake-up call for the projection worker."""

from __future__ import annotations

import threading
from collections.abc import Callable

import structlog

log = structlog.get_logger(__name__)


class SharedListener:
    """LISTENs on event tables' channels (the library NOTIFYs one on every insert) and wakes their
    projection workers, so new events reach the views without a polling delay. One connection for
    every municipality a process holds open (ansvar/tenancy.py): channels are added and dropped as
    municipalities are opened and closed, and a notification wakes only the worker of the
    municipality whose log it names. On (re)connecting each worker is woken once, for anything
    written while nothing listened."""

    def __init__(self, dsn: str, name: str = "ansvar-listen-tenants") -> None:
        self.dsn = dsn
        self._wanted: dict[str, Callable[[], None]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def add(self, channel: str, wake: Callable[[], None]) -> None:
        with self._lock:
            self._wanted[channel] = wake

    def drop(self, channel: str) -> None:
        with self._lock:
            self._wanted.pop(channel, None)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        import psycopg
        from psycopg import sql

        while not self._stop.is_set():
            listening: set[str] = set()
            try:
                with psycopg.connect(self.dsn, autocommit=True, connect_timeout=5) as conn:
                    while not self._stop.is_set():
                        with self._lock:
                            wanted = dict(self._wanted)
                        for channel in wanted.keys() - listening:
                            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                            wanted[channel]()  # anything written before we listened
                        for channel in listening - wanted.keys():
                            conn.execute(sql.SQL("UNLISTEN {}").format(sql.Identifier(channel)))
                        listening = set(wanted)
                        for note in conn.notifies(timeout=0.2, stop_after=1):
                            if wake := wanted.get(note.channel):
                                wake()
            except psycopg.Error as exc:
                log.warning("listen connection lost; reconnecting", error=str(exc))
                self._stop.wait(1.0)


class PostgresListener(SharedListener):
    """The one channel of an installation of one municipality."""

    def __init__(self, dsn: str, channel: str, wake: Callable[[], None]) -> None:
        super().__init__(dsn, name="ansvar-listen")
        self.add(channel, wake)
