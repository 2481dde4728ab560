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

_RUNTIME = "ansvar_runtime"
_TENANT = "ansvar_tenant"
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
    runtime = hub.open_now(slug)
    if runtime is None:
        runtime = await anyio.to_thread.run_sync(hub.runtime, slug)
    tenant = None
    if runtime is not None:
        known, tenant = hub.tenant_remembered(slug)
        if not known:  # the registry is read on the shared pool: never block the event loop on it
            tenant = await anyio.to_thread.run_sync(hub.tenant, slug)
    if runtime is None or tenant is None:
        return None
    state = connection.scope.setdefault("state", {})
    state[_RUNTIME], state[_TENANT] = runtime, tenant
    return runtime
