"""What handlers may ask for: the application, the read side, the runtime, the acting person."""

from __future__ import annotations

import base64
from typing import Annotated, Any

import msgspec
from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide

from api.context import provide_actor
from domain.errors import InvalidValue
from domain.portfolio import Portfolio
from infra.runtime import Runtime
from projections.read_side import ReadSide


def _portfolio(state: State) -> Portfolio:
    return state.runtime.portfolio


def _runtime(state: State) -> Runtime:
    return state.runtime


def _reads(state: State) -> ReadSide:
    return state.reads


DEPENDENCIES = {
    "portfolio": Provide(_portfolio, sync_to_thread=False),
    "runtime": Provide(_runtime, sync_to_thread=False),
    "reads": Provide(_reads, sync_to_thread=False),
    "actor": Provide(provide_actor, sync_to_thread=False),
}


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
        return msgspec.json.decode(raw, type=type_)
    except (ValueError, msgspec.DecodeError, msgspec.ValidationError):
        raise InvalidValue("cursor is not one this API handed out", field="cursor") from None


def request_id(request: Request) -> str | None:
    return request.scope.get("state", {}).get("request_id")
