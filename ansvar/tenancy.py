"""Many municipalities in one process (ANSVAR_TENANCY=schemas): each one's running parts (its
`Runtime`, ansvar/bootstrap.py) made when a request for it first comes, and closed again when it
has been idle, so that start-up loads none of them and an idle municipality costs nothing.

Every municipality's runtime is on the process's two shared pools (infra/shared_pools.py) and its
views are woken by one shared LISTEN connection, so connections do not grow with the number of
municipalities. Each open municipality has its own projection worker thread: a rebuild or a burst
in one is its own thread's work and never holds up another's reads or views. At most
`ANSVAR_TENANTS_OPEN` are held open; opening one more closes the one least recently used.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

import structlog

from ansvar.bootstrap import Runtime, bootstrap
from domain.clock import COPENHAGEN, Clock
from infra.listener import SharedListener
from infra.settings import Settings
from infra.shared_pools import SharedPools
from infra.tenants import Tenant, TenantRegistry, settings_for

log = structlog.get_logger(__name__)
IN_USE_SECONDS = 30.0  # a runtime used this recently is not closed to make room (a request may be running on it)
# An open municipality's worker is woken by its saves here and by the shared LISTEN connection
# (which wakes every worker again after a reconnect); its own timer is only a backstop. At the
# one-municipality 0.5 s, ~70 idle open municipalities polled ~140 times a second: 4.8 ms of the
# server's CPU per read against a one-municipality server's 1.8 ms; at 5 s, 2.4 ms (bench/tenants.py).
POLL_SECONDS = 5.0


@dataclass
class _Open:
    tenant: Tenant
    runtime: Runtime
    used: float
    in_flight: int = 0  # requests running on it now (api/tenancy.py holds and lets go)


class TenantHub:
    def __init__(self, settings: Settings, clock: Clock, *, run_projections: bool | None = None,
                 keep_views: bool = False) -> None:
        self.settings = settings
        self.clock = clock
        self.pools = SharedPools(settings.database, settings.pool_size)
        self.registry = TenantRegistry(settings.database, clock, self.pools.sync)
        self.registry.setup()
        self.run_projections = settings.run_projections if run_projections is None else run_projections
        self.listener = SharedListener(settings.database.dsn) if self.run_projections else None
        if self.listener is not None:
            self.listener.start()
        self.keep_views = keep_views  # `ansvar worker`: every municipality's views kept, not only those asked for
        self._reminded: dict[str, date] = {}
        self._open: OrderedDict[str, _Open] = OrderedDict()
        self._requested: set[str] = set()
        self._lock = threading.Lock()
        self._opening: dict[str, threading.Lock] = {}
        self._stop = threading.Event()
        self._sweeper = threading.Thread(target=self._sweep, name="ansvar-tenants-idle", daemon=True)
        self._sweeper.start()

    def tenant(self, slug: str) -> Tenant | None:
        return self.registry.get(slug)

    def issuer_keys(self, issuer: str) -> tuple[str, str | None] | None:
        """Where the keys of a municipality's own identity provider are, and its audience, by the
        issuer registered to it (`ansvar tenant add SLUG --issuer ISS --set ANSVAR_AUTH_JWKS_URL=...`)."""
        tenant = self.registry.by_issuer(issuer)
        url = tenant.settings.get("ANSVAR_AUTH_JWKS_URL") if tenant is not None else None
        return (url, tenant.settings.get("ANSVAR_AUTH_AUDIENCE")) if tenant is not None and url else None

    def tenant_remembered(self, slug: str) -> tuple[bool, Tenant | None]:
        """The municipality as last read (no I/O), if that was recent enough (infra/tenants.py)."""
        return self.registry.remembered(slug)

    def open_now(self, slug: str, hold: bool = False) -> Runtime | None:
        """The municipality's runtime if it is open (no I/O), else None; `hold`: a request runs on
        it until `let_go`, and it is not closed to make room meanwhile."""
        with self._lock:
            found = self._open.get(slug)
            if found is None:
                return None
            found.used = time.monotonic()
            found.in_flight += hold
            self._open.move_to_end(slug)
            return found.runtime

    def let_go(self, slug: str) -> None:
        """A request held with `hold` has ended."""
        with self._lock:
            found = self._open.get(slug)
            if found is not None and found.in_flight > 0:
                found.in_flight -= 1
        self._make_room()

    def runtime(self, slug: str, hold: bool = False) -> Runtime | None:
        """The running parts of an active municipality, opened if need be (blocking: call from a
        thread); None for a slug that is not one."""
        if (runtime := self.open_now(slug, hold)) is not None:
            if self.registry.get(slug) is not None:  # removed meanwhile: close it
                return runtime
            if hold:
                self.let_go(slug)
            self.close(slug)
            return None
        tenant = self.registry.get(slug)
        if tenant is None:
            return None
        with self._lock:
            opening = self._opening.setdefault(slug, threading.Lock())
        with opening:  # two first requests at once open it once
            if (runtime := self.open_now(slug, hold)) is not None:
                return runtime
            runtime = bootstrap(settings_for(self.settings, tenant), self.clock, pools=self.pools)
            if self.run_projections:
                runtime.worker.idle_seconds = POLL_SECONDS
                runtime.start_worker()
                if self.listener is not None:
                    self.listener.add(runtime.portfolio.recorder.channel_name, runtime.worker.nudge)
            with self._lock:
                self._open[slug] = _Open(tenant, runtime, time.monotonic(), in_flight=int(hold))
            log.info("municipality opened", tenant=slug, open=len(self._open))
        self._make_room()
        return runtime

    def close(self, slug: str) -> None:
        with self._lock:
            found = self._open.pop(slug, None)
        if found is None:
            return
        if self.listener is not None:
            self.listener.drop(found.runtime.portfolio.recorder.channel_name)
        found.runtime.close()
        log.info("municipality closed", tenant=slug)

    def open_slugs(self) -> list[str]:
        with self._lock:
            return list(self._open)

    def _make_room(self) -> None:
        """Close the least recently used beyond ANSVAR_TENANTS_OPEN, but none a request runs on, nor
        one opened without a request (the worker's, a reminder round's) in the last IN_USE_SECONDS."""
        now = time.monotonic()
        with self._lock:
            spare = [s for s, o in self._open.items()
                     if o.in_flight == 0 and (now - o.used > IN_USE_SECONDS or self._held_before(s))]
            excess = len(self._open) - self.settings.tenancy.open
        for slug in spare[:max(0, excess)]:
            self.close(slug)

    def _held_before(self, slug: str) -> bool:
        return slug in self._requested

    def held(self, slug: str) -> None:
        """Remember that requests use this municipality: once they have ended it may make room at once."""
        with self._lock:
            self._requested.add(slug)

    def _sweep(self) -> None:
        while not self._stop.wait(min(60.0, self.settings.tenancy.idle_seconds / 2)):
            now = time.monotonic()
            with self._lock:
                idle = [s for s, o in self._open.items()
                        if o.in_flight == 0 and now - o.used > self.settings.tenancy.idle_seconds]
            for slug in idle:
                self.close(slug)
            try:
                self.keep_all()
            except Exception as exc:  # noqa: BLE001 - the sweeper never stops; the next round tries again
                log.warning("municipalities' daily round failed", error=str(exc))

    def keep_all(self) -> list[str]:
        """Open, one at a time, each municipality that has work of its own without a request: its
        day's reminders once its hour has come (its scheduler sends them on opening), or every one
        when this process is the installation's projection worker (`ansvar worker`). Returns those
        opened."""
        if not self.run_projections:
            return []
        opened = []
        today = self.clock.now().astimezone(COPENHAGEN)
        for tenant in self.registry.list():
            if self.open_now(tenant.slug) is not None:
                continue
            hour = int(tenant.settings.get("ANSVAR_REMINDER_HOUR") or self.settings.reminders.hour)
            reminders_due = (self.settings.reminders.smtp is not None and today.hour >= hour
                             and self._reminded.get(tenant.slug) != today.date())
            if self.keep_views or reminders_due:
                self._reminded[tenant.slug] = today.date()
                self.runtime(tenant.slug)
                opened.append(tenant.slug)
        return opened

    async def aclose(self) -> None:
        await self.pools.aclose()

    def close_all(self) -> None:
        self._stop.set()
        for slug in self.open_slugs():
            self.close(slug)
        if self.listener is not None:
            self.listener.stop()
        self.pools.close()
