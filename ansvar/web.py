"""The HTTP service as the entry point builds it: `create_app(settings, clock)`, whose lifespan
bootstraps the running parts (ansvar/bootstrap.py) and hands them to the handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from litestar import Litestar

from ansvar.bootstrap import Runtime, bootstrap
from ansvar.tenancy import TenantHub
from api.app import http_app
from domain.clock import Clock, SystemClock
from infra import logging as app_logging
from infra.settings import Settings


def create_app(settings: Settings | None = None, *, clock: Clock | None = None, configure_logging: bool = True) -> Litestar:
    settings = settings or Settings.from_env()
    clock = clock or SystemClock()
    if configure_logging:
        app_logging.configure(settings.log_level, settings.log_format)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if settings.tenancy.enabled:  # many municipalities: each opened when a request for it comes
            hub = await anyio.to_thread.run_sync(TenantHub, settings, clock)
            app.state.update(tenants=hub, settings=settings, clock=clock)
            app.state.verifier.issuers = hub.issuer_keys  # a municipality's own identity provider
            try:
                yield
            finally:
                await hub.aclose()
                await anyio.to_thread.run_sync(hub.close_all)
            return
        runtime: Runtime = await anyio.to_thread.run_sync(bootstrap, settings, clock)
        if settings.run_projections:
            runtime.start_worker()
        app.state.update(
            runtime=runtime, portfolio=runtime.portfolio, reads=runtime.reads, events=runtime.events,
            settings=settings, clock=clock, transparency=runtime.transparency, ui_sessions=runtime.ui_sessions,
        )
        try:
            yield
        finally:
            await runtime.aclose()

    return http_app(settings, clock, lifespan)
