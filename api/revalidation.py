"""A list answered again from what was already built, and revalidated with an ETag.

The views move only when events land, so a list read at one view stamp (ReadSide.stamp) is the
same list until the next event lands. Each answer carries a weak ETag made of the question (the
route, its query without `after`, today's date), the caller (their person id and roles: two
people never share an answer, whatever their rights), the stamp and this process; a request
whose `If-None-Match` names it gets a 304 without a body, and a request without it gets the
encoded body kept in ReadSide.answers when there is one. Never stale: a new stamp is a new key,
and a read with `?after=` has waited for its position before the stamp is read.

Weak, because an answer "as known now" names the instant it was asked (`known_at`): two such
answers at one stamp say the same about every system, but not byte for byte."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from litestar import Request, Response
from litestar.enums import MediaType

from projections.read_side import ReadSide

T = TypeVar("T")
#: Keep it, but ask each time: a shared cache must never hand one caller's list to another.
CACHE_CONTROL = "private, no-cache"
#: Tags from another process (or an earlier run of this one, whose code may render differently) never match.
_PROCESS = uuid.uuid4().hex


def caller(request: Request) -> Hashable:
    """Whose answer it is: the person and every role their credentials carry."""
    user = request.scope.get("user")
    if user is None:
        return None
    return str(user.person_id), tuple(sorted(map(str, user.roles)))


def question(request: Request, resolved: tuple[Any, ...]) -> Hashable:
    """The route and its query (`after` only waits: it does not change the answer), with the
    defaults the handler resolved (today's date)."""
    query = tuple(sorted((k, v) for k, v in request.query_params.multi_items() if k != "after"))
    return request.scope["path"], query, resolved


def entity_tag(key: Hashable) -> str:
    return 'W/"' + hashlib.blake2b(repr((_PROCESS, key)).encode(), digest_size=16).hexdigest() + '"'


def matches(header: str | None, tag: str) -> bool:
    """Whether `If-None-Match` names `tag` (weak comparison, as RFC 9110 has it for GET)."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = tag.removeprefix("W/")
    return any(t.strip().removeprefix("W/") == wanted for t in header.split(","))


async def revalidated(
    request: Request, reads: ReadSide, resolved: tuple[Any, ...], build: Callable[[], Awaitable[T]],
    render: Callable[[T], bytes | None], size: Callable[[T], int],
) -> Response[Any]:
    """A 304 when the caller holds this answer; else the answer, built once per stamp. `build`
    reads and makes what is kept; `render` makes the body from it (None: not usable now, build
    again), `size` says how many bytes it holds."""
    key = (question(request, resolved), caller(request), await reads.stamp())
    tag = entity_tag(key)
    headers = {"ETag": tag, "Cache-Control": CACHE_CONTROL}
    if matches(request.headers.get("if-none-match"), tag):
        return Response(content=b"", status_code=304, headers=headers)
    kept = reads.answers.get(key)
    body = render(kept) if kept is not None else None
    if body is None:
        kept = await build()
        reads.answers.put(key, kept, size(kept))
        body = render(kept)
        assert body is not None, "a fresh answer renders"
    return Response(content=body, media_type=MediaType.JSON, headers=headers)


def whole(value: bytes) -> bytes:
    """`render` for an answer kept as its encoded body."""
    return value
