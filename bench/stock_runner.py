"""The library's stock projection runner, as documented: one event, one transaction.

A materialised view on eventsourcing's PostgreSQL tracking recorder, writing one row per event
together with its tracking record, driven by `ProjectionRunner` (its own thread, subscribed to
the application's log). It is the baseline for bench/rebuild.py."""

from __future__ import annotations

import time
from functools import singledispatchmethod
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection, ProjectionRunner
from psycopg.sql import SQL, Identifier

from domain.clock import SystemClock
from domain.portfolio import Portfolio


class _Log(Portfolio):
    """The application as the library's runner builds it (from the environment alone); it only
    reads the log, so any clock will do."""

    name = "ansvar"  # the same tables (the library names a subclass after itself otherwise)

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env, clock=SystemClock())


class StockRows(PostgresTrackingRecorder):
    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.table = Identifier(self.datastore.schema, "stock_rows")
        self.sql_create_statements.append(SQL(
            "CREATE TABLE IF NOT EXISTS {0} (position bigint PRIMARY KEY, originator_id uuid, kind text)"
        ).format(self.table))

    def record(self, event: Any, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL("INSERT INTO {0} VALUES (%s, %s, %s) ON CONFLICT (position) DO NOTHING").format(self.table),
                (tracking.notification_id, event.originator_id, type(event).__name__),
            )
            self._insert_tracking(curs, tracking)


class StockProjection(Projection[StockRows]):
    name = "stockbench"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.record(domain_event, tracking)


def run(env: dict[str, str], events: int, timeout: float = 600.0) -> tuple[int, float]:
    """Events processed and seconds taken, for the first `events` events of the log."""
    started = time.perf_counter()
    with ProjectionRunner(
        application_class=_Log, projection_class=StockProjection, view_class=StockRows, env=env
    ) as runner:
        done = 0
        while done < events and time.perf_counter() - started < timeout:
            time.sleep(0.2)
            done = runner.view.max_tracking_id("ansvar") or 0
        took = time.perf_counter() - started
    return done, took
