"""Per-request context: a request id on every log line and response, and the acting person."""

from __future__ import annotations

import time
import uuid

import structlog
from litestar import Request
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from domain.commands import Actor

log = structlog.get_logger("ansvar.http")
_VALID_ID = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if 0 < len(given) <= 64 and set(given) <= _VALID_ID else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id, method=scope["method"], path=scope["path"])
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # Server-Timing: the time to the response's headers (a page is rendered by then), for bench/ui.py.
                took = f"app;dur={(time.perf_counter() - started) * 1000:.2f}".encode()
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode()),
                                      (b"server-timing", took)]
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            log.info("request", status=status, ms=round((time.perf_counter() - started) * 1000, 2))

    return middleware


def provide_actor(request: Request) -> Actor:
    """The acting person and capacity, as authentication established them."""
    request_id = request.scope.get("state", {}).get("request_id")
    user = request.scope.get("user")
    if user is None:
        return Actor(person_id=None, role="anonymous", request_id=request_id)
    return Actor(person_id=user.person_id, role=user.acting_role, request_id=request_id)
