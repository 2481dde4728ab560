"""Benchmark 9: a municipality's KITOS sync against the stand-in KITOS (tests/kitos_standin.py),
on the embedded default (a SQLite file in a temporary folder), as a municipality runs it.

    .venv/bin/python -m bench.kitos [--usages 300]

9a  the first sync with --apply: fetching (org units, usages in pages of 250, users), planning
    against the register, writing it all; target <= 10 s. Baseline: fetching alone.
9b  a second sync of the unchanged KITOS, since the last (nothing to write); target <= 3 s.
9c  the same, reading everything again (--since long ago): every usage compared, nothing written.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import anyio

from ansvar.bootstrap import bootstrap
from bench.common import line, load
from infra.kitos import KitosClient
from infra.settings import Database, KitosAccount, Settings
from tests.contract import test_kitos_sync as town
from tests.kitos_standin import StandIn
from usecases import kitos_sync


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--usages", type=int, default=300)
    args = p.parse_args()
    town.USAGES = args.usages
    kitos = StandIn()
    town.municipality(kitos)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database=Database.from_url(f"sqlite:///{Path(folder) / 'ansvar.db'}"), log_level="warning",
                            kitos=KitosAccount(kitos.url, kitos.email, kitos.password))
        runtime = bootstrap(settings)
        try:
            print(f"KITOS sync of {args.usages} usages, {len(kitos.units[town.ORG])} org units, "
                  f"{len(kitos.users[town.ORG])} users  [{load()}]")
            client = KitosClient(kitos.url, kitos.email, kitos.password)
            started = time.perf_counter()
            kitos_sync.fetch(client, town.ORG, None)
            fetch_s = time.perf_counter() - started

            async def sync(since: datetime | None = None) -> dict:
                try:
                    return await kitos_sync.sync(runtime, town.ORG, apply=True, since=since)
                finally:
                    await runtime.reads.reader.close()

            started = time.perf_counter()
            first = anyio.run(sync)
            first_s = time.perf_counter() - started
            line("9a first sync, applied", f"{first_s:.2f} s ({first['systems']['to_create']} systems,"
                 f" {first['facts']['assignments']} assignments)", f"fetching alone {fetch_s:.2f} s",
                 f"target 10 s: {'met' if first_s <= 10 else 'MISSED'}")
            runtime.catchup.run_until_caught_up()
            started = time.perf_counter()
            second = anyio.run(sync)
            second_s = time.perf_counter() - started
            line("9b unchanged re-sync", f"{second_s:.2f} s ({second['usages_read']} usages read, nothing written:"
                 f" {not second['applied']})", "", f"target 3 s: {'met' if second_s <= 3 else 'MISSED'}")
            started = time.perf_counter()
            third = anyio.run(sync, datetime(2000, 1, 1, tzinfo=timezone.utc))
            third_s = time.perf_counter() - started
            line("9c unchanged full re-sync", f"{third_s:.2f} s ({third['usages_read']} usages read, nothing written:"
                 f" {not third['applied']})", "", f"target 3 s: {'met' if third_s <= 3 else 'MISSED'}")
            print(f"[{load()}]")
        finally:
            runtime.close()
            kitos.close()


if __name__ == "__main__":
    main()
