"""Benchmark 7: what the tamper-evident log costs, on the generated data set (PostgreSQL).

    .venv/bin/python -m bench.log [--commands 400] [--rounds 3] [--requests 2000] [--skip-backfill]

7a  commands in process (16 threads, assignments on random systems) with the tree, against the
    same commands with the tree taken out (its preparing patched out, its trigger disabled);
    rounds alternate in pairs, with-first and without-first in turn, and the leaves a round
    without the tree left out are back-filled, untimed, before the next round with it.
    Target: with the tree >= 90% of without.
7b  GET /log/proof/inclusion?position=<random> over HTTP (one keep-alive connection), p50/p99;
    baseline: GET /health on the same connection. Target: p99 <= 2 ms at 1M events (issue 30 part 5; it was 5 ms).
7c  `ansvar verify` of the whole log with a checkpoint, as a process, wall time; baseline: a
    process reading every stored event (the same pages) without hashing. Target: <= 60 s at 1M.
7d  back-filling the whole tree (its tables emptied, then the recorder's catch_up_tree(), as on
    an upgrade), wall time; baseline: reading every event in the same pages. Target: <= 120 s
    at 1M. It gives erasable texts new salts, so it runs last; the log verifies afterwards.

The log's signing key is a fresh one per run (ANSVAR_LOG_KEY for the child processes).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from uuid import UUID

from eventsourcing.postgres import PostgresApplicationRecorder

from ansvar.bootstrap import bootstrap
from bench.common import check_own_schema, line, load, pct, settings, summary
from bench.server import Client, api, headers
from domain.clock import SystemClock
from infra import recorders, tlog
from infra.checkpoints import SigningKey
from infra.log_tree import LogTree
from infra.recorders import PostgresRecorder
from infra.settings import LogSigning

KEY = SigningKey.generate("bench.ansvar.local/log")
READ_ONLY = """
import sys, time
from bench.common import settings
from ansvar.cli_log import _open_log
from domain.clock import SystemClock
proofs = _open_log(settings(), SystemClock())
n = 0
for event in proofs.events():
    n += 1
