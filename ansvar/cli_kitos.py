"""`ansvar kitos sync --organization UUID [--apply] [--since TIMESTAMP] [--roles FILE]`: what KITOS
holds for the organisation, compared with the register; with --apply, written all or nothing."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from pathlib import Path

from ansvar.console import console, progress_bar
from domain.clock import Clock
from domain.errors import DomainError
from infra.settings import Settings


def _since(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def cmd_kitos(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    from ansvar import kitos_sync
    from ansvar.bootstrap import bootstrap
    from ansvar.cli_inventory import _run, print_outcome
    from ansvar.console import catch_up
    from domain.commands import Actor

    runtime = bootstrap(settings, clock)
    try:
        roles = kitos_sync.read_roles(Path(args.roles).read_bytes()) if args.roles else None
        catch_up(runtime)
        with progress_bar() as bar:
            tasks: dict[str, int] = {}

            def progress(what: str, done: int, total: int) -> None:
                if what not in tasks:
                    tasks[what] = bar.add_task(f"KITOS {what}", total=total or None)
                bar.update(tasks[what], completed=done, total=total or None)

            report = _run(runtime, kitos_sync.sync(runtime, args.organization, apply=args.apply, since=args.since,
                                                   roles=roles, actor=Actor(role="import"), progress=progress))
    except DomainError as exc:
        console.print(f"[red]{exc.title}:[/red] {exc.detail}\nnothing was written")
        return 2
    except OSError as exc:
        console.print(f"[red]cannot read the role mapping:[/red] {exc}")
        return 2
    finally:
        runtime.close()
    s, p, u, f = report["systems"], report["people"], report["org_units"], report["facts"]
    console.print(f"KITOS {report['kitos']}, organisation {report['organization']}"
                  + (f", changed since {report['since']}" if report["since"] else "")
                  + f": {report['usages_read']} usages, {report['org_units_read']} org units read")
    console.print(f"systems: {s['to_create']} new, {s['matched']} matched; people: {p['to_create']} new;"
                  f" org units: {u['to_create']} new; facts: {f['assignments']} assignments, {f['vacancies']} vacancies,"
                  f" {f['lifecycle_changes']} lifecycle changes, {f['details_changes']} details changes")
    for problem in report["problems"][:40]:
        console.print(f"  [yellow]{problem['kind']}[/yellow] {problem['entity']} {problem['uuid']} {problem['field']}:"
                      f" {problem['detail']}")
    if len(report["problems"]) > 40:
        console.print(f"  ... and {len(report['problems']) - 40} more problems")
    for gone in report["deleted_in_kitos"]:
        console.print(f"  [yellow]deleted in KITOS[/yellow] usage {gone['uuid']} at {gone['occurred_at']}"
                      + (f": system {gone['system_id']}, for the council to decide" if gone["system_id"] else ""))
    print_outcome(console, report)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("kitos", help="bring over what KITOS holds: systems, org units, people and roles")
    p.add_argument("action", choices=["sync"])
    p.add_argument("--organization", required=True, help="the municipality's organisation uuid in KITOS")
    p.add_argument("--apply", action="store_true", help="write it (all or nothing); without: a dry run")
    p.add_argument("--since", type=_since, help="only usages changed since (ISO 8601); default: since the last sync")
    p.add_argument("--roles", help="a JSON file mapping the municipality's KITOS role names to ansvar roles")
    p.set_defaults(run=cmd_kitos)
