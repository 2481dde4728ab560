"""Generate a national-scale portfolio through the real application, in batches.

    .venv/bin/python -m bench.generate --systems 30000 --events 1000000 --seed 1

Writing a million events one command at a time would take ~20 minutes on PostgreSQL (~1,000
events/s, one transaction each). Instead the simulation (bench/history.py) drives the domain
aggregates in memory, in record-time order, and every `--batch` events the changed aggregates
go to `Portfolio.save(*aggregates)`: one transaction, one insert of all their new events, the
same event log the commands would have written. Then the projections catch up (timed apart).
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from ansvar.bootstrap import bootstrap
from bench.common import check_own_schema, drop_schema, load, settings
from bench.history import Simulation
from domain.clock import SystemClock
from domain.record_time import recording_with
from projections.catchup import REBUILD_BATCH


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--systems", type=int, default=30_000)
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--municipalities", type=int, default=100)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--batch", type=int, default=5_000, help="events per save() transaction")
    p.add_argument("--today", type=date.fromisoformat, default=SystemClock().today())
    p.add_argument("--keep", action="store_true", help="do not drop the schema first")
    p.add_argument("--no-catch-up", action="store_true", help="leave the projections behind")
    args = p.parse_args()

    config = settings()
    check_own_schema(config.database)
    if not args.keep:
        drop_schema(config.database)
    runtime = bootstrap(config)
    app = runtime.portfolio
    print(f"generating {args.systems} systems / {args.events} events / {args.municipalities} municipalities, "
          f"seed {args.seed}, into {config.database.schema} ({load()})", flush=True)

    sim = Simulation(args.seed, args.municipalities, args.systems, args.events, args.today)
    started = time.perf_counter()
    plan = sim.schedule()
    planned = time.perf_counter() - started
    pending = written = batches = 0
    save_seconds = 0.0
    with recording_with(sim.clock):
        for when, _, kind, subject in plan:
            sim.at(when)
            sim.run(kind, subject)
            pending += 1
            if pending >= args.batch:
                written, batches, save_seconds = _save(app, sim, written, batches, save_seconds)
                pending = 0
                if batches % 40 == 0:
                    rate = written / (time.perf_counter() - started)
                    print(f"  {written:>9} events  {sim.today():%Y-%m-%d}  {rate:,.0f} ev/s", flush=True)
        written, batches, save_seconds = _save(app, sim, written, batches, save_seconds)
    generated = time.perf_counter() - started
    head = app.recorder.max_notification_id() or 0
    print(f"wrote {written:,} events (log head {head:,}) in {batches} transactions: {generated:.1f} s "
          f"({written / generated:,.0f} ev/s overall; save() {save_seconds:.1f} s = {written / save_seconds:,.0f} ev/s; "
          f"planning {planned:.1f} s)  [{load()}]")
    print("  " + ", ".join(f"{k} {v:,}" for k, v in sim.stats.items()))
    print(f"  people {len(sim.people):,}, org units {len(sim.units):,}, systems {len(sim.systems):,}")
    if not args.no_catch_up:
        started = time.perf_counter()
        runtime.catchup.run_until_caught_up(batch=REBUILD_BATCH)  # as `ansvar projections rebuild` does
        took = time.perf_counter() - started
        print(f"projections caught up in {took:.1f} s ({head / took:,.0f} ev/s)  [{load()}]")
        _analyze(config.database)
    runtime.close()


def _analyze(db) -> None:
    """Statistics and visibility maps for the new tables, as autovacuum would set them soon after."""
    import psycopg

    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{db.schema}"')
        conn.execute("VACUUM ANALYZE")


def _save(app, sim: Simulation, written: int, batches: int, seconds: float) -> tuple[int, int, float]:
    aggregates = sim.drain()
    if not aggregates:
        return written, batches, seconds
    started = time.perf_counter()
    recordings = app.save(*aggregates, people=sim.drain_details())  # names outside the log, in its transaction
    return written + len(recordings), batches + 1, seconds + time.perf_counter() - started


if __name__ == "__main__":
    main()
