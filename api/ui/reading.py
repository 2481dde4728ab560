"""What the pages show, read with the API's own functions and queries: the overview's figures,
the gap lists by forvaltning, and who may do what (the access table's rules).

Numbers here are the API's: the gap counts are what GET /responsibility-gaps lists for the same
day, the claims waiting are the claims whose status is open, the balance is GET
/proposals/balance and the priority list GET /priorities.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID
from weakref import WeakKeyDictionary

import anyio.to_thread

from api.access import ACCESS
from api.council import decisions, priority_list
from api.proposals import balance_of
from domain.reminders import ATTESTATION_NOTICE_DAYS
from domain.vocabulary import OrgLevel
from infra.tokens import Principal
from infra.transparency import NotSigning, TransparencyLog
from projections.read_side import ReadSide

DUE_SOON_DAYS = ATTESTATION_NOTICE_DAYS  # "due within 30 days": the reminders' notice


def may(principal: Principal, operation: str, writes: bool = False) -> bool:
    """Whether the access table's rule for `operation` lets this person in by role alone (a rule
    that depends on the data, e.g. 'a role they hold', is decided by the command itself)."""
    return ACCESS[operation].admits_by_role(principal, writes)


@dataclass
class Units:
    """The org tree: each unit's forvaltning (itself at that level; None above it)."""

    names: dict[UUID, str]
    forvaltning_of: dict[UUID, UUID | None]
    forvaltninger: list[tuple[UUID, str]] = field(default_factory=list)

    def within(self, forvaltning: UUID) -> list[UUID]:
        return [u for u, f in self.forvaltning_of.items() if f == forvaltning]


_TREES: WeakKeyDictionary[ReadSide, tuple[Any, Units]] = WeakKeyDictionary()  # per read store


async def units(reads: ReadSide) -> Units:
    """The org tree, read again only when a unit has been established, renamed or moved since."""
    mark = await reads.directory.org_units_mark()
    known = _TREES.get(reads)
    if known is not None and known[0] == mark:
        return known[1]
    rows = await reads.directory.org_units()
    by_id = {UUID(str(r["id"])): r for r in rows}
    names = {i: r["name"] for i, r in by_id.items()}
    found: dict[UUID, UUID | None] = {}
    for unit in by_id:
        here: UUID | None = unit
        for _ in range(len(by_id)):  # a parent cycle cannot loop forever
            if here is None or here not in by_id or by_id[here]["level"] == OrgLevel.FORVALTNING:
                break
            parent = by_id[here]["parent_id"]
            here = UUID(str(parent)) if parent else None
        found[unit] = here if here in by_id and by_id[here]["level"] == OrgLevel.FORVALTNING else None
    forvaltninger = sorted(((i, names[i]) for i, r in by_id.items() if r["level"] == OrgLevel.FORVALTNING),
                           key=lambda x: x[1])
    tree = Units(names, found, forvaltninger)
    _TREES[reads] = (mark, tree)
    return tree


_COUNTS: WeakKeyDictionary[ReadSide, tuple[Any, Any]] = WeakKeyDictionary()  # per read store


async def gap_counts(reads: ReadSide, day: date) -> tuple[dict[str, int], dict[UUID, int], int]:
    """`GapQueries.counts(day)`, read again only once the views it reads (the gaps, and the systems
    for their org units) have moved on, or for another day: a national overview scans 250,000 gap
    periods for it. A view commits its rows with its position, so counts read after the position
    are never older than it."""
    positions = await reads.positions()
    key = (day, positions.get("gaps"), positions.get("systems"))
    known = _COUNTS.get(reads)
    if known is not None and known[0] == key:
        return known[1]
    counts = await reads.gaps.counts(day)
    _COUNTS[reads] = (key, counts)
    return counts


@dataclass
class Overview:
    day: date
    by_rule: list[tuple[str, int]]
    by_forvaltning: list[tuple[UUID | None, str, int]]
    total: int
    unowned: int
    overdue: int
    due_soon: int
    claims_waiting: int
    claims: list[dict[str, Any]]
    statuses: dict[str, int]
    balance: Any
    priorities: Any
    latest: list[Any]
    checkpoint: str | None


async def overview(reads: ReadSide, transparency: TransparencyLog | None, day: date) -> Overview:
    tree = await units(reads)
    by_rule, by_org_unit, unowned = await gap_counts(reads, day)
    by_unit: Counter[UUID | None] = Counter()
    for unit, n in by_org_unit.items():
        by_unit[tree.forvaltning_of.get(unit)] += n
    due_soon = await reads.gaps.starting("attestation_overdue", day, day + timedelta(days=DUE_SOON_DAYS))
    waiting, claims = await reads.accountability.waiting_claims(10)
    names = await reads.directory.names(c["person_id"] for c in claims)
    for c in claims:
        c["person_name"], c["person_erased"] = names.get(UUID(str(c["person_id"])), (None, False))
    checkpoint = None
    if transparency is not None:
        try:
            checkpoint = (await anyio.to_thread.run_sync(transparency.checkpoint)).note()
        except NotSigning:
            checkpoint = None
    forvaltninger = [(u, tree.names.get(u, "Uden forvaltning") if u else "Uden forvaltning", n)
                     for u, n in by_unit.items()]
    return Overview(
        day=day, by_rule=sorted(by_rule.items(), key=lambda x: -x[1]),
        by_forvaltning=sorted(forvaltninger, key=lambda x: (x[0] is None, x[1])),
        total=sum(by_rule.values()), unowned=unowned, overdue=by_rule.get("attestation_overdue", 0),
        due_soon=due_soon, claims_waiting=waiting, claims=claims, statuses=await reads.proposals.by_status(),
        balance=await balance_of(reads), priorities=await priority_list(reads, day),
        latest=await decisions(reads, await reads.decisions.log(8, newest_first=True)), checkpoint=checkpoint,
    )


def bars(counts: dict[str, int], labels: dict[str, str]) -> list[dict[str, Any]]:
    """Rows of a horizontal bar chart (server-rendered SVG): label, count, bar width in percent."""
    top = max(counts.values(), default=0) or 1
    return [{"label": labels.get(k, k), "n": n, "width": round(100 * n / top, 1)} for k, n in counts.items()]
