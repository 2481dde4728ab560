"""The composition root: `bootstrap(settings, clock)` builds every running part once, from
settings. The API's lifespan, the command line, the worker and the tests all start here.

It returns a `Runtime`: the write application (`portfolio`), the read store (`reads`), the
views and their catch-up loop, and the worker that keeps them current (not yet started).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

import anyio.to_thread
import structlog

from domain.clock import Clock, SystemClock
from domain.commands import Actor
from domain.errors import AlreadyDone, ConcurrentChange
from domain.portfolio import Portfolio
from domain.provisioning import Provisioning
from infra import confusables, idempotency, log_key, recorders, shared_pools
from infra.database import PostgresReader, SqliteReader, ensure_schema, open_sync, serialised_setup
from infra.listener import PostgresListener
from infra.log_proofs import LogProofs
from infra.log_read_check import ReadCheck
from infra.people_directory import PersonDirectory
from infra.settings import Settings
from infra.transparency import TransparencyLog
from infra.scim_store import ScimStore
from infra.shared_pools import SharedPools, TenantDatabase, TenantReader
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
from projections.systems_view import SystemsView, systems_in_unit
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
            from ansvar.scheduler import ReminderScheduler

            self.extras["reminders"] = scheduler = ReminderScheduler(self, self.settings.reminders.hour)
            scheduler.start()
        if self.settings.database.kind == "postgres" and not self.settings.tenancy.enabled:
            # (Many municipalities share one listening connection: ansvar/tenancy.py.)
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


def commit_earlier_details(portfolio: Portfolio, directory: PersonDirectory, batch: int = 1000) -> int:
    """The upgrade that began committing names: people registered before it get one event
    committing to the details the directory holds for them now (domain/person_details.py), once."""
    waiting = directory.uncommitted()
    committed = 0
    try:
        for start in range(0, len(waiting), batch):
            committed += portfolio.commit_earlier_details(waiting[start : start + batch], actor=Actor(role="upgrade"))
    except ConcurrentChange as exc:  # verify lists those left as not verified; the next start goes on
        log.warning("the upgrade committing names stopped", reason=str(exc), committed=committed)
    if committed:
        log.info("the log now commits to the names and e-mail addresses of people registered before it did",
                 people=committed)
    return committed


def _details_corrector(portfolio: Portfolio) -> Callable[[UUID, str, str | None], None]:
    """How provisioning changes a person's name or e-mail: through the correction command, so the
    log commits to the new ones (an unchanged or erased person is left as they are)."""

    def correct(person_id: UUID, name: str, email: str | None) -> None:
        try:
            portfolio.correct_person(person_id, name=name, email=email, remove_email=email is None)
        except AlreadyDone:
            pass

    return correct


def bootstrap(settings: Settings, clock: Clock | None = None, pools: SharedPools | None = None) -> Runtime:
    """Every part, wired once. `clock` defaults to the wall clock; tests pass their own. Processes
    starting together on one database set up their tables in turn (infra/database.py). `pools`:
    one of many municipalities (ansvar/tenancy.py), on the process's connections, not its own."""
    with serialised_setup(settings.database):
        return _bootstrap(settings, clock or SystemClock(), pools)


def _bootstrap(settings: Settings, clock: Clock, pools: SharedPools | None) -> Runtime:
    ensure_schema(settings.database)
    if pools is not None:
        db: Any = TenantDatabase(pools, settings.database.schema)
    else:
        db = open_sync(settings.database, size=max(2, settings.pool_size // 2))
    directory = PersonDirectory(db, clock)
    directory.setup()
    ui_sessions = SessionStore(db, clock)
    ui_sessions.setup()
    env = recorders.with_recorders(settings.eventsourcing_env())
    if pools is not None:
        env[shared_pools.ENV_KEY] = pools.key
    portfolio = Portfolio(env, clock=clock, directory=directory)
    portfolio.save_options = idempotency.save_kwargs  # an Idempotency-Key is written with the events
    portfolio.skeleton = confusables.skeleton  # names that look alike are one (domain/identity.py)
    portfolio.systems_in_unit = functools.partial(systems_in_unit, db)
    if hasattr(portfolio.recorder, "catch_up_tree"):
        # A log written before the tree existed (an upgrade) gets its leaves before anything else.
        if given := portfolio.recorder.catch_up_tree():
            log.info("the log's Merkle tree was filled in", events=given)
    commit_earlier_details(portfolio, directory)
    views = [SystemsView(), AccountabilityView(), HandoversView(), GapsView(settings.gap_policy)]
    views += [ProposalsView(), DecisionsView(), DecommissioningView(), RemindersView(), KitosView()]
    proofs = LogProofs(portfolio.recorder)
    # What the views replay from the store (a view made afresh) is held to the log's leaves first.
    catchup = CatchUp(portfolio, db, views, Progress(), check=ReadCheck(proofs) if proofs.has_tree else None)
    catchup.setup()
    if pools is not None:
        reader: Any = TenantReader(pools, settings.database.schema)
    elif settings.database.kind == "postgres":
        reader = PostgresReader(settings.database, settings.pool_size)
    else:
        reader = SqliteReader(db)

    async def head() -> int:
        return await anyio.to_thread.run_sync(catchup.head)

    # Views kept by another process (ANSVAR_RUN_PROJECTIONS=false) are waited for by their tracking rows.
    progress = catchup.progress if settings.run_projections else None
    reads = ReadSide(reader, clock, progress, settings.read_wait_seconds, head)
    if reader.dialect == "postgres":
        proofs.reader = reader  # the same schema's (infra/log_proofs.py: proof_and_root_async)
    worker = Worker(
        catchup, idle_seconds=0.5,
        housekeeping=functools.partial(forget_expired_keys, portfolio, clock, settings.idempotency_key_hours),
    )
    key = log_key.signing_key(settings)
    if key is None:
        log.warning("no key signs the log's checkpoints: set ANSVAR_LOG_KEY or ANSVAR_LOG_KEY_FILE")
    transparency = TransparencyLog(proofs, key, log_key.origin(settings, key),
                                   settings.log.witnesses)
    runtime = Runtime(settings, clock, portfolio, reads, EventLog(portfolio), db, directory, catchup, worker,
                      transparency, ui_sessions=ui_sessions)
    runtime.extras["scim_store"] = scim_store = ScimStore(db)
    scim_store.setup()  # after the views' setup: it indexes their org_units
    directory.also_forget.append(scim_store.forget)  # erasing a person erases their SCIM users' details
    runtime.extras["provisioning"] = Provisioning(portfolio, scim_store, clock, _details_corrector(portfolio))
    return runtime
