"""Query parameters are what a route declares, each at most once: an unknown one, or one given
twice, is a 422 naming it (it was silently ignored, or silently the last). A header longer than any
this API reads is a 431 naming it (the server's parser takes far longer ones; nothing here needs them)."""

from __future__ import annotations

import functools
from typing import Any

from litestar import Request
from litestar.exceptions import HTTPException

from api.access import ACCESS
from domain.errors import InvalidValue

_RESERVED = frozenset({"request", "state", "data", "headers", "cookies", "scope", "socket", "body", "query", "self"})
#: Every read accepts `after` (read-your-writes, README); a route that has nothing to wait for ignores it.
UNIVERSAL = {"after": False}
#: Longer than any header a client of this API sends (a bearer token from an identity provider is a few kB).
MAX_HEADER_BYTES = 16_384


class HeaderTooLarge(HTTPException):
    status_code = 431


@functools.lru_cache(maxsize=256)
def _declared(handler: Any, path_parameters: frozenset[str]) -> dict[str, bool]:
    """The route's query parameters, and whether each may be given several times (a list)."""
    dependencies = set(handler.resolve_dependencies())
    declared = {}
    for name, field in handler.parsed_fn_signature.parameters.items():
        kwarg = field.kwarg_definition
        if name in _RESERVED or name in dependencies or name in path_parameters:
            continue
        if kwarg is not None and (getattr(kwarg, "header", None) or getattr(kwarg, "cookie", None)):
            continue
        declared[getattr(kwarg, "query", None) or getattr(kwarg, "name", None) or name] = field.is_non_string_sequence
    return declared


async def check_query(request: Request) -> None:
    """A `before_request` hook for every route of the permission table (not the API documents)."""
    for name, value in request.scope["headers"]:
        if len(value) > MAX_HEADER_BYTES:
            header = name.decode("latin-1")
            raise HeaderTooLarge(f"the {header} header is {len(value)} bytes; no header of this API takes more than "
                                 f"{MAX_HEADER_BYTES}", extra={"field": header})
    handler = request.scope.get("route_handler")
    if handler is None or handler.operation_id not in ACCESS or not request.query_params:
        return
    declared = {**UNIVERSAL, **_declared(handler, frozenset(request.path_params))}
    for name in request.query_params:
        if name not in declared:
            raise InvalidValue("unknown-parameter", field=name, allowed=sorted(declared))
        given = request.query_params.getall(name)
        if len(given) > 1 and not declared[name]:
            raise InvalidValue("parameter-repeated", field=name, times=len(given))
