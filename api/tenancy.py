"""Which municipality a request is for, and its running parts.

On an installation of one municipality the running parts are the application's (`app.state`).
With many (ANSVAR_TENANCY=schemas, ansvar/tenancy.py) they are the municipality's that the
verified identity names, and nothing else: authentication (api/auth.py) puts them on the request
once it knows who is asking, and every handler, guard and middleware takes them from here. No
path, parameter, cookie or header chooses them on its own (a national auditor's header only picks
among the municipalities their token grants)."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.types import Scope

_RUNTIME = "ansvar_runtime"
_TENANT = "ansvar_tenant"
_HELD = "ansvar_tenant_held"
TENANT_HEADER = "ansvar-tenant"  # a national auditor's choice among the municipalities granted to them


def hub_of(connection: ASGIConnection) -> Any | None:
    """The municipalities' hub, or None on an installation of one."""
    return connection.app.state.get("tenants")


def runtime_of(connection: ASGIConnection) -> Any:
    """The running parts this request may use: its municipality's, or the installation's."""
    runtime = connection.scope.get("state", {}).get(_RUNTIME)
    if runtime is not None:
        return runtime
    state = connection.app.state
    if state.get("tenants") is not None:  # never fall back to another's parts (a public route names none)
        raise NotFoundException("this installation serves several municipalities: name one (/t/SLUG/...)")
    return state.get("runtime") or state


def tenant_of(connection: ASGIConnection) -> Any | None:
    """The municipality of this request (its registry row), or None on an installation of one."""
    return connection.scope.get("state", {}).get(_TENANT)


async def enter(connection: ASGIConnection, slug: str) -> Any | None:
    """Open the municipality `slug` for this request; None if there is no such active one."""
    hub = hub_of(connection)
    if hub is None:
        return None
    state = connection.scope.setdefault("state", {})
    if state.get(_HELD) == slug:  # entered already (a guard after authentication): held once
        return state.get(_RUNTIME)
    if state.get(_HELD) is not None:  # another before it (never expected): let that one go first
        hub.let_go(state.pop(_HELD))
    runtime = hub.open_now(slug, True)
    if runtime is None:
        runtime = await anyio.to_thread.run_sync(hub.runtime, slug, True)
    if runtime is not None:
        hub.held(slug)
        state[_HELD] = slug  # let go when the response has gone (api/context.py's middleware, let_go)
    tenant = None
    if runtime is not None:
        known, tenant = hub.tenant_remembered(slug)
        if not known:  # the registry is read on the shared pool: never block the event loop on it
            tenant = await anyio.to_thread.run_sync(hub.tenant, slug)
    if runtime is None or tenant is None:
        return None
    state[_RUNTIME], state[_TENANT] = runtime, tenant
    return runtime


def let_go(scope: Scope) -> None:
    """Once a request's answer has gone, the municipality it ran on is let go, so that making room
    never closes one under a request (ansvar/tenancy.py); called last by the outermost middleware
    (api/context.py)."""
    slug = scope.get("state", {}).get(_HELD)
    hub = scope["app"].state.get("tenants") if slug else None
    if hub is not None:
        hub.let_go(slug)
