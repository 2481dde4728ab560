"""`Allow` on the automatic OPTIONS answer names every method of the path.

Litestar builds that answer when it first meets a path; when a second controller adds a method to
the same path (GET /meetings from one, POST /meetings from another), the path's route is rebuilt but
keeps the first answer, which names only the first controller's methods (found by Schemathesis on
/systems, /org-units, /meetings and /systems/{id}/decommissioning).
"""

from __future__ import annotations

from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Message, Receive, Scope, Send


def methods_by_path(app: Litestar) -> dict[str, bytes]:
    """Each HTTP path's `Allow` value: its methods, as the route that serves the path knows them."""
    return {route.path_format: ", ".join(sorted(route.methods)).encode()
            for route in app.routes if isinstance(route, HTTPRoute)}


def _is_automatic_options(scope: Scope) -> bool:
    handler = scope.get("route_handler")
    return scope["method"] == "OPTIONS" and getattr(handler, "handler_name", None) == "options_handler"


def allow_middleware(app: ASGIApp) -> ASGIApp:
    allowed: dict[str, bytes] = {}

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_automatic_options(scope):
            await app(scope, receive, send)
            return
        if not allowed:
            allowed.update(methods_by_path(scope["litestar_app"]))
        allow = allowed.get(scope.get("path_template", ""))

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and allow is not None:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                message["headers"] = [*headers, (b"allow", allow)]
            await send(message)

        await app(scope, receive, send_with_allow)

    return middleware
