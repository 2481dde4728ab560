"""Benchmark 4: commands over HTTP with 16 concurrent clients, against the same commands called
in process on the application (16 threads), on PostgreSQL with durable commits
(synchronous_commit=on, fsync=on).

    .venv/bin/python -m bench.commands [--commands 1500] [--clients 16]

The command: record an assignment (role kontraktejer, effective today) on a random system.
The API runs with ANSVAR_RUN_PROJECTIONS=false so both sides do the same work (the command);
the views catch up at the end."""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from ansvar.bootstrap import bootstrap
from bench.common import line, load, settings, summary
from bench.server import api, headers
from domain.clock import SystemClock


def work(n: int, seed: int, runtime) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    with runtime.db.transaction(write=False) as cur:
        cur.execute("SELECT id FROM systems")
        systems = [str(r["id"]) for r in cur.fetchall()]
        cur.execute("SELECT id FROM people WHERE departed_on IS NULL")
        people = [str(r["id"]) for r in cur.fetchall()]
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
    args = p.parse_args()
    runtime = bootstrap(settings())
    jobs = work(2 * args.commands + 100, 11, runtime)
    print(f"commands: {args.commands} assignments per side, {args.clients} clients/threads  [{load()}]")
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
    runtime.catchup.run_until_caught_up()
    runtime.close()


if __name__ == "__main__":
    main()
