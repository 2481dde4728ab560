"""Builds the running parts from settings: the portfolio application, the read-side database,
the views and the worker that keeps them current. The API and the CLI both start here."""

from __future__ import annotations

import gc
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

import structlog

from domain.portfolio import Portfolio, utc_today
from infra import idempotency
from infra.database import ensure_schema, open_sync
from infra.people_directory import PersonDirectory
from infra.settings import Settings
from projections.accountability_view import AccountabilityView
from projections.catchup import CatchUp, Worker
from projections.decisions_view import DecisionsView
from projections.decommissioning_view import DecommissioningView
from projections.gaps_view import GapsView
from projections.progress import Progress
from projections.proposals_view import ProposalsView
from projections.systems_view import SystemsView

log = structlog.get_logger(__name__)


# The long-running processes (API, worker) allocate in bursts: one sweep builds ~500,000 objects,
# one catch-up batch tens of thousands. At CPython's default (700 allocations per young
# collection) each burst sets off hundreds of collections, several of them full ones that walk
# every object the process holds, the app's own code included. Measured on the sweep over
# 30,000 systems (in process, bench data set): 230 ms as shipped, 161 ms with the start-up
# objects frozen, 142 ms with the higher threshold too, 138 ms with no collector at all.
SERVICE_GC_THRESHOLD = (10_000, 50, 50)


def tune_gc_for_service() -> None:
    """Call once, after imports and app construction, in a process that will run for a long time:
    what exists by then lives as long as the process, so the collector stops scanning it."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVICE_GC_THRESHOLD)


@dataclass
class Runtime:
    settings: Settings
    portfolio: Portfolio
    db: Any
    directory: PersonDirectory
    catchup: CatchUp
    worker: Worker | None = None
    listener: PostgresListener | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def start_worker(self) -> None:
        self.worker = Worker(self.catchup, idle_seconds=0.5, housekeeping=self.forget_expired_keys)
        self.worker.start()
        self.portfolio.on_saved = self.worker.nudge
        if self.settings.database.kind == "postgres":
            self.listener = PostgresListener(self.settings, self.portfolio.recorder.channel_name, self.worker.nudge)
            self.listener.start()

    def forget_expired_keys(self) -> int:
        """Delete the idempotency keys older than ANSVAR_IDEMPOTENCY_KEY_HOURS; how many went."""
        cutoff = datetime.now(timezone.utc) - timedelta(hours=self.settings.idempotency_key_hours)
        forgotten = self.portfolio.recorder.forget_keys_before(cutoff)
        if forgotten:
            log.info("expired idempotency keys deleted", count=forgotten, older_than=cutoff.isoformat())
        return forgotten

    def close(self) -> None:
        if self.listener is not None:
            self.listener.stop()
        if self.worker is not None:
            self.worker.stop()
        self.db.close()
        self.portfolio.close()


def build(settings: Settings, today: Callable[[], date] = utc_today) -> Runtime:
    ensure_schema(settings.database)
    db = open_sync(settings.database, size=max(2, settings.pool_size // 2))
    directory = PersonDirectory(db)
    directory.setup()
    env = idempotency.with_idempotent_recorder(settings.eventsourcing_env())
    portfolio = Portfolio(env, directory=directory, today=today)
    portfolio.save_options = idempotency.save_kwargs  # an Idempotency-Key is written with the events
    views = [SystemsView(), AccountabilityView(), GapsView(settings.gap_policy)]
    views += [ProposalsView(), DecisionsView(), DecommissioningView()]  # the council's views (issue 4)
    catchup = CatchUp(portfolio, db, views, Progress())
    catchup.setup()
    return Runtime(settings, portfolio, db, directory, catchup)


class PostgresListener:
    """LISTENs on the event table's channel (the library NOTIFYs it on every insert) and wakes
    the worker, so new events reach the views without a polling delay."""

    def __init__(self, settings: Settings, channel: str, wake: Callable[[], None]) -> None:
        self.settings = settings
        self.channel = channel
        self.wake = wake
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ansvar-listen", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        import psycopg
        from psycopg import sql

        while not self._stop.is_set():
            try:
                with psycopg.connect(self.settings.database.dsn, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    self.wake()  # anything written while we were not listening
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=1.0, stop_after=1):
                            self.wake()
            except psycopg.Error as exc:
                log.warning("listen connection lost; reconnecting", error=str(exc))
                self._stop.wait(1.0)
