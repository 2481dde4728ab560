"""`ansvar import FILE [--apply] [--mapping F]` and `ansvar export register|gaps|decisions --format csv|xlsx -o FILE`."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from ansvar.bootstrap import Runtime, bootstrap
from ansvar.console import catch_up, progress_bar, refuse, report
from domain.clock import Clock
from domain.errors import DomainError
from infra.phrasebook.en.problems import in_words
from infra.settings import Settings
from projections.register_queries import EXPORTS
from usecases.registers import export, run_import


def cmd_import(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        refuse(f"no such file: {path}", as_json=args.json)
        return 2
    mapping = Path(args.mapping).read_bytes() if args.mapping else None
    runtime = bootstrap(settings, clock)
    try:
        catch_up(runtime)  # compare against the latest state
        with progress_bar() as bar:
            task = bar.add_task(f"{'importing' if args.apply else 'checking'} {path.name}", total=None)
            outcome = _run(runtime, run_import(
                runtime.portfolio, runtime.reads, path.read_bytes(), path.name, apply=args.apply, mapping=mapping,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            ))
        if args.apply:
            catch_up(runtime)
    except DomainError as exc:
        refuse(f"{in_words(exc)}\nnothing was written", as_json=args.json)
        return 2
    finally:
        runtime.close()
    if args.json:
        report.json(outcome)
    else:
        print_report(outcome)
    return 0


def _run(runtime: Runtime, work: Any) -> Any:
    """Run one read-store coroutine to its end, and close the store's async connections after it."""

    async def run() -> Any:
        try:
            return await work
        finally:
            await runtime.reads.reader.close()

    return asyncio.run(run())


def print_report(found: dict[str, Any]) -> None:
    summary = Table("", "to create", "matched", title=f"{found['file']} (sha256 {found['sha256'][:12]}…)")
    summary.add_row("systems", str(found["systems"]["to_create"]), str(found["systems"]["matched"]))
    summary.add_row("people", str(found["people"]["to_create"]), str(found["people"]["matched"]))
    summary.add_row("org units", str(found["org_units"]["to_create"]), "")
    report.print(summary)
    f = found["facts"]
    report.print(
        f"rows read: {found['rows_read']}  ·  facts: {f['assignments']} assignments, {f['vacancies']} vacancies,"
        f" {f['lifecycle_changes']} lifecycle changes, {f['details_changes']} detail changes"
        f"  ·  flagged holders: {found['flagged_holders']}  ·  duplicates: {found['duplicates']}"
        f"  ·  people linked by name: {found['people_linked']},"
        f" possible duplicate people: {found['possible_duplicate_people']}"
    )
    if found["problems"]:
        problems = Table("row", "column", "value", "problem", title=f"{len(found['problems'])} problems")
        for p in found["problems"]:
            problems.add_row(str(p["row"]), escape(str(p["column"])), escape(str(p["value"])),
                             escape(f"{p['kind']}: {p['detail']}"))
        report.print(problems)
    print_outcome(found)


def print_outcome(found: dict[str, Any]) -> None:
    """How an import or a sync ended: written, a dry run, or nothing to write."""
    if found["applied"]:
        report.print(f"[green]written[/green] in one transaction, up to log position {found['position']}")
    elif found["dry_run"]:
        report.print("dry run: nothing written (add --apply to write it all)")
    else:
        report.print("nothing to write: the register already says all of this")


def cmd_export(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    runtime = bootstrap(settings, clock)
    try:
        catch_up(runtime)
        content = _run(runtime, export(runtime.reads, args.what, args.format, runtime.transparency))
    except DomainError as exc:
        refuse(in_words(exc))
        return 2
    finally:
        runtime.close()
    Path(args.output).write_bytes(content)
    report.print(f"{args.what} written to {args.output} ({len(content)} bytes)")
    return 0


def register(sub: Any) -> None:
    imp = sub.add_parser("import", help="import an IT-system inventory (CSV or XLSX); a dry run unless --apply")
    imp.add_argument("file")
    imp.add_argument("--apply", action="store_true", help="write the import (all or nothing)")
    imp.add_argument("--mapping", help="JSON {header: field} or CSV header;field naming columns the importer does not know")
    imp.add_argument("--json", action="store_true", help="print the report as one JSON document (counts and problems)")
    imp.set_defaults(run=cmd_import)
    exp = sub.add_parser("export", help="export the ownership register, the gap report or the decision log as CSV or XLSX")
    exp.add_argument("what", choices=sorted(EXPORTS))
    exp.add_argument("--format", choices=["csv", "xlsx"], default="xlsx")
    exp.add_argument("-o", "--output", required=True)
    exp.set_defaults(run=cmd_export)
