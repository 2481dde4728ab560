"""Benchmark 2: the gap report over every system, against computing it from the facts.

    .venv/bin/python -m bench.gaps [--requests 100]

Figure: GET /responsibility-gaps?at=D (the first page, 1,000 items, most severe first) and the
whole report paged through. Baseline, same run: what the report costs without the projection,
i.e. loading every system's history and running the gap rules (domain/gaps.py) over it."""

from __future__ import annotations

import argparse
import json
import random
from datetime import date, timedelta

from ansvar.bootstrap import bootstrap
from bench.common import line, load, pct, settings, summary, timed
from bench.server import Client, api, headers
from domain import gaps as rules
from projections.gaps_view import load_histories


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--requests", type=int, default=100)
    p.add_argument("--seed", type=int, default=5)
    args = p.parse_args()
    rng = random.Random(args.seed)
    config = settings()
    runtime = bootstrap(config)
    with runtime.db.transaction(write=False) as cur:
        cur.execute("SELECT id FROM systems")
        systems = [r["id"] for r in cur.fetchall()]
        cur.execute("SELECT COUNT(*) AS n FROM responsibility_gaps")
        stored = cur.fetchone()["n"]
    print(f"gaps: {len(systems):,} systems, {stored:,} stored gap periods  [{load()}]")
    today = runtime.clock.today()
    days = [(today - timedelta(days=rng.randint(0, 3000))).isoformat() for _ in range(args.requests + 3)]
    with api(run_projections=False) as base:
        http = Client(base, headers())
        first, sizes = [], []
        for i, d in enumerate(days):
            ms, body = timed(lambda: http.get("/responsibility-gaps", {"at": d}))
            if i >= 3:
                first.append(ms)
                sizes.append(len(json.loads(body)["items"]))
        whole, items = [], 0
        for d in days[:5]:
            def everything() -> int:
                count, cursor = 0, None
                while True:
                    body = http.get_json("/responsibility-gaps", {"at": d, "limit": 10_000, **({"cursor": cursor} if cursor else {})})
                    count += len(body["items"])
                    cursor = body["next_cursor"]
                    if not cursor:
                        return count
            ms, items = timed(everything)
            whole.append(ms)
        http.close()

    def from_facts() -> int:
        found = 0
        with runtime.db.transaction(write=False) as cur:
            for start in range(0, len(systems), 500):
                histories, directory = load_histories(cur, systems[start:start + 500])
                for h in histories:
                    found += len(rules.gaps_at(rules.find_gaps(h, directory, config.gap_policy), date.fromisoformat(days[-1])))
        return found
    ms_rules, found = timed(from_facts)
    line(f"2a gap report, first page ({sum(sizes) // len(sizes)} items)", summary(first),
         f"rules over every history: {ms_rules:,.0f} ms", f"{ms_rules / pct(first, 50):,.0f}x; target 100 ms "
         f"{'met' if pct(first, 99) <= 100 else 'MISSED'} (p99)")
    line(f"2b whole gap report ({items:,} items, pages of 10,000)", summary(whole), "", f"{ms_rules / pct(whole, 50):,.0f}x")
    print(f"[{load()}]")
    runtime.close()


if __name__ == "__main__":
    main()
