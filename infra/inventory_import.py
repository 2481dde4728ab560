"""An import from start to end: read the file, compare it with the register, report, and (only
with `apply`) write the whole plan in one transaction. The CLI and `POST /imports` both call this."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog

from domain.import_plan import Plan, plan_import
from domain.portfolio import SYSTEM, Actor
from infra import spreadsheet
from infra.runtime import Runtime
from projections.register_queries import snapshot

log = structlog.get_logger(__name__)


def run_import(
    runtime: Runtime, content: bytes, file: str, *, apply: bool = False, mapping: bytes | None = None,
    actor: Actor = SYSTEM, progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Plan the import and return its report; with `apply`, write it all or nothing first.

    The caller makes sure the views have caught up, so the plan compares against the latest state.
    """
    columns = spreadsheet.read_mapping(mapping) if mapping else None
    sheet = spreadsheet.read(content, file, columns)
    today = runtime.portfolio.today()
    with runtime.db.transaction(write=False) as cur:
        known = snapshot(cur, today)
    plan = plan_import(sheet.rows, sheet.headers, known, today, progress)
    source = {"file": file, "sha256": sheet.sha256}
    receipt = None
    if apply and not plan.writes_nothing:
        receipt = runtime.portfolio.import_inventory(plan, source, actor)
        log.info("inventory imported", file=file, sha256=sheet.sha256, position=receipt and receipt.position)
    return report(plan, sheet, applied=apply, position=receipt.position if receipt else None)


def report(plan: Plan, sheet: spreadsheet.Sheet, *, applied: bool, position: int | None) -> dict[str, Any]:
    facts = {k: sum(1 for c in plan.changes if c.kind == k) for k in ("assign", "vacate", "lifecycle", "details")}
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
        "facts": {"assignments": facts["assign"], "vacancies": facts["vacate"], "lifecycle_changes": facts["lifecycle"],
                  "details_changes": facts["details"]},
        "flagged_holders": plan.count("flagged_holder"),
        "duplicates": plan.count("duplicate"),
        "systems_to_create": [{"row": s.row, "name": s.name} for s in plan.systems],
        "people_to_create": [{"row": p.row, "name": p.name, "email": p.email} for p in plan.people],
        "problems": [
            {"row": p.row, "column": p.column, "value": p.value, "kind": p.kind, "detail": p.detail} for p in plan.problems
        ],
    }
