"""`ansvar reminders preview|run [--at DATE]`: what would go out on a day, sending nothing; or
send what is due now and exit (non-zero when the SMTP server cannot be reached)."""

from __future__ import annotations

import argparse
from datetime import date

from rich.table import Table

from ansvar.console import console
from domain.clock import Clock
from infra.settings import Settings


def cmd_reminders(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    from ansvar import reminders
    from ansvar.bootstrap import bootstrap

    runtime = bootstrap(settings, clock)
    try:
        day = args.at or clock.today()
        outcome = reminders.run(runtime, day, send=args.action == "run")
        if args.action == "preview":
            _table(runtime, outcome.planned)
            return 0
        console.print(f"{day}: {len(outcome.planned)} due, {outcome.decided} newly decided, {len(outcome.sent)} sent,"
                      f" {len(outcome.failed)} failed (retried later), {len(outcome.undeliverable)} undeliverable")
        for row, why in outcome.undeliverable:
            console.print(f"  [yellow]undeliverable[/yellow] {row['duty']} {row['id']}: {why}")
        if outcome.unreachable:
            console.print(f"[red]not sent:[/red] {outcome.unreachable}")
            return 1
        return 0
    finally:
        runtime.close()


def _table(runtime, planned) -> None:
    table = Table(title=f"{len(planned)} reminders due")
    for column in ("due", "duty", "to", "system", "role"):
        table.add_column(column)
    with runtime.db.transaction(write=False) as cur:
        cur.execute("SELECT id, name FROM systems")
        systems = {r["id"]: r["name"] for r in cur.fetchall()}
    for r in planned:
        to = "the council's mailbox"
        if r.recipient_id is not None:
            details = runtime.directory.get(r.recipient_id)
            to = (details["name"] if details and details["name"] else str(r.recipient_id)) + (
                "" if details and details["email"] else " (no e-mail address)")
        table.add_row(r.due_on.isoformat(), str(r.duty), to, systems.get(r.system_id, ""), r.role or "")
    console.print(table)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reminders", help="reminders (advis): preview what is due, or send it now")
    p.add_argument("action", choices=["preview", "run"])
    p.add_argument("--at", type=date.fromisoformat, help="the day (YYYY-MM-DD); default today")
    p.set_defaults(run=cmd_reminders)
