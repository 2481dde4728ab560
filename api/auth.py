"""Authentication through Litestar's security layer: a bearer JWT on every request except the
public routes of api/access.py, verified by infra/tokens.py. Failures are 401 problem+json
(api/problems.py adds `WWW-Authenticate: Bearer`); an unreachable identity provider is a 503."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import anyio.to_thread
import structlog
from litestar.config.app import AppConfig
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.middleware import DefineMiddleware
from litestar.middleware.authentication import (
    AbstractAuthenticationMiddleware,
    AuthenticationResult,
)
from litestar.openapi.spec import Components, SecurityRequirement, SecurityScheme
from litestar.security.base import AbstractSecurityConfig
from litestar.types import ASGIApp, Receive, Scope, Send

from api.access import authorise, rule_for
from api.idempotency import idempotency_middleware
from api.problems import ServiceUnavailable
from api.tenancy import TENANT_HEADER, enter, hub_of
from api.ui.session import is_ui, principal_from_session
from domain.vocabulary import AccessRole
from infra.jwks import KeysUnavailable
from infra.tokens import InvalidToken, Principal, TokenVerifier

log = structlog.get_logger("ansvar.auth")
SCHEME = "bearer"


class BearerMiddleware(AbstractAuthenticationMiddleware):
    def __init__(self, app: ASGIApp, verifier: TokenVerifier, docs_path: str) -> None:
        super().__init__(app, exclude_http_methods=["OPTIONS"], scopes={ScopeType.HTTP})
        self.verifier = verifier
        self.docs_path = docs_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = scope.get("route_handler")
        if handler is not None and rule_for(handler, self.docs_path).public:
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        # A refusal is handed to the guard (api/access.py) rather than raised here: raised inside
        # the route it becomes a 401 like any other problem, with a request id, logged.
        try:
            return AuthenticationResult(user=await self._principal(connection), auth=None)  # the raw token is not kept
        except (NotAuthorizedException, ServiceUnavailable) as refusal:
            return AuthenticationResult(user=None, auth=refusal)

    async def _principal(self, connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
        header = connection.headers.get("authorization")
        if not header and is_ui(connection.scope["path"]):
            return await principal_from_session(connection)  # the web pages sign in with a session cookie
        if not header:
            raise NotAuthorizedException("no bearer token: send Authorization: Bearer <token>")
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != SCHEME or not token:
            raise NotAuthorizedException("the Authorization header must be 'Bearer <token>'")
        try:
            if self.verifier.needs_fetch(token):
                principal = await anyio.to_thread.run_sync(self.verifier.verify, token)
            else:
                principal = self.verifier.verify(token)
        except InvalidToken as exc:
            log.info("token refused", reason=str(exc))
            raise NotAuthorizedException(str(exc)) from None
        except KeysUnavailable as exc:
            raise ServiceUnavailable(str(exc), retry_after=5) from None
        if hub_of(connection) is not None:
            principal = await _enter_tenant(connection, principal)
        elif principal.tenant is not None or principal.tenants:
            raise NotAuthorizedException("the token is for a municipality of an installation that serves several")
        structlog.contextvars.bind_contextvars(person_id=str(principal.person_id))
        return principal


async def _enter_tenant(connection: ASGIConnection[Any, Any, Any, Any], principal: Principal) -> Principal:
    """Open the municipality the verified token names for this request (api/tenancy.py): its own
    `tenant` claim; for a national auditor the one their Ansvar-Tenant header picks among those
    granted, for reading only; for an identity provider's token, the municipality its issuer is
    registered to. Nothing else the request sends chooses it."""
    hub = hub_of(connection)
    slug = principal.tenant
    if slug is None and principal.tenants:
        slug = connection.headers.get(TENANT_HEADER)
        if slug not in principal.tenants:
            raise NotAuthorizedException("name the municipality to read in the Ansvar-Tenant header: one of "
                                         + ", ".join(sorted(principal.tenants)))
        if connection.scope.get("method") not in ("GET", "HEAD"):
            raise PermissionDeniedException("a national auditor's token reads; it cannot change anything",
                                            extra={"refusal": "national-read-only"})
        principal = replace(principal, roles=principal.roles & {AccessRole.AUDITOR.value, AccessRole.OWNER.value})
    if slug is None and principal.issuer is not None:
        found = await anyio.to_thread.run_sync(hub.registry.by_issuer, principal.issuer)
        slug = found.slug if found is not None else None
        principal = replace(principal, tenant=slug)
    if slug is None:
        raise NotAuthorizedException("the token names no municipality: issue it with 'ansvar token issue --tenant SLUG'")
    if await enter(connection, slug) is None:
        raise NotAuthorizedException("the token's municipality is not one this installation serves")
    structlog.contextvars.bind_contextvars(tenant=slug)
    return principal


@dataclass
class BearerAuth(AbstractSecurityConfig[Principal, None]):
    verifier: TokenVerifier
    docs_path: str = "/schema"

    def __post_init__(self) -> None:
        self.guards = [authorise]  # deny by default: every route passes its rule in api/access.py
        self.exclude_http_methods = ["OPTIONS"]

    async def retrieve_user_handler(self, token: Any, connection: ASGIConnection) -> Any:  # type: ignore[override]
        return None  # unused: the middleware builds the principal from the verified claims

    @property
    def middleware(self) -> DefineMiddleware:
        return DefineMiddleware(BearerMiddleware, verifier=self.verifier, docs_path=self.docs_path)

    @property
    def openapi_components(self) -> Components:
        return Components(security_schemes={SCHEME: SecurityScheme(
            type="http", scheme="bearer", bearer_format="JWT",
            description="A JWT whose `sub` is your person id and whose `roles` claim lists admin, council and/or"
            " auditor (every person is an owner). Local tokens: `ansvar token issue`. Not needed for /health,"
            " /ready and the API documents.",
        )})

    @property
    def security_requirement(self) -> SecurityRequirement:
        return {SCHEME: []}

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config = super().on_app_init(app_config)
        # Litestar puts authentication first. Move it inside the request-id middleware, so that
        # every refusal carries a request id and is logged like any other request, and outside
        # the Idempotency-Key middleware, which needs the person (keys are per person) and must
        # never hand a stored answer to a request that has not authenticated.
        auth = app_config.middleware.pop(0)
        stack = app_config.middleware
        stack.insert(next((i for i, m in enumerate(stack) if m is idempotency_middleware), len(stack)), auth)
        return app_config
