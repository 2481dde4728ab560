"""The composition root: `bootstrap(settings, clock)` builds every running part once, from
settings. The API's lifespan, the command line, the worker and the tests all start here.

It returns a `Runtime`: the write application (`portfolio`), the read store (`reads`), the
views and their catch-up loop, and the worker that keeps them current (not yet started).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import anyio.to_thread
import structlog

from domain.clock import Clock, SystemClock
from domain.portfolio import Portfolio
from infra import idempotency, log_key, recorders
from infra.database import PostgresReader, SqliteReader, ensure_schema, open_sync
from infra.listener import PostgresListener
from infra.log_proofs import LogProofs
from infra.people_directory import PersonDirectory
from infra.settings import Settings
from infra.transparency import TransparencyLog
from infra.ui_sessions import SessionStore
from projections.accountability_view import AccountabilityView
from projections.catchup import CatchUp
from projections.decisions_view import DecisionsView
from projections.decommissioning_view import DecommissioningView
from projections.event_log import EventLog
from projections.gaps_view import GapsView
from projections.handovers_view import HandoversView
from projections.kitos_view import KitosView
from projections.progress import Progress
from projections.proposals_view import ProposalsView
from projections.read_side import ReadSide
from projections.reminders_view import RemindersView
from projections.systems_view import SystemsView
from projections.worker import Worker

log = structlog.get_logger(__name__)


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    portfolio: Portfolio
    reads: ReadSide
    events: EventLog
    db: Any  # the views' own connections (projections and the person directory)
    directory: PersonDirectory
    catchup: CatchUp
    worker: Worker
    transparency: TransparencyLog | None = None  # the log's Merkle tree, its signed checkpoints, its proofs
    ui_sessions: SessionStore | None = None  # the web pages' sessions and one-time sign-in codes
    listener: PostgresListener | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def start_worker(self) -> None:
        """Keep the views current in this process: woken by every save here and, on PostgreSQL,
        by the log's NOTIFY (other processes' saves)."""
        self.worker.start()
        self.portfolio.on_saved = self.worker.nudge
        if self.settings.reminders.smtp is not None:  # reminders go out once a day, from this process
            from ansvar.reminders import ReminderScheduler

            self.extras["reminders"] = scheduler = ReminderScheduler(self, self.settings.reminders.hour)
            scheduler.start()
        if self.settings.database.kind == "postgres":
            self.listener = PostgresListener(self.settings.database.dsn, self.portfolio.recorder.channel_name,
                                             self.worker.nudge)
            self.listener.start()

    def forget_expired_keys(self) -> int:
        return forget_expired_keys(self.portfolio, self.clock, self.settings.idempotency_key_hours)

    async def aclose(self) -> None:
        """Close everything, the read store's async pool included (call from the event loop)."""
        await self.reads.reader.close()
        await anyio.to_thread.run_sync(self.close)

    def close(self) -> None:
        if self.listener is not None:
            self.listener.stop()
        if "reminders" in self.extras:
            self.extras["reminders"].stop()
        self.worker.stop()
        self.db.close()
        self.portfolio.close()


def forget_expired_keys(portfolio: Portfolio, clock: Clock, hours: int) -> int:
    """Delete the idempotency keys older than `hours` (ANSVAR_IDEMPOTENCY_KEY_HOURS); how many went."""
    cutoff = clock.now() - timedelta(hours=hours)
    forgotten = portfolio.recorder.forget_keys_before(cutoff)
    if forgotten:
        log.info("expired idempotency keys deleted", count=forgotten, older_than=cutoff.isoformat())
    return forgotten


def bootstrap(settings: Settings, clock: Clock | None = None) -> Runtime:
    """Every part, wired once. `clock` defaults to the wall clock; tests pass their own."""
    clock = clock or SystemClock()
    ensure_schema(settings.database)
    db = open_sync(settings.database, size=max(2, settings.pool_size // 2))
    directory = PersonDirectory(db, clock)
    directory.setup()
    ui_sessions = SessionStore(db, clock)
    ui_sessions.setup()
    env = recorders.with_recorders(settings.eventsourcing_env())
    portfolio = Portfolio(env, clock=clock, directory=directory)
    portfolio.save_options = idempotency.save_kwargs  # an Idempotency-Key is written with the events
    if hasattr(portfolio.recorder, "catch_up_tree"):
        # A log written before the tree existed (an upgrade) gets its leaves before anything else.
        if given := portfolio.recorder.catch_up_tree():
            log.info("the log's Merkle tree was filled in", events=given)
    views = [SystemsView(), AccountabilityView(), HandoversView(), GapsView(settings.gap_policy)]
    views += [ProposalsView(), DecisionsView(), DecommissioningView(), RemindersView(), KitosView()]
    catchup = CatchUp(portfolio, db, views, Progress())
    catchup.setup()
    if settings.database.kind == "postgres":
        reader: Any = PostgresReader(settings.database, settings.pool_size)
    else:
        reader = SqliteReader(db)

    async def head() -> int:
        return await anyio.to_thread.run_sync(catchup.head)

    # Views kept by another process (ANSVAR_RUN_PROJECTIONS=false) are waited for by their tracking rows.
    progress = catchup.progress if settings.run_projections else None
    reads = ReadSide(reader, clock, progress, settings.read_wait_seconds, head)
    worker = Worker(
        catchup, idle_seconds=0.5,
        housekeeping=functools.partial(forget_expired_keys, portfolio, clock, settings.idempotency_key_hours),
    )
    key = log_key.signing_key(settings)
    if key is None:
        log.warning("no key signs the log's checkpoints: set ANSVAR_LOG_KEY or ANSVAR_LOG_KEY_FILE")
    transparency = TransparencyLog(LogProofs(portfolio.recorder), key, log_key.origin(settings, key),
                                   settings.log.witnesses)
    return Runtime(settings, clock, portfolio, reads, EventLog(portfolio), db, directory, catchup, worker, transparency,
                   ui_sessions=ui_sessions)
