"""`ansvar audit-pack` (the auditor's pack, as GET /audit-pack makes it) and `ansvar verify --pack`
(the pack's own verify.py, run here). The report goes to stdout, in English; `--json` for scripts."""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import time
from datetime import date
from pathlib import Path
from typing import Any

from rich.markup import escape

from ansvar.console import catch_up, refuse, report
from domain.clock import Clock
from domain.errors import DomainError
from infra.phrasebook.en.problems import detail
from infra import log_key, pack_verify
from infra.settings import Settings
from infra.transparency import NotSigning


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a date YYYY-MM-DD, not {text!r}") from None


def _peak_mb(who: int) -> int:
    return round(resource.getrusage(who).ru_maxrss / 1024)


def cmd_audit_pack(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    from ansvar.bootstrap import bootstrap
    from api.audit_pack.files import build
    from api.audit_pack.question import question
    from projections.event_log import EventLog

    runtime = bootstrap(settings, clock)
    started = time.perf_counter()
    out = Path(args.out)
    partial = out.with_name(out.name + ".partial")
    try:
        catch_up(runtime)
        assert runtime.transparency is not None

        async def run() -> Any:
            try:
                q = question(runtime.reads, args.start, args.at, args.known_at)
                runtime.transparency.verifier_key  # noqa: B018 (NotSigning before any work)
                with open(partial, "wb") as f:
                    return q, await build(runtime.reads, runtime.transparency, EventLog(runtime.portfolio),
                                          settings.gap_policy, q, f)
            finally:
                await runtime.reads.reader.close()

        q, summary = asyncio.run(run())
        os.replace(partial, out)
    except (DomainError, NotSigning) as exc:
        partial.unlink(missing_ok=True)
        refuse(f"cannot make the pack: {detail(exc) if isinstance(exc, DomainError) else exc}", as_json=args.json)
        return 2
    except BaseException:
        partial.unlink(missing_ok=True)  # never half a pack, whatever stopped it (a failed PDF: PdfFailed)
        raise
    finally:
        runtime.close()
    made = {
        "file": str(out), "bytes": out.stat().st_size, "seconds": round(time.perf_counter() - started, 2),
        "question": {"from": q.start.isoformat(), "at": q.at.isoformat(), "known_at": q.known_at.isoformat()},
        "systems": len(summary.systems), "rows": summary.counts,
        "attestation": {"in_use": summary.in_use, "attested_in_time": summary.attested},
        # the PDF is rendered by a child process (api/audit_pack/pdf_process.py) beside this one:
        # both peaks, since they are resident at the same time (their sum is the bound to keep)
        "peak_rss_mb": {"pack": _peak_mb(resource.RUSAGE_SELF), "pdf": _peak_mb(resource.RUSAGE_CHILDREN)},
    }
    if args.json:
        report.json(made)
    else:
        report.print(f"audit pack written to {escape(str(out))} ({made['bytes']} bytes, {made['seconds']} s)")
        report.print(f"period {made['question']['from']} to {made['question']['at']}, as known at"
                     f" {made['question']['known_at']}")
        report.print(f"{made['systems']} systems; rows: " + ", ".join(f"{k} {v}" for k, v in summary.counts.items()))
        report.print(f"attestation: {summary.attested} of {summary.in_use} systems in use attested in time")
    return 0


def cmd_verify_pack(settings: Settings, args: argparse.Namespace) -> int:
    """The pack's verify.py, against this installation's key unless --key names another."""
    key = args.key
    if key is None:
        own = log_key.signing_key(settings)
        key = str(own.verifier) if own else None
    try:
        checked = pack_verify.verify_pack(args.pack, key)
    except (OSError, pack_verify.Unreadable) as exc:
        refuse(f"cannot verify: {exc}", as_json=args.json)
        return 2
    except pack_verify.Failed as exc:
        # the same keys as `ansvar verify --json`; "failed" kept for scripts written before
        if args.json:
            report.json({"ok": False, "checked": [], "findings": [str(exc)], "failed": str(exc)})
        else:
            report.print(f"[red]FAILED[/red] {escape(str(exc))}")
        return 1
    if args.json:
        report.json({"ok": True, "checked": checked, "findings": []})
    else:
        for line in checked:
            report.print(f"[green]ok[/green] {escape(str(line))}")
        report.print("[green]the pack verifies[/green]")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("audit-pack", help="the auditor's pack for a period: workbook, PDF, evidence with proofs, verify.py")
    p.add_argument("--from", dest="start", type=_day, required=True, metavar="D0", help="the period's first day")
    p.add_argument("--at", type=_day, required=True, metavar="D", help="the balance date: the period's last day")
    p.add_argument("--known-at", metavar="K", help="as the record stood then (a date, or an instant with its offset);"
                                                   " default now")
    p.add_argument("--out", required=True, metavar="FILE.zip")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(run=cmd_audit_pack)
