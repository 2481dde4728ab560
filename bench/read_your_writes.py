"""Benchmark 5: read-your-writes on PostgreSQL, the time from a command's response to its
effect being visible in the view.

    .venv/bin/python -m bench.read_your_writes [--commands 300]

The API runs with its projection worker (woken by the application and by LISTEN/NOTIFY).
(a) after each POST /systems/{id}/assignments answers, poll the view's table directly
    (asyncpg, back to back) until the fact at the returned position is there;
(b) what a client sees: the GET /systems/{id}/accountability?after=<position> that follows the
    command, which waits server-side until the views include the position, then answers.
Baseline, same run: the same GET without `after` (no waiting: the cost of the read alone)."""

from __future__ import annotations

import argparse
import asyncio
import random
import time

import httpx

from ansvar.bootstrap import bootstrap
from bench.commands import work
from bench.common import line, load, pct, settings, summary
from bench.server import api, headers
from domain.clock import SystemClock
from domain.vocabulary import Role


async def measure(base: str, jobs: list[tuple[str, str]], db) -> tuple[list[float], list[float], list[float], int]:
    import asyncpg

    conn = await asyncpg.connect(host=db.host, port=db.port, user=db.user, database=db.name,
                                 server_settings={"search_path": db.schema})
    today = SystemClock().today().isoformat()
    rng = random.Random(5)
    visible, with_after, plain, wrong = [], [], [], 0
    async with httpx.AsyncClient(base_url=base, timeout=30, headers=headers()) as http:
        for i, (system_id, person_id) in enumerate(jobs):
            role = rng.choice(list(Role))
            r = await http.post(f"/systems/{system_id}/assignments",
                                json={"role": role, "person_id": person_id, "effective_from": today, "basis": "bench"})
            answered = time.perf_counter()
            position = r.json()["position"]
            while not await conn.fetchval("SELECT 1 FROM responsibility_facts WHERE position = $1", position):
                pass
            visible.append((time.perf_counter() - answered) * 1000)
            if i % 2:  # alternate, so (b) always follows a fresh command
                continue
            r = await http.post(f"/systems/{system_id}/assignments",
                                json={"role": role, "person_id": person_id, "effective_from": today, "basis": "bench"})
            started = time.perf_counter()
            body = (await http.get(f"/systems/{system_id}/accountability",
                                   params={"at": today, "after": r.json()["position"]})).json()
            with_after.append((time.perf_counter() - started) * 1000)
            wrong += {h["role"]: h["person_id"] for h in body["holders"]}.get(role) != person_id
            started = time.perf_counter()
            await http.get(f"/systems/{system_id}/accountability", params={"at": today})
            plain.append((time.perf_counter() - started) * 1000)
    await conn.close()
    return visible, with_after, plain, wrong


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--commands", type=int, default=300)
    args = p.parse_args()
    config = settings()
    runtime = bootstrap(config)
    jobs = work(args.commands, 17, runtime)
    runtime.close()
    print(f"read-your-writes: {args.commands} commands, one client  [{load()}]")
    with api(run_projections=True) as base:
        asyncio.run(measure(base, jobs[:20], config.database))
        visible, with_after, plain, wrong = asyncio.run(measure(base, jobs[20:], config.database))
    line("5a command answered -> fact in the view", summary(visible), "",
         f"target p99 50 ms: {'met' if pct(visible, 99) <= 50 else 'MISSED'}")
    line("5b GET ?after=position right after", summary(with_after), "same GET, no after: " + summary(plain),
         f"{wrong} reads missed their write")
    print(f"[{load()}]")


if __name__ == "__main__":
    main()
