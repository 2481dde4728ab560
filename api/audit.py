"""The auditor's questions across the whole portfolio."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, get
from litestar.params import Parameter

from api import schemas as s
from api.dependencies import Cursor, decode_cursor, encode_cursor
from api.explain import shown
from api.responsibility import At, KnownAt, as_known_at
from api.systems import After
from domain.errors import InvalidValue
from domain.gaps import RULES, in_words
from domain.vocabulary import Role
from projections.read_side import ReadSide


class AuditController(Controller):
    path = "/"
    tags = ["audit"]

    @get("/accountability", operation_id="sweepAccountability")
    async def sweep(
        self, reads: ReadSide, at: At = None, known_at: KnownAt = None, role: Role | None = None,
        limit: Annotated[int, Parameter(ge=1, le=50_000)] = 1000, cursor: Cursor = None, after: After = None,
    ) -> s.Sweep:
        """Every system's holders at `at` as known at `known_at`, optionally for one role (by system id)."""
        await reads.caught_up(after)
        day, when = at or reads.today(), as_known_at(known_at, reads)
        start = decode_cursor(cursor, UUID)
        rows = await reads.accountability.sweep(day, when, role, limit + 1, start)
        # The rows come ordered by system: one item per run of rows (a tight loop; this builds
        # up to 50,000 items per request).
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
        next_cursor = encode_cursor(str(systems[-1].system_id)) if more else None
        return s.Sweep(at=day, known_at=when, role=role, items=systems, next_cursor=next_cursor)

    @get("/responsibility-gaps", operation_id="listResponsibilityGaps")
    async def gaps(
        self, reads: ReadSide, at: At = None,
        rule: Annotated[str | None, Parameter(description="One gap rule.", schema_extra={"enum": list(RULES)})] = None,
        system_id: UUID | None = None, limit: Annotated[int, Parameter(ge=1, le=10_000)] = 1000,
        cursor: Cursor = None, after: After = None,
    ) -> s.GapList:
        """Where responsibility is unclear at `at`: most severe first, then longest-standing."""
        await reads.caught_up(after)
        known_rule(rule)
        day = at or reads.today()
        offset = decode_cursor(cursor, Annotated[int, msgspec.Meta(ge=0)]) or 0
        rows = await reads.gaps.at(day, rule=rule, system_id=system_id, limit=limit + 1, offset=offset)
        more = len(rows) > limit
        return s.GapList(
            at=day, items=[gap_item(r) for r in rows[:limit]],
            next_cursor=encode_cursor(offset + limit) if more else None,
        )


def known_rule(rule: str | None) -> None:
    """A gap rule asked for by name is one of the rules (422 naming `rule` otherwise)."""
    if rule is not None and rule not in RULES:
        raise InvalidValue("not-a-choice", field="rule", allowed=list(RULES))


def gap_item(row: dict) -> s.GapItem:
    """A stored gap as a reader sees it: the person it is about named in its words and beside them."""
    person = None
    if row["person_id"] is not None:
        erased = bool(row["person_erased"])
        person = s.PersonRef(UUID(str(row["person_id"])), None if erased else row["person_name"], erased)
    return s.GapItem(
        system_id=row["system_id"], system_name=row["system_name"], rule=row["rule"], role=row["role"],
        since=row["since"], until=row["until"], severity=row["severity"],
        detail=in_words(row["detail"], shown(person)), person=person,
        claims=[UUID(c) for c in msgspec.json.decode(row["claim_ids"])],
        facts=msgspec.json.decode(row["fact_positions"]),
    )
