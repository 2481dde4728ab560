"""The `Idempotency-Key` header, for every command (every unsafe method), with no per-route code.

- A command with a key runs under that key: its events and the key are recorded in one
  transaction (infra/idempotency.py), and the answer is stored before it is sent.
- A retry with the same key and the same request gets the first answer again, with
  `Idempotent-Replayed: true`, and records nothing.
- The same key with another method, path or body is a 422 (`idempotency-key-reused`).
- The key found with events but no answer yet (the first is still running, or its process
  died between the commit and the answer) is a 409 naming the position; retry later.
- Answers that invite a retry (409, 429, 401, 403, every 5xx) are not stored, so a retry
  runs the command again, which is safe: the failed attempt wrote nothing.
- Keys belong to the authenticated person: the same key sent by someone else is another key,
  and a request that has not authenticated never reaches a stored answer (it gets its 401).
- Keys expire after ANSVAR_IDEMPOTENCY_KEY_HOURS: sent again later, the key runs as a new command.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import anyio.to_thread
import msgspec
import structlog
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import MEDIA_TYPE
from infra.idempotency import StoredAnswer, claiming, stored_key

HEADER = b"idempotency-key"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_STORED_STATUSES = frozenset({400, 404, 413, 422})  # plus every 2xx
_MAX_KEY = 255
log = structlog.get_logger(__name__)


def idempotency_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        key = _key(scope)
        recorder = _recorder(scope) if key is not None else None
        user = scope.get("user")  # authentication runs before this middleware (api/auth.py)
        if key is None or recorder is None or user is None:
            # No key, or no authenticated person: the route's guard refuses the latter (401).
            await app(scope, receive, send)
            return
        owner = str(user.person_id)
        if not (0 < len(key) <= _MAX_KEY and key.isascii() and key.isprintable() and " " not in key):
            await _problem(scope, send, 422, "invalid-field", "A field is missing or invalid",
                           "Idempotency-Key must be 1-255 visible ASCII characters", field="Idempotency-Key")
            return
        body, more = await _read_body(receive, getattr(scope["app"], "request_max_body_size", None))
        fingerprint = _fingerprint(scope, body)
        now = scope["app"].state.clock.now()
        found: StoredAnswer | None = await anyio.to_thread.run_sync(
            recorder.find_answer, stored_key(owner, key), _remembered_since(scope, now),
        )
        if found is not None:
            await _answer_again(scope, send, key, fingerprint, found)
            return

        sent_body = False

        async def replay_receive() -> Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": more}
            return await receive()

        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        with claiming(key, fingerprint, now, owner) as claim:
            await app(scope, replay_receive, hold)
        start = next(m for m in held if m["type"] == "http.response.start")
        status = start["status"]
        if 200 <= status < 300 or status in _STORED_STATUSES:
            headers = dict(start.get("headers", []))
            content = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
            content_type = headers.get(b"content-type", b"").decode("latin-1") or None
            await _store(recorder, claim, status, content_type, content)
        for message in held:
            await send(message)

    return middleware


async def _store(recorder: Any, claim: Any, status: int, content_type: str | None, content: bytes) -> None:
    # Stored before the client sees it, so a retry can never miss an answer that was sent. One
    # second try rides out a dropped connection; after that the command stands, unanswered for
    # retries (they get a 409 naming its position): failing it now would invite a rewrite.
    for attempt in (1, 2):
        try:
            await anyio.to_thread.run_sync(recorder.store_answer, claim, status, content_type, content)
            return
        except Exception as exc:  # noqa: BLE001 - the command is done; see above
            if attempt == 2:
                log.warning("idempotent answer not stored; a retry will get a 409 naming the position", error=str(exc))
            else:
                await anyio.sleep(0.2)


def _key(scope: Scope) -> str | None:
    if scope["type"] != "http" or scope["method"] not in _UNSAFE:
        return None
    for name, value in scope["headers"]:
        if name == HEADER:
            return value.decode("latin-1")
    return None


def _remembered_since(scope: Scope, now: datetime) -> datetime:
    """Keys recorded before this are expired (ANSVAR_IDEMPOTENCY_KEY_HOURS)."""
    return now - timedelta(hours=scope["app"].state.settings.idempotency_key_hours)  # the installation's


def _recorder(scope: Scope) -> Any:
    runtime = scope.get("state", {}).get("ansvar_runtime")  # its municipality's (api/tenancy.py), or the installation's
    if runtime is None and scope["app"].state.get("tenants") is None:
        runtime = scope["app"].state
    recorder = getattr(getattr(runtime, "portfolio", None), "recorder", None)
    return recorder if hasattr(recorder, "find_answer") else None


async def _read_body(receive: Receive, limit: int | None) -> tuple[bytes, bool]:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), False
        if limit is not None and size > limit:
            return b"".join(chunks), True  # Litestar reads the rest and answers 413


def _fingerprint(scope: Scope, body: bytes) -> str:
    try:  # the same JSON written with other spacing or key order is the same request
        body = msgspec.json.encode(msgspec.json.decode(body), order="sorted")
    except msgspec.DecodeError:
        pass
    digest = hashlib.sha256()
    for part in (scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    # The route in front, so that a key sent again elsewhere can say where it was first sent.
    return f"{scope['method']} {scope['path']}#{digest.hexdigest()}"


def _digest(fingerprint: str) -> str:
    return fingerprint.rpartition("#")[2]  # keys stored before the route was part of it: the digest alone


async def _answer_again(scope: Scope, send: Send, key: str, fingerprint: str, found: StoredAnswer) -> None:
    if _digest(found.fingerprint) != _digest(fingerprint):
        first, _, _ = found.fingerprint.rpartition("#")
        where = f"to {first}" if first else "with another method, path or body"
        same_route = first == fingerprint.rpartition("#")[0]
        await _problem(scope, send, 422, "idempotency-key-reused", "This Idempotency-Key was used for another request",
                       f"Idempotency-Key {key!r} belongs to another request: it was first sent {where}"
                       f"{' with another body' if same_route else ''}; use a new key for this one",
                       field="Idempotency-Key")
    elif found.status is None:
        await _problem(scope, send, 409, "idempotency-key-in-flight",
                       "A request with this Idempotency-Key is in flight or already applied; retry to get its answer",
                       f"the command sent with Idempotency-Key {key!r} was recorded at position {found.position}; "
                       "its answer is not stored yet", field="Idempotency-Key", position=found.position,
                       headers=[(b"retry-after", b"1")])
    else:
        headers = [(b"idempotent-replayed", b"true")]
        if found.content_type:
            headers.append((b"content-type", found.content_type.encode("latin-1")))
        await _send(send, found.status, headers, found.body or b"")


async def _problem(
    scope: Scope, send: Send, status: int, slug: str, title: str, detail: str,
    headers: list[tuple[bytes, bytes]] | None = None, **extra: Any,
) -> None:
    body: dict[str, Any] = {"type": f"/problems/{slug}", "title": title, "status": status, "detail": detail,
                            "instance": scope["path"], **extra}
    if request_id := scope.get("state", {}).get("request_id"):
        body["request_id"] = request_id
    await _send(send, status, [(b"content-type", MEDIA_TYPE.encode()), *(headers or [])], msgspec.json.encode(body))


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
