"""The auditor's questions across the whole portfolio."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, get
from litestar.params import Parameter

from api import schemas as s
from api.dependencies import decode_cursor, encode_cursor
from api.responsibility import At, KnownAt, as_known_at, holder
from api.systems import After
from domain.gaps import RULES
from domain.errors import InvalidValue
from domain.portfolio import Portfolio
from domain.vocabulary import Role
from projections.read_side import ReadSide


class AuditController(Controller):
    path = "/"
    tags = ["audit"]

    @get("/accountability", operation_id="sweepAccountability")
    async def sweep(
        self, reads: ReadSide, portfolio: Portfolio, at: At = None, known_at: KnownAt = None, role: Role | None = None,
        limit: Annotated[int, Parameter(ge=1, le=50_000)] = 1000, cursor: str | None = None, after: After = None,
    ) -> s.Sweep:
        """Every system's holders at `at` as known at `known_at`, optionally for one role (by system id)."""
        await reads.caught_up(after)
        day, when = at or portfolio.today(), as_known_at(known_at)
        start = decode_cursor(cursor, UUID)
        rows = await reads.accountability.sweep(day, when, role, limit + 1, start)
        items: dict[UUID, s.SweepItem] = {}
        for r in rows:
            item = items.setdefault(r["system_id"], s.SweepItem(r["system_id"], r["system_name"], []))
            if r["role"] is not None:
                item.holders.append(holder(r))
        systems = list(items.values())
        more = len(systems) > limit
        systems = systems[:limit]
        next_cursor = encode_cursor(str(systems[-1].system_id)) if more else None
        return s.Sweep(at=day, known_at=when, role=role, items=systems, next_cursor=next_cursor)

    @get("/responsibility-gaps", operation_id="listResponsibilityGaps")
    async def gaps(
        self, reads: ReadSide, portfolio: Portfolio, at: At = None, rule: str | None = None,
        system_id: UUID | None = None, limit: Annotated[int, Parameter(ge=1, le=10_000)] = 1000,
        cursor: str | None = None, after: After = None,
    ) -> s.GapList:
        """Where responsibility is unclear at `at`: most severe first, then longest-standing."""
        await reads.caught_up(after)
        if rule is not None and rule not in RULES:
            raise InvalidValue(f"rule must be one of {', '.join(RULES)}", field="rule")
        day = at or portfolio.today()
        offset = decode_cursor(cursor, Annotated[int, msgspec.Meta(ge=0)]) or 0
        rows = await reads.gaps.at(day, rule=rule, system_id=system_id, limit=limit + 1, offset=offset)
        more = len(rows) > limit
        return s.GapList(
            at=day, items=[s.GapItem(**r) for r in rows[:limit]],
            next_cursor=encode_cursor(offset + limit) if more else None,
        )
