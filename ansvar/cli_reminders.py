"""`ansvar reminders preview|run [--at DATE] [--json]`: what would go out on a day, sending nothing;
or send what is due now and exit (non-zero when the SMTP server cannot be reached)."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from rich.markup import escape
from rich.table import Table

from ansvar.console import progress, report
from domain.clock import Clock
from infra.settings import Settings


def cmd_reminders(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    from usecases import reminders
    from ansvar.bootstrap import bootstrap

    runtime = bootstrap(settings, clock)
    try:
        day = args.at or clock.today()
        outcome = reminders.run(runtime, day, send=args.action == "run")
        if args.action == "preview":
            rows = _rows(runtime, outcome.planned)
            if args.json:
                report.json({"day": day.isoformat(), "reminders": rows})
            else:
                _table(rows)
            return 0
    finally:
        runtime.close()
    if args.json:
        report.json({
            "day": day.isoformat(), "due": len(outcome.planned), "decided": outcome.decided, "sent": len(outcome.sent),
            "failed": len(outcome.failed), "unreachable": outcome.unreachable,
            "undeliverable": [{"id": str(row["id"]), "duty": row["duty"], "why": why}
                              for row, why in outcome.undeliverable],
        })
    else:
        report.print(f"{day}: {len(outcome.planned)} due, {outcome.decided} newly decided, {len(outcome.sent)} sent,"
                     f" {len(outcome.failed)} failed (retried later), {len(outcome.undeliverable)} undeliverable")
        for row, why in outcome.undeliverable:
            report.print(f"  [yellow]undeliverable[/yellow] {row['duty']} {row['id']}: {escape(why)}")
    if outcome.unreachable:
        progress.print(f"[red]not sent:[/red] {escape(outcome.unreachable)}")
        return 1
    return 0


def _rows(runtime: Any, planned: list[Any]) -> list[dict[str, Any]]:
    """Each reminder as plain values: what the table shows and what --json gives a script."""
    with runtime.db.transaction(write=False) as cur:
        cur.execute("SELECT id, name FROM systems")
        systems = {r["id"]: r["name"] for r in cur.fetchall()}
    rows = []
    for r in planned:
        details = runtime.directory.get(r.recipient_id) if r.recipient_id is not None else None
        rows.append({
            "id": str(r.id), "due": r.due_on.isoformat(), "duty": str(r.duty),
            "recipient": None if r.recipient_id is None else {
                "id": str(r.recipient_id), "name": details["name"] if details else None,
                "has_email": bool(details and details["email"])},
            "system": None if r.system_id is None else {"id": str(r.system_id), "name": systems.get(r.system_id)},
            "role": r.role,
        })
    return rows


def _table(rows: list[dict[str, Any]]) -> None:
    table = Table(title=f"{len(rows)} reminders due")
    for column in ("due", "duty", "to", "system", "role"):
        table.add_column(column)
    for r in rows:
        to, system = r["recipient"], r["system"]
        said = "the council's mailbox" if to is None else (to["name"] or to["id"]) + (
            "" if to["has_email"] else " (no e-mail address)")
        table.add_row(r["due"], r["duty"], escape(said), escape((system or {}).get("name") or ""), r["role"] or "")
    report.print(table)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reminders", help="reminders (advis): preview what is due, or send it now")
    p.add_argument("action", choices=["preview", "run"])
    p.add_argument("--at", type=date.fromisoformat, help="the day (YYYY-MM-DD); default today")
    p.add_argument("--json", action="store_true",
                   help="print the result as one JSON document (preview: the reminders with duty and recipient)")
    p.set_defaults(run=cmd_reminders)
