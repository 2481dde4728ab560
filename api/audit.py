"""The auditor's questions across the whole portfolio."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get
from litestar.params import Parameter

from api import schemas as s
from api.dependencies import Cursor, decode_cursor, encode_cursor
from api.responsibility import At, KnownAt, as_known_at
from api.revalidation import revalidated, whole
from api.systems import After
from api.shown import gap_item
from domain.errors import InvalidValue
from domain.gaps import RULES
from domain.vocabulary import Role
from projections.read_side import ReadSide

_JSON = msgspec.json.Encoder()


class AuditController(Controller):
    path = "/"
    tags = ["audit"]

    @get("/accountability", operation_id="sweepAccountability")
    async def sweep(
        self, request: Request, reads: ReadSide, at: At = None, known_at: KnownAt = None, role: Role | None = None,
        limit: Annotated[int, Parameter(ge=1, le=50_000)] = 1000, cursor: Cursor = None, after: After = None,
    ) -> Response[s.Sweep]:
        """Every system's holders at `at` as known at `known_at`, optionally for one role (by system id).
        Answered with an `ETag`: sent back in `If-None-Match` while no event has landed, it gets a 304."""
        await reads.caught_up(after)
        day, when = at or reads.today(), as_known_at(known_at, reads)
        start = decode_cursor(cursor, UUID)

        async def build() -> tuple[msgspec.Raw, str | None, datetime]:
            rows = await reads.accountability.sweep(day, when, role, limit + 1, start)
            items, next_cursor = sweep_items(rows, limit)
            return msgspec.Raw(_JSON.encode(items)), next_cursor, when

        def render(kept: tuple[msgspec.Raw, str | None, datetime]) -> bytes | None:
            items, next_cursor, built_at = kept
            if when < built_at:  # asked "as known now" on a clock set back: facts recorded since may be in it
                return None
            # The items as built; the envelope names this request's instant ("as known now" moves on).
            envelope = s.Sweep(at=day, known_at=when, role=role, items=items, next_cursor=next_cursor)  # type: ignore[arg-type]
            return _JSON.encode(envelope)

        return await revalidated(request, reads, (day,), build, render, lambda kept: len(kept[0]))

    @get("/responsibility-gaps", operation_id="listResponsibilityGaps")
    async def gaps(
        self, reads: ReadSide, at: At = None,
        rule: Annotated[str | None, Parameter(description="One gap rule.", schema_extra={"enum": list(RULES)})] = None,
        system_id: UUID | None = None, limit: Annotated[int, Parameter(ge=1, le=10_000)] = 1000,
        cursor: Cursor = None, after: After = None, *, request: Request,
    ) -> Response[s.GapList]:
        """Where responsibility is unclear at `at`: most severe first, then longest-standing.
        Answered with an `ETag`, as the sweep."""
        await reads.caught_up(after)
        known_rule(rule)
        day = at or reads.today()
        offset = decode_cursor(cursor, Annotated[int, msgspec.Meta(ge=0)]) or 0

        async def build() -> bytes:
            rows = await reads.gaps.at(day, rule=rule, system_id=system_id, limit=limit + 1, offset=offset)
            more = len(rows) > limit
            return _JSON.encode(s.GapList(
                at=day, items=[gap_item(r) for r in rows[:limit]],
                next_cursor=encode_cursor(offset + limit) if more else None,
            ))

        return await revalidated(request, reads, (day,), build, whole, len)


def sweep_items(rows: Sequence[Sequence[Any]], limit: int) -> tuple[list[s.SweepItem], str | None]:
    """The sweep's rows (ordered by system) as one item per system, at most `limit`, and the
    next page's cursor. A tight loop: it builds up to 50,000 items per request."""
    systems: list[s.SweepItem] = []
    last, holders = None, []
    for system_id, system_name, held, person_id, effective_from, effective_to, recorded_at, name, erased in rows:
        if system_id != last:
            holders = []
            systems.append(s.SweepItem(system_id, system_name, holders))
            last = system_id
        if held is not None:
            holders.append(s.Holder(held, person_id, effective_from, effective_to, recorded_at, name, bool(erased)))
    more = len(systems) > limit
    systems = systems[:limit]
    return systems, encode_cursor(str(systems[-1].system_id)) if more else None


def known_rule(rule: str | None) -> None:
    """A gap rule asked for by name is one of the rules (422 naming `rule` otherwise)."""
    if rule is not None and rule not in RULES:
        raise InvalidValue("not-a-choice", field="rule", allowed=list(RULES))
