"""Benchmark 3: rebuilding every projection from the log, events per second, beside
(a) a raw pipeline over the same events: asyncpg reads pages, msgspec decodes each event,
    COPY writes one row per event, with its tracking position, one transaction per page,
    no domain logic; and
(b) the library's stock ProjectionRunner: one event, one transaction (bench/stock_runner.py),
    run over the first --stock-events events (it is too slow for the whole log).

    .venv/bin/python -m bench.rebuild [--stock-events 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import time

import msgspec

from ansvar.bootstrap import bootstrap
from ansvar.gc_tuning import tune_gc_for_service
from bench import stock_runner
from bench.common import line, load, settings
from projections.catchup import REBUILD_BATCH
from projections.rebuild import rebuild


async def raw_pipeline(db, page: int = 5_000) -> tuple[int, float]:
    import asyncpg

    conn = await asyncpg.connect(host=db.host, port=db.port, user=db.user, database=db.name,
                                 server_settings={"search_path": db.schema})
    await conn.execute("DROP TABLE IF EXISTS raw_rows; DROP TABLE IF EXISTS raw_tracking;"
                       " CREATE TABLE raw_rows (position bigint PRIMARY KEY, originator_id uuid, version bigint,"
                       " topic text, fields int); CREATE TABLE raw_tracking (name text PRIMARY KEY, position bigint);"
                       " INSERT INTO raw_tracking VALUES ('raw', 0)")
    decode = msgspec.json.Decoder()
    started, last, count = time.perf_counter(), 0, 0
    while True:
        rows = await conn.fetch("SELECT notification_id, originator_id, originator_version, topic, state FROM ansvar_events"
                                " WHERE notification_id > $1 ORDER BY notification_id LIMIT $2", last, page)
        if not rows:
            break
        records = [(r[0], r[1], r[2], r[3], len(decode.decode(r[4]))) for r in rows]
        last = rows[-1][0]
        async with conn.transaction():
            await conn.copy_records_to_table("raw_rows", records=records)
            await conn.execute("UPDATE raw_tracking SET position = $1 WHERE name = 'raw'", last)
        count += len(rows)
    took = time.perf_counter() - started
    await conn.execute("DROP TABLE raw_rows; DROP TABLE raw_tracking")
    await conn.close()
    return count, took


def checkpoint(runtime) -> None:
    """Each contender starts with the previous one's writes flushed: a million rows just written
    (the raw pipeline's, the rebuild's) otherwise leave a checkpoint for the next one to pay."""
    with runtime.db.transaction() as cur:
        cur.execute("CHECKPOINT")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--stock-events", type=int, default=20_000)
    args = p.parse_args()
    config = settings()
    runtime = bootstrap(config)
    tune_gc_for_service()  # as `ansvar projections rebuild` does
    head = runtime.catchup.head()
    print(f"rebuild: {head:,} events in the log  [{load()}]")
    checkpoint(runtime)
    count, raw_s = asyncio.run(raw_pipeline(config.database))
    raw_rate = count / raw_s
    line("3- raw pipeline (asyncpg + msgspec + COPY)", f"{count:,} events in {raw_s:.1f} s = {raw_rate:,.0f} ev/s")
    print(f"   [{load()}]")
    checkpoint(runtime)
    started, cpu = time.perf_counter(), time.process_time()
    rebuild(runtime.catchup, None, batch=REBUILD_BATCH)  # as `ansvar projections rebuild` does: new tables, one swap
    ours_s = time.perf_counter() - started
    ours = head / ours_s
    print(f"   ansvar rebuild: {ours_s:.1f} s wall, {time.process_time() - cpu:.1f} s CPU in this process  [{load()}]")
    env = config.eventsourcing_env()
    checkpoint(runtime)
    stock_n, stock_s = stock_runner.run(env, min(args.stock_events, head))
    stock = stock_n / stock_s
    with runtime.db.transaction() as cur:
        cur.execute("DROP TABLE IF EXISTS stock_rows")
        cur.execute("DROP TABLE IF EXISTS stockbench_tracking")
    line("3a rebuild all views (ansvar CatchUp)", f"{head:,} events in {ours_s:.1f} s = {ours:,.0f} ev/s",
         f"raw {raw_rate:,.0f} ev/s; stock runner {stock:,.0f} ev/s ({stock_n:,} ev)",
         f"{ours / raw_rate:.0%} of raw (target 30%: {'met' if ours >= 0.3 * raw_rate else 'MISSED'}); "
         f"{ours / stock:.1f}x stock (target 10x: {'met' if ours >= 10 * stock else 'MISSED'})")
    print(f"[{load()}]")
    runtime.close()


if __name__ == "__main__":
    main()
