"""Benchmark 4: commands, on PostgreSQL with durable commits (synchronous_commit=on, fsync=on).

    .venv/bin/python -m bench.commands [--commands 1500] [--clients 16] [--rounds 3] [--only library]

4a  over HTTP with 16 concurrent clients, against the same commands called in process on the
    application (16 threads). The API runs with ANSVAR_RUN_PROJECTIONS=false so both sides do the
    same work (the command); the views catch up at the end.
4b  in process (16 threads) against the eventsourcing library's own rate (bench/library_rate.py:
    a bare Application in a schema of its own, an aggregate of ~30 events, get + one event + save,
    16 threads), in `--rounds` pairs taken in turn, ansvar first and the library first (ABBA), so
    neither side alone pays for a cold cache. Target: ansvar >= 90% of the library.
    This process's collector is tuned as `ansvar serve` tunes the API's (ansvar/gc_tuning.py), for
    both sides: at CPython's default thresholds the full collections that walk the aggregate cache
    (thousands of systems with their facts) stopped every thread for 56-128 ms a time.

The command: record an assignment (role kontraktejer, effective today) on a random system."""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from ansvar.bootstrap import bootstrap
from ansvar.gc_tuning import tune_gc_for_service
from bench import library_rate
from bench.common import line, load, pct, settings, summary
from bench.server import api, headers
from domain.clock import SystemClock


def work(n: int, seed: int, runtime, among: tuple[int, int] | None = None) -> list[tuple[str, str]]:
    """n assignments (system, person) drawn from the set's systems and current people, or from
    `among` = (systems, people) of them, drawn once."""
    rng = random.Random(seed)
    with runtime.db.transaction(write=False) as cur:
        cur.execute("SELECT id FROM systems ORDER BY id")
        systems = [str(r["id"]) for r in cur.fetchall()]
        cur.execute("SELECT id FROM people WHERE departed_on IS NULL ORDER BY id")
        people = [str(r["id"]) for r in cur.fetchall()]
    if among is not None:
        systems, people = rng.sample(systems, min(among[0], len(systems))), rng.sample(people, min(among[1], len(people)))
    return [(rng.choice(systems), rng.choice(people)) for _ in range(n)]


async def over_http(base: str, jobs: list[tuple[str, str]], clients: int) -> tuple[float, list[float], int]:
    today = SystemClock().today().isoformat()
    queue: asyncio.Queue = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    latencies: list[float] = []
    failures = 0
    token = headers()

    async def client() -> None:
        nonlocal failures
        async with httpx.AsyncClient(base_url=base, timeout=60, headers=token) as http:
            while not queue.empty():
                system_id, person_id = queue.get_nowait()
                started = time.perf_counter()
                r = await http.post(f"/systems/{system_id}/assignments", json={
                    "role": "kontraktejer", "person_id": person_id, "effective_from": today, "basis": "bench"})
                latencies.append((time.perf_counter() - started) * 1000)
                failures += r.status_code != 201

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - started, latencies, failures


def in_process(app, jobs: list[tuple[str, str]], threads: int) -> tuple[float, list[float]]:
    from uuid import UUID

    today = SystemClock().today()
    latencies: list[float] = []

    def one(job: tuple[str, str]) -> None:
        started = time.perf_counter()
        app.assign_role(UUID(job[0]), "kontraktejer", UUID(job[1]), today, basis="bench")
        latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, jobs))
    return time.perf_counter() - started, latencies


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--commands", type=int, default=1500)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--rounds", type=int, default=3, help="4b: pairs of rounds, ansvar and the library in turn")
    p.add_argument("--only", choices=("http", "library"), help="run 4a or 4b alone")
    args = p.parse_args()
    config = settings()
    runtime = bootstrap(config)
    jobs = work((2 + 2 * args.rounds) * args.commands + 100, 11, runtime)
    tune_gc_for_service()  # as the API process that runs these commands
    print(f"commands: {args.commands} assignments per side, {args.clients} clients/threads  [{load()}]")
    if args.only != "library":
        with api(run_projections=False) as base:
            asyncio.run(over_http(base, jobs[:50], args.clients))  # warm up connections and code paths
            http_s, http_ms, failures = asyncio.run(over_http(base, jobs[50:50 + args.commands], args.clients))
        print(f"   [{load()}]")
        in_process(runtime.portfolio, jobs[-50:], args.clients)
        local_s, local_ms = in_process(runtime.portfolio, jobs[50 + args.commands:50 + 2 * args.commands], args.clients)
        http_rate, local_rate = args.commands / http_s, args.commands / local_s
        line(f"4a commands over HTTP, {args.clients} clients", f"{http_rate:,.0f} cmd/s  " + summary(http_ms),
             f"in process {local_rate:,.0f} cmd/s  " + summary(local_ms),
             f"{http_rate / local_rate:.0%} of in-process (target 50%: {'met' if http_rate >= 0.5 * local_rate else 'MISSED'});"
             f" {failures} non-201")
        print(f"[{load()}]")
    if args.only != "http":
        against_library(runtime, config, jobs[50 + 2 * args.commands:], args)
    runtime.catchup.run_until_caught_up()
    runtime.close()


def against_library(runtime, config, jobs: list[tuple[str, str]], args) -> None:
    """4b: ansvar in process and the bare library, in pairs of rounds taken in turn (ABBA)."""
    library = library_rate.library_app(config.database, config.pool_size)
    ids = library_rate.aggregates(library, max(1000, args.commands), 30)
    in_process(runtime.portfolio, jobs[-50:], args.clients)  # warm: connections, code paths
    library_rate.run(library, ids, 50, args.clients, 0)
    ours: list[float] = []
    theirs: list[float] = []
    ours_ms: list[float] = []
    theirs_ms: list[float] = []
    cpu = {"ansvar": 0.0, "library": 0.0}  # this process's CPU (every thread's) per command, ms
    for r in range(args.rounds):
        chunk = jobs[2 * r * args.commands:(2 * r + 1) * args.commands]
        sides = ("ansvar", "library") if r % 2 == 0 else ("library", "ansvar")
        for side in sides:
            started_cpu = time.process_time()
            if side == "ansvar":
                seconds, ms = in_process(runtime.portfolio, chunk, args.clients)
                ours.append(args.commands / seconds)
                ours_ms += ms
            else:
                seconds, ms = library_rate.run(library, ids, args.commands, args.clients, 100 + r)
                theirs.append(args.commands / seconds)
                theirs_ms += ms
            cpu[side] += (time.process_time() - started_cpu) * 1000 / (args.commands * args.rounds)
        print(f"   round {r + 1}: ansvar {ours[-1]:,.0f} cmd/s, library {theirs[-1]:,.0f} ops/s"
              f" ({ours[-1] / theirs[-1]:.0%})  [{load()}]", flush=True)
    ratio = sum(ours) / sum(theirs)
    line(f"4b commands in process, {args.clients} threads",
         f"{min(ours):,.0f}-{max(ours):,.0f} cmd/s  p50 {pct(ours_ms, 50):.1f} ms p99 {pct(ours_ms, 99):.1f} ms",
         f"library {min(theirs):,.0f}-{max(theirs):,.0f} ops/s  p50 {pct(theirs_ms, 50):.1f} ms p99 {pct(theirs_ms, 99):.1f} ms",
         f"{ratio:.0%} of the library (target 90%: {'met' if ratio >= 0.9 else 'MISSED'})")
    print(f"   client CPU per command: ansvar {cpu['ansvar']:.2f} ms, library {cpu['library']:.2f} ms")
    library.close()


if __name__ == "__main__":
    main()
