"""Benchmark 8: deciding the day's reminders for the national data set (30,000 systems).

    .venv/bin/python -m bench.reminders [--at DATE]

8a  planning: reading what the rules need from the views and running them (domain/reminders.py),
    as `ansvar reminders preview` does; baseline: the same reads alone (rows fetched, nothing built).
8b  deciding: the first run's new reminders recorded as events (2,000 to a transaction), then the
    views caught up. Target: plan + decide <= 10 s.
8c  a second run of the same day (`reminders.run`, no SMTP), which decides nothing: it takes the
    plan kept at 8a, since only reminders' own events came after it (projections/reminder_plans.py);
    baseline: the same day planned afresh from the views (as every run did before). Target <= 1 s.
    With the collector tuned as the service tunes it (ansvar/gc_tuning.py), from 8c on.
    8d: the same, as another process finds it (the plan read back from its table, not memory):
    timed is `reminders.run` alone, in this process with its kept plans forgotten.
8e  the whole `ansvar reminders run --at DAY --json` as a process of its own (as cron runs it): wall
    and the child's CPU; baseline: the start-up every CLI command pays (a process that imports the
    CLI and bootstraps the same database, then exits: STARTUP), and `python -c pass`.
    `--at` a day already decided here measures 8a-8d without adding 25,000 events to the log.

No SMTP server: nothing is sent (the sending is bounded by the SMTP server, not by ansvar).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta

from ansvar.bootstrap import bootstrap
from ansvar.gc_tuning import tune_gc_for_service
from bench.common import DEFAULT_URL, check_own_schema, line, load, settings
from domain.clock import SystemClock
from domain import reminders as R
from projections import reminder_plans as plans
from projections.reminders_view import load_record
from usecases import reminders

READS = [  # what projections/reminders_view.py's load_record reads (the gap rules' results among them)
    "SELECT id, org_unit_id, departed_on FROM people", "SELECT id, level, dissolved_on FROM org_units",
    "SELECT claim_id, system_id, role, person_id, made_on, status, answered_on FROM claims",
    "SELECT rule, since, until, system_id, role, person_id, claim_ids FROM responsibility_gaps",
    "SELECT offer_id, system_id, role, from_person_id, to_person_id, offered_on, effective_from FROM handover_offers",
]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--at", type=date.fromisoformat,
                   help="the day; default today, or a week after the latest reminder a run here already decided")
    args = p.parse_args()
    config = settings()
    check_own_schema(config.database)
    runtime = bootstrap(config)
    try:
        if args.at is None:  # a day none of whose weekly reminders is decided yet: the first run's work
            with runtime.db.transaction(write=False) as cur:
                cur.execute("SELECT max(due_on) AS last FROM reminders")
                last = cur.fetchone()["last"]
            args.at = max(SystemClock().today(), last + timedelta(days=7)) if last else SystemClock().today()
        print(f"reminders on {args.at}  [{load()}]")
        with runtime.db.transaction() as cur:  # 8a plans afresh, also for a day a run here already planned
            cur.execute(plans.DDL)
            cur.execute(plans.SETTLED_DDL)
            cur.execute("DELETE FROM reminder_plans WHERE day = ?", (args.at,))
            cur.execute("DELETE FROM reminder_plans_settled WHERE day = ?", (args.at,))
        plans._IN_MEMORY.clear()
        started = time.perf_counter()
        with runtime.db.transaction(write=False) as cur:
            rows = 0
            for sql in READS:
                cur.execute(sql)
                rows += len(cur.fetchall())
        reads_s = time.perf_counter() - started
        started = time.perf_counter()
        planned, new = reminders.plan(runtime, args.at)
        plan_s = time.perf_counter() - started
        kinds = Counter(str(r.duty) for r in planned)
        line("8a plan the day's reminders", f"{plan_s:.2f} s: {len(planned):,} due ({len(planned) - len(new):,} decided before)",
             f"the reads alone {reads_s:.2f} s ({rows:,} rows)")
        print("   " + ", ".join(f"{k} {n:,}" for k, n in sorted(kinds.items())))
        started = time.perf_counter()
        decided = runtime.portfolio.decide_reminders(new)
        decide_s = time.perf_counter() - started
        started = time.perf_counter()
        runtime.catchup.run_until_caught_up()
        views_s = time.perf_counter() - started
        total = plan_s + decide_s
        line("8b decide them as events", f"{decide_s:.2f} s: {decided:,} new (views {views_s:.2f} s)",
             f"plan + decide {total:.2f} s", f"target 10 s: {'met' if total <= 10 else 'MISSED'}")
        # 8c is the daily schedule's run in the service (`ansvar serve`, `ansvar worker`), whose
        # collector is tuned: without it a full collection walking 8a-8b's heap (0.55 s) lands in 8c.
        tune_gc_for_service()
        started = time.perf_counter()
        again = reminders.run(runtime, args.at, send=True)
        again_s = time.perf_counter() - started
        started = time.perf_counter()
        with runtime.db.transaction(write=False) as cur:
            afresh = R.plan(load_record(cur, args.at, runtime.settings.gap_policy), args.at)
        afresh_s = time.perf_counter() - started
        same = afresh == again.planned
        line("8c the same day again", f"{again_s:.2f} s: {again.decided} new, {len(again.planned):,} due",
             f"planned afresh {afresh_s:.2f} s ({'the same' if same else 'NOT THE SAME'} reminders)",
             f"target 1 s: {'met' if again_s <= 1 and same else 'MISSED'}")
        plans._IN_MEMORY.clear()  # as another process (the command line) finds it: in the table only
        started = time.perf_counter()
        other = reminders.run(runtime, args.at, send=True)
        other_s = time.perf_counter() - started
        line("8d ... in another process", f"{other_s:.2f} s: {other.decided} new", "the plan read back from its table",
             f"target 1 s: {'met' if other_s <= 1 and other.planned == afresh else 'MISSED'}")
        run_s, run_cpu, out = whole_process("-m", "ansvar.cli", "reminders", "run", "--at", args.at.isoformat(), "--json")
        start_s, start_cpu, _ = whole_process("-c", STARTUP)
        bare_s, _, _ = whole_process("-c", "pass")
        found = json.loads(out)
        line("8e `ansvar reminders run` as a process", f"{run_s:.2f} s ({run_cpu:.2f} s CPU): {found['decided']} new,"
             f" {found['due']:,} due", f"start-up alone {start_s:.2f} s ({start_cpu:.2f} s CPU); `python -c pass` {bare_s:.2f} s",
             f"beyond the start-up {run_s - start_s:.2f} s ({run_cpu - start_cpu:.2f} s CPU)")
        print(f"[{load()}]")
    finally:
        runtime.close()


#: What every CLI command pays before its own work: Python, the CLI's imports, and bootstrap.
STARTUP = ("import os; import ansvar.cli; from ansvar.bootstrap import bootstrap; from infra.settings import Settings;"
           " bootstrap(Settings.from_env(dict(os.environ))).close()")


def whole_process(*argv: str) -> tuple[float, float, str]:
    """`python ARGV` as a process of its own: wall seconds, its CPU seconds (user + system), its stdout."""
    env = {**os.environ, "ANSVAR_LOG_LEVEL": "warning",
           "ANSVAR_DATABASE_URL": os.environ.get("ANSVAR_DATABASE_URL") or DEFAULT_URL}
    env.pop("ANSVAR_SMTP_HOST", None)  # nothing is sent
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *argv], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # 1: `reminders run` with no SMTP server configured
        raise SystemExit(f"{' '.join(argv)}: exit {done.returncode}: {done.stderr[-2000:]}")
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, done.stdout


if __name__ == "__main__":
    main()
