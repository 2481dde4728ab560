"""The HTTP service's shape: `http_app(settings, lifespan)` is the Litestar application with every
controller, the one permission guard, the problem+json mapping and the API documents. The
entry point (ansvar/web.py) gives it the lifespan that builds the running parts."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig

from api.access import guard_in_place, unmapped
from api.audit import AuditController
from api.audit_pack.page import AuditPackPage
from api.audit_pack.routes import AuditPackController
from api.auth import BearerAuth
from api.context import edge_middleware
from api.council import CouncilController, DecommissioningController
from api.dependencies import DEPENDENCIES
from api.docs import assets_router, document_operations, render_plugins
from api.events import EventsController
from api.health import HealthController
from api.idempotency import idempotency_middleware
from api.handovers import HandoverController
from api.imports import ExportController, ImportController
from api.kitos import KitosController
from api.log import LogController, TenantLogController
from api.openapi_constraints import document_limits
from api.openapi_problems import document_problems
from api.org import MeController, OrgUnitController, PeopleController
from api.problems import HANDLERS
from api.proposals import ProposalController
from api.query import check_query
from api.reminders import ReminderController
from api.responsibility import ResponsibilityController
from api.scim import router as scim_router
from api.systems import SystemController
from api.ui import on_app_error, template_config
from api.ui.council_pages import CouncilPageController
from api.ui.duplicates_page import DuplicatesPageController
from api.ui.exports import ExportPageController
from api.ui.handovers import HandoverPageController
from api.ui.import_page import ImportPageController
from api.ui.oidc import OidcController
from api.ui.org_pages import OrgPageController
from api.ui.pages import PageController
from api.ui.people_pages import PeoplePageController
from api.ui.register_pages import RegisterPageController
from api.ui.signin import SignInController, root
from domain.clock import Clock
from infra.settings import Settings, SettingsError
from infra.tokens import TokenVerifier

CONTROLLERS = [
    HealthController, SystemController, ResponsibilityController, HandoverController, OrgUnitController, PeopleController, MeController,
    AuditController, AuditPackController, AuditPackPage,  # issue 28
    EventsController, LogController, TenantLogController, ReminderController,
    ImportController, ExportController, KitosController,
    ProposalController, CouncilController, DecommissioningController,  # issue 4
    PageController, HandoverPageController, SignInController, OidcController, root,  # the web pages (issue 16)
    ImportPageController, DuplicatesPageController, PeoplePageController, OrgPageController,  # the administration's pages (issue 25)
    RegisterPageController, ExportPageController,  # the register to browse, and exports from the pages (issue 25)
    CouncilPageController,  # the council's pages (issue 25)
    scim_router,  # provisioning from the identity provider (issue 27)
]


def http_app(settings: Settings, clock: Clock, lifespan: Callable[[Litestar], AbstractAsyncContextManager[None]]) -> Litestar:
    """The application; `lifespan` puts on `app.state` what handlers ask for (api/dependencies.py):
    portfolio, reads, events, settings and clock."""
    settings.auth.check()
    if not settings.auth.configured:
        raise SettingsError(
            "no way to verify tokens: set ANSVAR_AUTH_SECRET, or ANSVAR_AUTH_JWKS_URL with its issuer and audience"
        )
    verifier = TokenVerifier(settings.auth, clock)
    app = Litestar(
        route_handlers=[*CONTROLLERS, assets_router("/schema")],
        on_app_init=[BearerAuth(verifier).on_app_init],
        state=State({"verifier": verifier}),
        template_config=template_config(),
        dependencies=DEPENDENCIES,
        exception_handlers={key: on_app_error(handler) for key, handler in HANDLERS.items()},
        middleware=[edge_middleware, idempotency_middleware],
        before_request=check_query,
        lifespan=[lifespan],
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="ansvar",
            version="0.1.0",
            description="Who is responsible for each IT system, since when, as known when, and why.",
            path="/schema",
            use_handler_docstrings=True,
            render_plugins=render_plugins("/schema"),
        ),
        logging_config=None,
        debug=False,
    )
    if missing := unmapped(app):
        raise RuntimeError(f"routes without an entry in api/access.py (deny by default): {', '.join(missing)}")
    guard_in_place(app)
    document_limits(app)
    document_problems(app)
    document_operations(app)
    return app
