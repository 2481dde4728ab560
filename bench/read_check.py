"""Benchmark 3b: what the rebuild's read check costs the rebuilding process, with the leaves
recomputed in it (as before) and in a process beside it (a rebuild of a long log now).

The log is read in the rebuild's pages (projections.catchup.REBUILD_BATCH); each page is checked
both ways in turn, so a machine that slows down slows both. Between starting a check and ending it
the process sleeps, as it would apply the page to the views meanwhile. Printed: this process's
CPU for the check over the whole log, each way, and the wall time of ending it (waiting for the
worker, where there is one).

    .venv/bin/python -m bench.read_check [--pages N]
"""

from __future__ import annotations

import argparse
import time

from ansvar.bootstrap import bootstrap
from bench.common import line, load, settings
from infra.log_proofs import LogProofs
from infra.log_read_check import ReadCheck
from projections.catchup import REBUILD_BATCH

APPLYING = 0.05  # seconds "applying" each page: a rebuild's views take ~0.4 s for 5,000 events


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--pages", type=int, default=0, help="pages of the log to read (0: all)")
    args = p.parse_args()
    runtime = bootstrap(settings())
    proofs = LogProofs(runtime.portfolio.recorder)
    recorder = runtime.portfolio.recorder
    print(f"read check: {runtime.catchup.head():,} events in the log  [{load()}]")
    checks = {"here": ReadCheck(proofs), "beside": ReadCheck(proofs, workers=1)}
    cpu = dict.fromkeys(checks, 0.0)
    ending = dict.fromkeys(checks, 0.0)
    start, pages, events = 1, 0, 0
    try:
        while not args.pages or pages < args.pages:
            page = recorder.select_notifications(start, REBUILD_BATCH)
            if not page:
                break
            for name, check in (checks.items() if pages % 2 else reversed(checks.items())):
                began = time.process_time()
                end = check.begin(start, page)
                cpu[name] += time.process_time() - began
                time.sleep(APPLYING)
                began, waited = time.process_time(), time.perf_counter()
                end()
                cpu[name] += time.process_time() - began
                ending[name] += time.perf_counter() - waited
            start, pages, events = page[-1].id + 1, pages + 1, events + len(page)
    finally:
        for check in checks.values():
            check.close()
    per_million = 1_000_000 / max(events, 1)
    line(f"3b read check, {events:,} events ({pages} pages)",
         f"beside: {cpu['beside']:.1f} s CPU here ({cpu['beside'] * per_million:.1f} s per 1M events)",
         f"here: {cpu['here']:.1f} s CPU ({cpu['here'] * per_million:.1f} s per 1M)",
         f"{1 - cpu['beside'] / cpu['here']:.0%} less of the rebuilding process's CPU")
    print(f"   waiting to end a page's check: beside {ending['beside'] * 1000 / max(pages, 1):.1f} ms a page,"
          f" here {ending['here'] * 1000 / max(pages, 1):.1f} ms  [{load()}]")
    runtime.close()


if __name__ == "__main__":
    main()
