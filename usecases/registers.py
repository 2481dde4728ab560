"""Bringing an inventory in and taking the registers out: one use case each, called by
`POST /imports` and `GET /exports/...` and by the command line (`ansvar import`, `ansvar export`).

Both read through the read store (the import compares the file against a snapshot of it);
an applied import is one command of the portfolio, written all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio.to_thread
import structlog

from domain.commands import SYSTEM, Actor
from domain.errors import InvalidValue
from domain.import_plan import Plan, plan_import
from domain.portfolio import Portfolio
from infra import spreadsheet
from infra.transparency import NotSigning, TransparencyLog
from projections.read_side import ReadSide
from projections.register_queries import EXPORTS

log = structlog.get_logger(__name__)


async def run_import(
    portfolio: Portfolio, reads: ReadSide, content: bytes, file: str, *, apply: bool = False,
    mapping: bytes | None = None, actor: Actor = SYSTEM, progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Plan the import against the latest state and return its report; with `apply`, write it
    all or nothing first. Waits for the views to include the whole log before comparing."""
    columns = spreadsheet.read_mapping(mapping) if mapping else None
    sheet = await anyio.to_thread.run_sync(spreadsheet.read, content, file, columns)
    await reads.caught_up(await reads.log_head())
    today = reads.today()
    known = await reads.register.snapshot(today)
    plan = await anyio.to_thread.run_sync(plan_import, sheet.rows, sheet.headers, known, today, progress,
                                          portfolio.skeleton)
    source = {"file": file, "sha256": sheet.sha256}
    receipt = None
    if apply and not plan.writes_nothing:
        receipt = await anyio.to_thread.run_sync(portfolio.import_inventory, plan, source, actor)
        log.info("inventory imported", file=file, sha256=sheet.sha256, position=receipt and receipt.position)
    return report(plan, sheet, applied=apply, position=receipt.position if receipt else None)


async def export(reads: ReadSide, what: str, kind: str, transparency: TransparencyLog | None = None) -> bytes:
    """The export `what` (register | gaps | decisions) at today, as `kind` (csv | xlsx). The
    decision log ends with the log's signed checkpoint, taken after its rows were read (so it
    covers every decision in it): the council's minutes hold the head they can be checked against."""
    if what not in EXPORTS:
        raise InvalidValue("not-a-choice", field="what", allowed=list(EXPORTS))
    headers, rows, title = await reads.register.export_rows(what, reads.today())
    if what == "decisions" and transparency is not None:
        rows = [*rows, [], *await anyio.to_thread.run_sync(checkpoint_rows, transparency)]
    return await anyio.to_thread.run_sync(spreadsheet.write, kind, title, headers, rows)


CHECKPOINT_LABEL = "Logens kontrolpunkt"


def checkpoint_rows(transparency: TransparencyLog) -> list[list[Any]]:
    """The signed checkpoint, one line of its note per row (the blank line too), so the note's exact
    text is the second column's lines joined by newlines."""
    try:
        note = transparency.checkpoint().note()
    except NotSigning:
        return [[CHECKPOINT_LABEL, "ingen: installationen har ingen signeringsnøgle (ANSVAR_LOG_KEY)"]]
    return [[CHECKPOINT_LABEL, line] for line in note.rstrip("\n").split("\n")]


def checkpoint_in_minutes(content: bytes, file: str) -> str | None:
    """The signed note a decision-log export ends with, exactly as signed, or None when the file
    holds none. The CSV writes a line that starts like a formula (a root hash can begin with `+`)
    with Excel's text apostrophe in front, as every cell of the exports; reading takes it away."""
    for _, rows in spreadsheet.tables(content, file):
        lines = [str(r[1] if r[1] is not None else "") for r in rows
                 if len(r) >= 2 and r[0] == CHECKPOINT_LABEL]
        if len(lines) >= 2:
            return "\n".join(lines) + "\n"
    return None


def report(plan: Plan, sheet: spreadsheet.Sheet, *, applied: bool, position: int | None) -> dict[str, Any]:
    return {
        "file": sheet.file,
        "sha256": sheet.sha256,
        "sheet": sheet.sheet,
        "dry_run": not applied,
        "applied": applied and not plan.writes_nothing,
        "position": position,
        "columns": sheet.headers,
        "rows_read": plan.rows_read,
        "systems": {"to_create": len(plan.systems), "matched": len(plan.matched_systems)},
        "people": {"to_create": len(plan.people), "matched": len(plan.matched_people)},
        "org_units": {"to_create": len(plan.units)},
        "facts": plan.fact_counts(),
        "flagged_holders": plan.count("flagged_holder"),
        "duplicates": plan.count("duplicate"),
        "people_linked": plan.count("linked"),  # a cell's person linked by name (see its problem)
        "possible_duplicate_people": plan.count("possible_duplicate"),  # registered anew beside a namesake
        "possible_duplicates": [  # each with every record it may be one with: for a person to judge
            {"row": d.row, "column": d.column, "records": list(d.records)} for d in plan.possible_duplicates
        ],
        "systems_to_create": [{"row": s.row, "name": s.name} for s in plan.systems],
        "people_to_create": [{"row": p.row, "name": p.name, "email": p.email} for p in plan.people],
        "problems": [
            {"row": p.row, "column": p.column, "value": p.value, "kind": p.kind, "detail": p.detail} for p in plan.problems
        ],
    }
