"""The composition root of the HTTP service: `create_app(settings)`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date

import anyio.to_thread
from litestar import Litestar
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin

from api.access import unmapped
from api.audit import AuditController
from api.auth import BearerAuth
from api.context import request_id_middleware
from api.council import CouncilController, DecommissioningController
from api.dependencies import DEPENDENCIES
from api.events import EventsController
from api.health import HealthController
from api.imports import ExportController, ImportController
from api.idempotency import idempotency_middleware
from api.openapi_problems import document_problems
from api.org import OrgUnitController, PeopleController
from api.problems import HANDLERS
from api.proposals import ProposalController
from api.responsibility import ResponsibilityController
from api.systems import SystemController
from domain.portfolio import utc_today
from infra import logging as app_logging
from infra.database import PostgresReader, SqliteReader
from infra.runtime import Runtime, build
from infra.settings import Settings, SettingsError
from infra.tokens import TokenVerifier
from projections.read_side import ReadSide

CONTROLLERS = [
    HealthController, SystemController, ResponsibilityController, OrgUnitController, PeopleController, AuditController,
    EventsController,
    ImportController, ExportController,
    ProposalController, CouncilController, DecommissioningController,  # issue 4
]


def create_app(
    settings: Settings | None = None, *, today: Callable[[], date] = utc_today, configure_logging: bool = True
) -> Litestar:
    settings = settings or Settings.from_env()
    settings.auth.check()
    if not settings.auth.configured:
        raise SettingsError(
            "no way to verify tokens: set ANSVAR_AUTH_SECRET, or ANSVAR_AUTH_JWKS_URL with its issuer and audience"
        )
    if configure_logging:
        app_logging.configure(settings.log_level, settings.log_format)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        runtime: Runtime = await anyio.to_thread.run_sync(build, settings, today)
        if settings.run_projections:
            runtime.start_worker()
        if settings.database.kind == "postgres":
            reader = await PostgresReader.connect(settings.database, settings.pool_size)
        else:
            reader = SqliteReader(runtime.db)
        progress = runtime.catchup.progress if settings.run_projections else None
        app.state.runtime = runtime

        async def head() -> int:
            return await anyio.to_thread.run_sync(runtime.catchup.head)

        app.state.reads = ReadSide(reader, progress, settings.read_wait_seconds, head, runtime.portfolio.today)
        try:
            yield
        finally:
            await reader.close()
            await anyio.to_thread.run_sync(runtime.close)

    app = Litestar(
        route_handlers=CONTROLLERS,
        on_app_init=[BearerAuth(TokenVerifier(settings.auth)).on_app_init],
        dependencies=DEPENDENCIES,
        exception_handlers=HANDLERS,
        middleware=[request_id_middleware, idempotency_middleware],
        lifespan=[lifespan],
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="ansvar",
            version="0.1.0",
            description="Who is responsible for each IT system, since when, as known when, and why.",
            path="/schema",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
        ),
        logging_config=None,
        debug=False,
    )
    if missing := unmapped(app):
        raise RuntimeError(f"routes without an entry in api/access.py (deny by default): {', '.join(missing)}")
    document_problems(app)
    return app