proofs.owner.close()
print(n)
"""


def jobs(runtime, n: int) -> list[tuple[UUID, UUID]]:
    rng = random.Random(7)
    with runtime.db.transaction(write=False) as cur:
        cur.execute("SELECT id FROM systems")
        systems = [r["id"] for r in cur.fetchall()]
        cur.execute("SELECT id FROM people WHERE departed_on IS NULL")
        people = [r["id"] for r in cur.fetchall()]
    return [(UUID(str(rng.choice(systems))), UUID(str(rng.choice(people)))) for _ in range(n)]


def commands(app, work: list[tuple[UUID, UUID]], threads: int) -> tuple[float, list[float]]:
    today = SystemClock().today()
    latencies: list[float] = []

    def one(job: tuple[UUID, UUID]) -> None:
        started = time.perf_counter()
        app.assign_role(job[0], "kontraktejer", job[1], today, basis="bench")
        latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, work))
    return len(work) / (time.perf_counter() - started), latencies


@contextmanager
def without_tree(recorder: PostgresRecorder) -> Iterator[None]:
    """Everything the tree adds to an insert taken out: the leaves' preparing and announcing
    (before the lock), the trigger that grows the tree (disabled), the append in Python."""
    real = (LogTree.append_in, tlog.prepare, recorders.append_argument, PostgresRecorder._insert_events)
    LogTree.append_in = lambda self, *args: None  # type: ignore[method-assign,assignment]
    tlog.prepare = lambda topic, state: ({}, "")  # type: ignore[assignment]
    recorders.append_argument = lambda prepared, stored: ""  # type: ignore[assignment]
    PostgresRecorder._insert_events = PostgresApplicationRecorder._insert_events  # type: ignore[method-assign]
    _trigger(recorder, "DISABLE")
    try:
        yield
    finally:
        _trigger(recorder, "ENABLE")
        LogTree.append_in, tlog.prepare, recorders.append_argument, PostgresRecorder._insert_events = real  # type: ignore[method-assign]


def _trigger(recorder: PostgresRecorder, how: str) -> None:
    with recorder.datastore.transaction(commit=True) as cur:
        cur.execute(f"ALTER TABLE {recorder.tree.events_table} {how} TRIGGER ansvar_tree_leaves")


def bench_commands(runtime, n: int, rounds: int, threads: int) -> None:
    recorder = runtime.portfolio.recorder
    work = jobs(runtime, (2 * rounds + 1) * n)
    commands(runtime.portfolio, work[:n], threads)  # warm up
    with_rates, without_rates, with_ms, without_ms = [], [], [], []
    for r in range(rounds):
        # Pairs in turn with-first and without-first (ABBA), so that a drift over the run (the
        # buffer cache warming to the systems' events, the load of this shared machine) favours
        # neither side.
        for tree in (True, False) if r % 2 == 0 else (False, True):
            chunk = work[(2 * r + 1 + (not tree)) * n:(2 * r + 2 + (not tree)) * n]
            if tree:
                rate, ms = commands(runtime.portfolio, chunk, threads)
                with_rates.append(rate)
                with_ms += ms
                continue
            with without_tree(recorder):
                rate, ms = commands(runtime.portfolio, chunk, threads)
            without_rates.append(rate)
            without_ms += ms
            recorder.catch_up_tree()  # untimed: the leaves the round without the tree left out
    best_with, best_without = max(with_rates), max(without_rates)
    ratio = sum(with_rates) / sum(without_rates)
    line(f"7a commands, {threads} threads, with the tree", f"{best_with:,.0f} cmd/s best  " + summary(with_ms),
         f"without {best_without:,.0f} cmd/s best  " + summary(without_ms),
         f"mean ratio {ratio:.0%} (target 90%: {'met' if ratio >= 0.9 else 'MISSED'})")
    print(f"   rounds with {[round(x) for x in with_rates]} without {[round(x) for x in without_rates]}")


def bench_inclusion(size: int, positions: list[int], requests: int) -> None:
    with api(run_projections=False, ANSVAR_LOG_KEY=str(KEY)) as base:
        client = Client(base, headers(("auditor",)))
        rng = random.Random(3)
        for _ in range(100):  # warm up
            client.get("/log/proof/inclusion", {"position": rng.choice(positions)})
            client.get("/health")
        proof_ms, health_ms = [], []
        for _ in range(requests):
            position = rng.choice(positions)
            started = time.perf_counter()
            client.get("/log/proof/inclusion", {"position": position})
            proof_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            client.get("/health")
            health_ms.append((time.perf_counter() - started) * 1000)
        client.close()
    p99 = pct(proof_ms, 99)
    line(f"7b inclusion proof over HTTP, {size:,} leaves", summary(proof_ms), "GET /health " + summary(health_ms),
         f"p99 target 2 ms: {'met' if p99 <= 2 else 'MISSED'}")


def _process(argv: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    return time.perf_counter() - started, done


def bench_verify(runtime, size: int, env: dict[str, str]) -> None:
    note = runtime.transparency.checkpoint().note()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "checkpoint.txt"
        path.write_text(note, encoding="utf-8")
        verify_s, done = _process([sys.executable, "-m", "ansvar.cli", "verify", "--checkpoint", str(path)], env)
    if done.returncode != 0:
        raise SystemExit(f"ansvar verify failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
    read_s, read = _process([sys.executable, "-c", READ_ONLY], env)
    line(f"7c ansvar verify, {size:,} events", f"{verify_s:.1f} s ({size / verify_s:,.0f} events/s)",
         f"reading them alone {read_s:.1f} s", f"target 60 s at 1M: {'met' if verify_s * 1e6 / size <= 60 else 'MISSED'}")


def bench_backfill(runtime, size: int, env: dict[str, str]) -> None:
    db = runtime.settings.database
    import psycopg

    with psycopg.connect(db.dsn, autocommit=True) as conn:
        for table in ("log_leaves", "log_nodes", "log_salts", "log_erasures", "log_edge"):
            conn.execute(f'TRUNCATE "{db.schema}".{table}')
    recorder = runtime.portfolio.recorder
    started = time.perf_counter()
    given = recorder.catch_up_tree()
    backfill_s = time.perf_counter() - started
    read_s, _ = _process([sys.executable, "-c", READ_ONLY], env)
    line(f"7d back-fill of the tree, {given:,} events", f"{backfill_s:.1f} s ({given / backfill_s:,.0f} events/s)",
         f"reading them alone {read_s:.1f} s",
         f"target 120 s at 1M: {'met' if backfill_s * 1e6 / max(given, 1) <= 120 else 'MISSED'}")
    verify_s, done = _process([sys.executable, "-m", "ansvar.cli", "verify"], env)
    print(f"   verified afterwards: {'ok' if done.returncode == 0 else 'FAILED'} in {verify_s:.1f} s")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--commands", type=int, default=400, help="commands per round and side")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=16)
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--skip-backfill", action="store_true")
    p.add_argument("--only", choices=["commands", "inclusion", "verify", "backfill"], action="append",
                   help="run only these parts (repeatable)")
    args = p.parse_args()
    config = settings(log=LogSigning(key=str(KEY)))
    check_own_schema(config.database)
    env = {**os.environ, "ANSVAR_LOG_KEY": str(KEY), "ANSVAR_LOG_LEVEL": "warning"}
    env.setdefault("ANSVAR_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test?schema=bench")
    runtime = bootstrap(config)
    try:
        size = runtime.transparency.proofs.size()
        print(f"log: {size:,} events  [{load()}]")
        parts = set(args.only or ["commands", "inclusion", "verify", "backfill"])
        if args.skip_backfill:
            parts.discard("backfill")
        if "commands" in parts:
            bench_commands(runtime, args.commands, args.rounds, args.threads)
        size = runtime.transparency.proofs.size()
        if "inclusion" in parts:
            rng, proofs = random.Random(1), runtime.transparency.proofs
            positions = [e.position for _ in range(20) for e in proofs.entries(rng.randrange(max(size - 100, 1)), 100)]
            bench_inclusion(size, positions, args.requests)
            print(f"   [{load()}]")
        if "verify" in parts:
            bench_verify(runtime, size, env)
        if "backfill" in parts:
            bench_backfill(runtime, size, env)
        print(f"[{load()}]")
    finally:
        runtime.catchup.run_until_caught_up()
        runtime.close()


if __name__ == "__main__":
    main()
