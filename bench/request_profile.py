"""Where one request's time goes: the API as `ansvar serve` builds it, driven in process through
its ASGI interface (no socket, no HTTP parser), each part of the request path timed on its own.

    .venv/bin/python -m bench.request_profile [--requests 2000] [--path /systems/{id}/accountability]
        [--cprofile FILE]

Prints, per request, the mean and p50 of: the whole ASGI call; the parts the app spends in
(authentication, the guard's look-ups, the queries, the explanation, encoding) measured by
wrapping those functions; and the number of database round trips. Needs a generated data set
(bench/generate.py)."""

from __future__ import annotations

import argparse
import os
import asyncio
import cProfile
import random
import statistics
import time
from collections import defaultdict
from typing import Any

from bench.common import load, pct, settings
from bench.server import SECRET, headers

SPENT: dict[str, list[float]] = defaultdict(list)
CALLS: dict[str, int] = defaultdict(int)


def _timed_async(owner: Any, name: str, label: str) -> None:
    original = getattr(owner, name)

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await original(*args, **kwargs)
        finally:
            SPENT[label].append((time.perf_counter() - started) * 1000)
            CALLS[label] += 1

    setattr(owner, name, wrapper)


def _timed_sync(owner: Any, name: str, label: str) -> None:
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            SPENT[label].append((time.perf_counter() - started) * 1000)
            CALLS[label] += 1

    setattr(owner, name, wrapper)


def instrument() -> None:
    from api import access, explain
    from infra import database, tokens
    from projections import accountability_view, read_side

    _timed_sync(tokens.TokenVerifier, "verify", "auth: token verify")
    _timed_async(access.Rule, "__call__", "guard (incl. its look-ups)")
    _timed_async(read_side.ReadSide, "acting_for", "guard: acting_for")
    _timed_async(read_side.ReadSide, "departed_on", "guard: departed_on")
    _timed_async(database.PostgresReader, "fetch", "db: fetch round trips")
    _timed_async(database.PostgresReader, "fetchrow", "db: fetchrow round trips")
    _timed_async(database.PostgresReader, "fetch_values", "db: fetch_values round trips")
    _timed_async(accountability_view.AccountabilityQueries, "grounds", "query: grounds")
    _timed_async(explain, "accountability", "handler: explain.accountability (incl. grounds)")


async def drive(app: Any, paths: list[str], auth: bytes, cpu: list[float] | None = None,
                user: list[float] | None = None) -> list[float]:
    took = []
    user_before = os.times().user
    for path in paths:
        target, _, query = path.partition("?")
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": target, "raw_path": target.encode(), "query_string": query.encode(), "root_path": "",
            "headers": [(b"host", b"127.0.0.1"), (b"authorization", auth)], "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80), "state": {},
        }
        sent: list[dict] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict) -> None:
            sent.append(message)

        started, used = time.perf_counter(), time.process_time()
        await app(scope, receive, send)
        took.append((time.perf_counter() - started) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - used) * 1000)
        if sent[0]["status"] != 200:
            raise SystemExit(f"{path}: {sent[0]['status']} {sent[1].get('body', b'')[:300]!r}")
    if user is not None:  # user time alone: the kernel's share (socket calls) swings with the machine's load
        user.append((os.times().user - user_before) * 1000 / len(paths))
    return took


async def main_async(args: argparse.Namespace) -> None:

    os.environ["ANSVAR_AUTH_SECRET"] = SECRET
    from ansvar.web import create_app

    config = settings(run_projections=False)
    app = create_app(config, configure_logging=True)
    rng = random.Random(3)
    async with app.lifespan():
        reads = app.state.reads
        rows = await reads.reader.fetch("SELECT id FROM systems")
        ids = [r["id"] for r in rows]
        paths = [args.path.replace("{id}", str(rng.choice(ids))) for _ in range(args.requests)]
        auth = headers(("council", "owner", "auditor"))["Authorization"].encode()  # every route the paths may name
        await drive(app, paths[:300], auth)  # warm: plans, imports
        for _ in range(2):
            cpu: list[float] = []
            user: list[float] = []
            plain = await drive(app, paths, auth, cpu, user)
            print(f"  uninstrumented: wall p50 {pct(plain, 50):6.3f} ms  mean {statistics.fmean(plain):6.3f} ms;"
                  f" this process's CPU per request mean {statistics.fmean(cpu):6.3f} ms (user {user[0]:6.3f} ms)")
        if args.only_plain:
            return
        instrument()
        SPENT.clear()
        CALLS.clear()
        profiler = cProfile.Profile(time.process_time) if args.cprofile else None  # CPU, not the waits
        if profiler:
            profiler.enable()
        whole = await drive(app, paths, auth)
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.cprofile)
    n = len(whole)
    print(f"{args.path}: {n} requests in process  [{load()}]")
    print(f"  {'whole ASGI call':<52} mean {statistics.fmean(whole):6.3f} ms  p50 {pct(whole, 50):6.3f} ms")
    for label, values in SPENT.items():
        print(f"  {label:<52} mean {sum(values) / n:6.3f} ms  p50 {pct(values, 50):6.3f} ms"
              f"  ({CALLS[label] / n:.2f} calls per request)")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--path", default="/systems/{id}/accountability?at=2024-06-01&known_at=2025-01-01")
    p.add_argument("--cprofile", default="")
    p.add_argument("--only-plain", action="store_true")
    asyncio.run(main_async(p.parse_args()))


if __name__ == "__main__":
    main()
