"""The sweep built in process, without HTTP: the query (asyncpg, as the API's reader runs it), the
items and their encoding, each timed, with this process's CPU beside the wall clock (on a shared
machine the wall clock is mostly waiting for a CPU).

    ANSVAR_DATABASE_URL=...?schema=NAME .venv/bin/python -m bench.sweep_build [--sweeps 7] [--role systemejer|all]

It asks for every system at the last recorded instant and the latest effective date, as
`GET /accountability?role=...&limit=50000` builds it (the collector tuned as `ansvar serve` tunes
it), and prints one JSON line: p50s and the answer's sha256, so two versions of the code can be
run alternately against one data set and their answers compared byte for byte.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import time

import msgspec

from ansvar.gc_tuning import tune_gc_for_service
from api.audit import sweep_items
from bench.common import load, pct, settings
from infra.database import PostgresReader
from projections.accountability_view import AccountabilityQueries

LIMIT = 50_000


async def sweep(args: argparse.Namespace) -> dict:
    reader = PostgresReader(settings().database, 2)
    queries, encoder = AccountabilityQueries(reader), msgspec.json.Encoder()
    last = await reader.fetchrow("SELECT MAX(recorded_at) AS k, MAX(effective_from) AS d FROM responsibility_facts")
    role = None if args.role == "all" else args.role
    tune_gc_for_service()
    wall, cpu, query, query_cpu, items_cpu, encode_cpu, body = [], [], [], [], [], [], b""
    for n in range(args.sweeps + 2):  # the first two prepare the statement and warm the caches
        w0, c0 = time.perf_counter(), time.process_time()
        rows = await queries.sweep(last["d"], last["k"], role, LIMIT + 1, None)
        w1, c1 = time.perf_counter(), time.process_time()
        items, _ = sweep_items(rows, LIMIT)
        c2 = time.process_time()
        body = encoder.encode(items)
        w3, c3 = time.perf_counter(), time.process_time()
        if n >= 2:
            wall.append((w3 - w0) * 1000)
            cpu.append((c3 - c0) * 1000)
            query.append((w1 - w0) * 1000)
            query_cpu.append((c1 - c0) * 1000)
            items_cpu.append((c2 - c1) * 1000)
            encode_cpu.append((c3 - c2) * 1000)
        del rows, items
    await reader.close()
    return {
        "sweep_ms_p50": round(pct(wall, 50), 1), "cpu_ms_p50": round(pct(cpu, 50), 1),
        "query_ms_p50": round(pct(query, 50), 1), "query_cpu_ms_p50": round(pct(query_cpu, 50), 1),
        "items_cpu_ms_p50": round(pct(items_cpu, 50), 1), "encode_cpu_ms_p50": round(pct(encode_cpu, 50), 1),
        "bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()[:16], "load": load(),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sweeps", type=int, default=7)
    p.add_argument("--role", default="systemejer", help="a role, or 'all'")
    print(json.dumps(asyncio.run(sweep(p.parse_args()))))


if __name__ == "__main__":
    main()
