"""`ansvar kitos sync --organization UUID [--apply] [--since TIMESTAMP] [--roles FILE]`: what KITOS
holds for the organisation, compared with the register; with --apply, written all or nothing."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from pathlib import Path

from rich.markup import escape

from ansvar.console import progress_bar, refuse, report
from domain.clock import Clock
from domain.errors import DomainError
from infra.phrasebook.en.problems import in_words
from infra.settings import Settings


def _since(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def cmd_kitos(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    from usecases import kitos_sync
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

            plan = _run(runtime, kitos_sync.sync(runtime, args.organization, apply=args.apply, since=args.since,
                                                   roles=roles, actor=Actor(role="import"), progress=progress))
    except DomainError as exc:
        refuse(f"{in_words(exc)}\nnothing was written", as_json=args.json)
        return 2
    except OSError as exc:
        refuse(f"cannot read the role mapping: {exc}", as_json=args.json)
        return 2
    finally:
        runtime.close()
    if args.json:
        report.json(plan)
        return 0
    s, p, u, f = plan["systems"], plan["people"], plan["org_units"], plan["facts"]
    report.print(f"KITOS {plan['kitos']}, organisation {plan['organization']}"
                 + (f", changed since {plan['since']}" if plan["since"] else "")
                 + f": {plan['usages_read']} usages, {plan['org_units_read']} org units read")
    report.print(f"systems: {s['to_create']} new, {s['matched']} matched; people: {p['to_create']} new;"
                 f" org units: {u['to_create']} new; facts: {f['assignments']} assignments, {f['vacancies']} vacancies,"
                 f" {f['lifecycle_changes']} lifecycle changes, {f['details_changes']} details changes")
    for problem in plan["problems"][:40]:
        report.print(f"  [yellow]{problem['kind']}[/yellow] {problem['entity']} {problem['uuid']} {problem['field']}:"
                     f" {escape(str(problem['detail']))}", highlight=False)
    if len(plan["problems"]) > 40:
        report.print(f"  ... and {len(plan['problems']) - 40} more problems")
    for gone in plan["deleted_in_kitos"]:
        report.print(f"  [yellow]deleted in KITOS[/yellow] usage {gone['uuid']} at {gone['occurred_at']}"
                     + (f": system {gone['system_id']}, for the council to decide" if gone["system_id"] else ""))
    print_outcome(plan)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("kitos", help="bring over what KITOS holds: systems, org units, people and roles")
    p.add_argument("action", choices=["sync"])
    p.add_argument("--organization", required=True, help="the municipality's organisation uuid in KITOS")
    p.add_argument("--apply", action="store_true", help="write it (all or nothing); without: a dry run")
    p.add_argument("--since", type=_since, help="only usages changed since (ISO 8601); default: since the last sync")
    p.add_argument("--roles", help="a JSON file mapping the municipality's KITOS role names to ansvar roles")
    p.add_argument("--json", action="store_true",
                   help="print the plan as one JSON document (counts, problems, deleted in KITOS, outcome)")
    p.set_defaults(run=cmd_kitos)
