"""Per-request context: a request id on every log line and response, and the acting person; the\none middleware every request passes first."""

from __future__ import annotations

import time
import uuid

import structlog
from litestar import Request
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.allow import is_automatic_options, methods_by_path
from api.tenancy import let_go
from domain.commands import Actor

log = structlog.get_logger("ansvar.http")
_VALID_ID = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def edge_middleware(app: ASGIApp) -> ASGIApp:
    """The outermost middleware, one layer for what every request needs before authentication
    (they were three, separate only by history; each layer is a coroutine and a `send` wrapper):
    - the municipality a request ran on is let go once its answer has gone (api/tenancy.py);
    - a request id on every log line and on the response, `Server-Timing`, a log line per request;
    - `Allow` on the automatic OPTIONS answer names every method of the path (api/allow.py)."""
    allowed: dict[str, bytes] = {}

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            try:
                await app(scope, receive, send)
            finally:
                let_go(scope)
            return
        request_id = _request_id(scope["headers"])
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id, method=scope["method"], path=scope["path"])
        started = time.perf_counter()
        status = 500
        allow = _allow(scope, allowed)

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.get("headers", [])
                if allow is not None:
                    headers = [(k, v) for k, v in headers if k.lower() != b"allow"] + [(b"allow", allow)]
                # Server-Timing: the time to the response's headers (a page is rendered by then), for bench/ui.py.
                took = f"app;dur={(time.perf_counter() - started) * 1000:.2f}".encode()
                message["headers"] = [*headers, (b"x-request-id", request_id.encode()), (b"server-timing", took)]
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            try:
                log.info("request", status=status, ms=round((time.perf_counter() - started) * 1000, 2))
            finally:
                let_go(scope)

    return middleware


def _request_id(headers: list[tuple[bytes, bytes]]) -> str:
    """The client's X-Request-Id (the last one sent) when it is a plain one, else a new one."""
    given = ""
    for name, value in headers:
        if name == b"x-request-id":
            given = value.decode("latin-1")
    return given if 0 < len(given) <= 64 and set(given) <= _VALID_ID else uuid.uuid4().hex


def _allow(scope: Scope, allowed: dict[str, bytes]) -> bytes | None:
    if not is_automatic_options(scope):
        return None
    if not allowed:
        allowed.update(methods_by_path(scope["litestar_app"]))
    return allowed.get(scope.get("path_template", ""))


def provide_actor(request: Request) -> Actor:
    """The acting person and capacity, as authentication established them."""
    request_id = request.scope.get("state", {}).get("request_id")
    user = request.scope.get("user")
    if user is None:
        return Actor(person_id=None, role="anonymous", request_id=request_id)
    return Actor(person_id=user.person_id, role=user.acting_role, request_id=request_id)
