"""What handlers may ask for: the application, the read store, the event log, the settings and
the acting person: the installation's (the lifespan puts them on `app.state`), or, with many
municipalities, those of the one the verified identity names (api/tenancy.py)."""

from __future__ import annotations

import base64
from typing import Annotated, Any

import msgspec
from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Parameter

from api.context import provide_actor
from api.tenancy import runtime_of, tenant_of
from domain.errors import InvalidValue
from domain.portfolio import Portfolio
from infra.settings import Settings
from infra.tokens import TokenVerifier
from infra.transparency import TransparencyLog
from projections.event_log import EventLog
from projections.read_side import ReadSide


def _portfolio(request: Request) -> Portfolio:
    return runtime_of(request).portfolio  # type: ignore[no-any-return]


def _reads(request: Request) -> ReadSide:
    return runtime_of(request).reads  # type: ignore[no-any-return]


def _events(request: Request) -> EventLog:
    return runtime_of(request).events  # type: ignore[no-any-return]


def _settings(request: Request) -> Settings:
    if tenant_of(request) is None:  # also a public route's, with many municipalities: the installation's
        return request.app.state.settings  # type: ignore[no-any-return]
    return runtime_of(request).settings  # type: ignore[no-any-return]


def _transparency(request: Request) -> TransparencyLog:
    return runtime_of(request).transparency  # type: ignore[no-any-return]


def _verifier(state: State) -> TokenVerifier:
    return state.verifier


DEPENDENCIES = {
    "verifier": Provide(_verifier, sync_to_thread=False),
    "portfolio": Provide(_portfolio, sync_to_thread=False),
    "reads": Provide(_reads, sync_to_thread=False),
    "events": Provide(_events, sync_to_thread=False),
    "settings": Provide(_settings, sync_to_thread=False),
    "transparency": Provide(_transparency, sync_to_thread=False),
    "actor": Provide(provide_actor, sync_to_thread=False),
}


#: A page's `next_cursor`: base64url, and far shorter than this (a system's name is the longest part).
Cursor = Annotated[str | None, Parameter(
    min_length=1, max_length=2048, pattern=r"^[A-Za-z0-9_-]+$",
    description="The `next_cursor` of the page before, as it was handed out (any other is a 422).",
)]

#: A log position inside a cursor: a forged negative one is refused, not passed on to SQL.
Position = Annotated[int, msgspec.Meta(ge=0)]


def encode_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(value)).decode().rstrip("=")


def decode_cursor(cursor: str | None, type_: Any) -> Any:
    if cursor is None:
        return None
    try:
        # validate=True: the lenient default skips stray characters and decodes garbage to a value.
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        if b"\\u0000" in raw:  # a NUL cannot be compared with PostgreSQL text (it was a 500)
            raise ValueError("NUL in cursor")
        return msgspec.json.decode(raw, type=type_)
    except (ValueError, msgspec.DecodeError, msgspec.ValidationError):
        raise InvalidValue("unknown-cursor", field="cursor") from None


def request_id(request: Request) -> str | None:
    return request.scope.get("state", {}).get("request_id")
