"""Benchmark 14: does a request's cost grow with the log? Benchmarks 1 and 4's per-request figures
on a small set and a large one in the same run (issue 30 part 6: the large within 1.2x at p99).

    .venv/bin/python -m bench.log_size --small bench_small [--large SCHEMA] [--rounds 4] [--requests 200] [--commands 200]

`--large` defaults to the schema of ANSVAR_DATABASE_URL (`bench`). Each set gets its own API
(`ansvar serve`, the projection worker off, as benchmarks 1 and 4 run it) and its own runtime in
this process. Each round measures every kind on both sets, one after the other, the set that goes
first alternating, so both see the same machine load; the first round's figures are thrown away
(connections, code paths, statement plans). The kinds, with the same settings on both sets:

  1a  GET /systems/{id}/accountability?at=&known_at= for the set's busiest systems: as benchmark 1,
      those with 200+ facts (the 3 with the most, if fewer have 200)
  1b  the same for any system
  1m  the same for systems with the same number of facts on both sets (drawn on the small set, each
      matched to a large-set system with as many facts): the log's size alone differs
  4a  an assignment (kontraktejer, today) over HTTP from `--clients` concurrent clients, as bench.commands 4a
  4b  the same commands in process on `Portfolio`, `--clients` threads, as bench.commands 4b's ansvar side
  4m  4b on as many systems and people on both sets (the small set's counts, drawn once from the
      large set): the aggregate cache holds them all on both, so the log's size alone differs (on
      4b the large set's 30,000 systems are mostly loaded for the first time, by replaying them)

The commands add events to both sets (3 x rounds x commands each); the sets' sizes are printed first.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import random
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ansvar.bootstrap import bootstrap
from ansvar.gc_tuning import tune_gc_for_service
from bench.commands import in_process, over_http, work
from bench.common import check_own_schema, load, pct, settings, timed
from bench.server import Client, api, headers

KINDS = ("1a", "1b", "1m", "4a", "4b", "4m")
LABELS = {"1a": "one system, the busiest, HTTP", "1b": "one system, any, HTTP", "1m": "one system, facts matched, HTTP",
          "4a": "commands over HTTP", "4b": "commands in process", "4m": "4b, systems and people matched"}


@dataclass
class LogSet:
    """One data set: its runtime, its API, what the requests are drawn from, and the figures."""
    schema: str
    runtime: Any
    url: str = ""
    http: Any = None
    facts: dict[Any, int] = field(default_factory=dict)  # system id -> facts
    span: Any = None
    heavy: list[Any] = field(default_factory=list)  # the busiest systems (1a)
    events: int = 0
    failures: int = 0  # commands over HTTP not answered 201
    ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def busiest(self, heavy: int = 200) -> list[Any]:
        """As benchmark 1: the systems with `heavy`+ facts; the 3 with the most if fewer have."""
        ranked = sorted(self.facts, key=lambda s: (-self.facts[s], str(s)))
        return [s for s in ranked if self.facts[s] >= heavy] if self.facts[ranked[2]] >= heavy else ranked[:3]

    def point(self, rng: random.Random) -> dict[str, str]:
        first, last = self.span["first"], self.span["last"]
        k = first + (last - first) * rng.random() + timedelta(days=30)
        d = (first + (last - first + timedelta(days=700)) * rng.random()).date()
        return {"at": d.isoformat(), "known_at": k.astimezone(timezone.utc).isoformat()}


def with_schema(url: str, schema: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "schema"] + [("schema", schema)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def open_set(schema: str, base_url: str) -> LogSet:
    config = settings()
    config = settings(database=replace(config.database, schema=schema))
    check_own_schema(config.database)
    s = LogSet(schema, bootstrap(config), with_schema(base_url, schema))
    with s.runtime.db.transaction(write=False) as cur:
        cur.execute("SELECT s.id, COUNT(f.system_id) AS n FROM systems s"
                    " LEFT JOIN responsibility_facts f ON f.system_id = s.id GROUP BY s.id")
        s.facts = {r["id"]: r["n"] for r in cur.fetchall()}
        cur.execute("SELECT MIN(recorded_at) AS first, MAX(recorded_at) AS last FROM responsibility_facts")
        s.span = cur.fetchone()
    s.events = s.runtime.catchup.head()
    s.heavy = s.busiest()
    return s


def matched(small: LogSet, large: LogSet, n: int, rng: random.Random) -> tuple[list[Any], list[Any]]:
    """n small-set systems, and for each a large-set system with as many facts (the nearest count)."""
    by_count = sorted((c, str(s), s) for s, c in large.facts.items())
    counts = [c for c, _, _ in by_count]
    ours, theirs = [], []
    for s in rng.choices(sorted(small.facts, key=str), k=n):
        i = bisect.bisect_left(counts, small.facts[s])
        lo, hi = max(0, i - 3), min(len(by_count), i + 3)  # a few of the nearest, so not always the same one
        ours.append(s)
        theirs.append(by_count[rng.randrange(lo, hi) if hi > lo else len(by_count) - 1][2])
    return ours, theirs


def reads(s: LogSet, systems: list[Any], rng: random.Random) -> list[float]:
    asks = [(system, s.point(rng)) for system in systems]
    return [timed(lambda: s.http.get(f"/systems/{system}/accountability", params))[0] for system, params in asks]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--small", default="bench_small", help="the small set's schema (10,000 events)")
    p.add_argument("--large", help="the large set's schema; default ANSVAR_DATABASE_URL's (bench)")
    p.add_argument("--rounds", type=int, default=4, help="rounds, the first one thrown away")
    p.add_argument("--requests", type=int, default=200, help="reads per kind, set and round")
    p.add_argument("--commands", type=int, default=200, help="commands per kind, set and round")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--seed", type=int, default=5)
    args = p.parse_args()
    rng = random.Random(args.seed)
    base = settings().database
    base_url = f"postgresql://{base.user}@{base.host}:{base.port}/{base.name}?schema={base.schema}"
    small, large = open_set(args.small, base_url), open_set(args.large or base.schema, base_url)
    print(f"log size: {small.schema} {small.events:,} events, {len(small.facts):,} systems;"
          f" {large.schema} {large.events:,} events, {len(large.facts):,} systems  [{load()}]")
    for s in (small, large):
        b = s.heavy
        print(f"   {s.schema}: busiest {len(b)} systems, {min(s.facts[x] for x in b)}-{max(s.facts[x] for x in b)} facts;"
              f" any system: median {pct(list(s.facts.values()), 50):.0f} facts")
    jobs = {s.schema: work(args.rounds * args.commands * 2 + 10, 11, s.runtime) for s in (small, large)}
    with small.runtime.db.transaction(write=False) as cur:
        cur.execute("SELECT COUNT(*) AS n FROM people WHERE departed_on IS NULL")
        among = (len(small.facts), cur.fetchone()["n"])
    same = {s.schema: work(args.rounds * args.commands + 10, 12, s.runtime, among) for s in (small, large)}
    tune_gc_for_service()  # 4b and 4m in this process: its collector as the API's (bench/commands.py)
    try:
        with api(run_projections=False, ANSVAR_DATABASE_URL=small.url) as small_base, \
                api(run_projections=False, ANSVAR_DATABASE_URL=large.url) as large_base:
            small.http, large.http = Client(small_base, headers()), Client(large_base, headers())
            for r in range(args.rounds):
                order = (small, large) if r % 2 == 0 else (large, small)
                ours, theirs = matched(small, large, args.requests, rng)
                for kind in KINDS:
                    for s in order:
                        if kind == "1a":
                            ms = reads(s, rng.choices(s.heavy, k=args.requests), rng)
                        elif kind == "1b":
                            ms = reads(s, rng.choices(sorted(s.facts, key=str), k=args.requests), rng)
                        elif kind == "1m":
                            ms = reads(s, ours if s is small else theirs, rng)
                        else:
                            pending = same[s.schema] if kind == "4m" else jobs[s.schema]
                            mine = pending[:args.commands]
                            del pending[:args.commands]
                            if kind == "4a":
                                _, ms, failed = asyncio.run(over_http(small_base if s is small else large_base, mine,
                                                                      args.clients))
                                s.failures += failed
                            else:
                                ms = in_process(s.runtime.portfolio, mine, args.clients)[1]
                        if r > 0:
                            s.ms[kind] += ms
                print(f"   round {r + 1}{' (warm-up, not counted)' if r == 0 else ''} done, {order[0].schema} first"
                      f"  [{load()}]", flush=True)
            small.http.close()
            large.http.close()
        report(small, large)
    finally:
        for s in (small, large):
            s.runtime.catchup.run_until_caught_up()
            s.runtime.close()
    print(f"[{load()}]")


def report(small: LogSet, large: LogSet) -> None:
    print(f"commands over HTTP not answered 201: {small.schema} {small.failures}, {large.schema} {large.failures}")
    print(f"{'':<40} {small.schema + ' p50 / p99 ms':>24} {large.schema + ' p50 / p99 ms':>24}   large/small p50, p99")
    for kind in KINDS:
        a, b = small.ms[kind], large.ms[kind]
        if not a or not b:
            continue
        r50, r99 = pct(b, 50) / pct(a, 50), pct(b, 99) / pct(a, 99)
        print(f"{kind + ' ' + LABELS[kind] + f' (n={len(a)})':<40} {pct(a, 50):>11.2f} / {pct(a, 99):>9.2f}"
              f" {pct(b, 50):>13.2f} / {pct(b, 99):>9.2f}   {r50:.2f}x, {r99:.2f}x"
              f"  (target p99 within 1.2x: {'met' if r99 <= 1.2 else 'MISSED'})", flush=True)


if __name__ == "__main__":
    main()
