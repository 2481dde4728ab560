"""Benchmark 13: many municipalities in one installation (ANSVAR_TENANCY=schemas, issue 29 part 4).

    .venv/bin/python -m bench.tenants [--tenants 100] [--systems 300] [--events 3000] [--regenerate]

Setup (kept between runs; --regenerate drops it): the installation schema `bench_tenants` with
--tenants municipalities `k001`.., each filled in process through its own Runtime as
bench/generate.py fills one (bench/history.py's simulation, `Portfolio.save` in batches, views
caught up, VACUUM ANALYZE). Then the real server (`ansvar serve`, a child process) is measured:
(a) start-up to /health and to the first answered read; (b) one-system accountability reads in
municipalities already open, and the first read of a closed one (it is opened: the cold cost);
(c) read-your-writes in one municipality while another's views are rebuilt by
`ansvar --tenant B projections rebuild` in a loop in another process, beside the same without;
(d) the server's connections in pg_stat_activity after every municipality was touched; (e) its
resident memory, and again after the idle sweep. Baselines: /health on the same connection,
reads in an open municipality beside the cold ones, read-your-writes without the rebuild."""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import timedelta
from uuid import uuid4

from bench.common import check_own_schema, line, load, pct, summary
from bench.server import SECRET, Client
from bench.tenants_server import Server, child_env, connections, cpu_s, rss_kb, status
from domain.clock import SystemClock
from infra.settings import Settings, Tenancy

URL = "postgresql://postgres@127.0.0.1:5432/test?schema=bench_tenants"


def installation() -> Settings:
    env = {**os.environ, "ANSVAR_LOG_LEVEL": "warning"}
    env["ANSVAR_DATABASE_URL"] = os.environ.get("ANSVAR_TENANTS_URL", URL)
    base = Settings.from_env(env)
    check_own_schema(base.database)
    return replace(base, tenancy=Tenancy(enabled=True))


def slugs(n: int) -> list[str]:
    return [f"k{i:03d}" for i in range(1, n + 1)]


def token(slug: str) -> dict[str, str]:
    from infra.tokens import issue

    signed = issue(SECRET, uuid4(), ("council",), ttl=timedelta(hours=8), now=SystemClock().now(), tenant=slug)
    return {"Authorization": f"Bearer {signed}"}


def read(http: Client, tokens: dict[str, dict[str, str]], slug: str, system: str, today: str) -> float:
    http.headers = tokens[slug]
    started = time.perf_counter()
    http.get(f"/systems/{system}/accountability", {"at": today})
    return (time.perf_counter() - started) * 1000


def read_your_writes(base: str, token_a: dict[str, str], jobs: list[tuple[str, str]], today: str) -> tuple[list[float], list[float], int]:
    import httpx

    after, whole, wrong = [], [], 0
    with httpx.Client(base_url=base, timeout=60, headers=token_a) as http:
        for i, (system_id, person_id) in enumerate(jobs):
            role = ("kontraktejer", "systemejer")[i % 2]
            started = time.perf_counter()
            r = http.post(f"/systems/{system_id}/assignments",
                          json={"role": role, "person_id": person_id, "effective_from": today, "basis": "bench"})
            r.raise_for_status()
            answered = time.perf_counter()
            body = http.get(f"/systems/{system_id}/accountability", params={"at": today, "after": r.json()["position"]})
            body.raise_for_status()
            done = time.perf_counter()
            after.append((done - answered) * 1000)
            whole.append((done - started) * 1000)
            wrong += {h["role"]: h["person_id"] for h in body.json()["holders"]}.get(role) != person_id
    return after, whole, wrong


def rebuild_loop(config: Settings, slug: str, stop: threading.Event, done: list[float]) -> None:
    """`ansvar --tenant SLUG projections rebuild` again and again, in processes of their own, until stopped."""
    while not stop.is_set():
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "ansvar.cli", "--tenant", slug, "projections", "rebuild"],
                       env=child_env(config), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        done.append(time.perf_counter() - started)


def main() -> None:
    from bench.tenants_data import ensure, one_municipality, samples
    from infra.tenants import schema_for

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tenants", type=int, default=100)
    p.add_argument("--systems", type=int, default=300)
    p.add_argument("--events", type=int, default=3000, help="events per municipality")
    p.add_argument("--regenerate", action="store_true")
    p.add_argument("--pool", type=int, default=10, help="ANSVAR_DB_POOL_SIZE of the server")
    p.add_argument("--open", type=int, default=32, help="ANSVAR_TENANTS_OPEN of the server")
    p.add_argument("--reads", type=int, default=2000)
    p.add_argument("--writes", type=int, default=300)
    p.add_argument("--idle", type=int, default=20, help="ANSVAR_TENANT_IDLE_SECONDS of the server")
    args = p.parse_args()
    config = installation()
    one = one_municipality(config)
    names = slugs(args.tenants)
    ensure(config, names, args.systems, args.events, args.regenerate)
    ids = samples(config, {**{slug: schema_for(slug) for slug in names}, "one": one.database.schema})
    tokens = {slug: token(slug) for slug in names}
    tokens["one"] = {"Authorization": f"Bearer {_plain_token()}"}
    today = SystemClock().today().isoformat()
    rng = random.Random(13)
    print(f"tenants: {len(names)} municipalities of ~{args.systems} systems, pool {args.pool}, open {args.open},"
          f" idle {args.idle} s  [{load()}]", flush=True)

    server = Server(config, ANSVAR_DB_POOL_SIZE=str(args.pool), ANSVAR_TENANTS_OPEN=str(args.open),
                    ANSVAR_TENANT_IDLE_SECONDS=str(args.idle))
    alone = None
    try:
        pid = server.proc.pid
        rss_start, threads_start = rss_kb(pid), status(pid, "Threads")
        http = Client(server.base, tokens[names[0]])
        first = read(http, tokens, names[0], ids[names[0]][0][0], today)
        first_s = time.perf_counter() - server.started
        alone = Server(one, tenancy=False, ANSVAR_DB_POOL_SIZE=str(args.pool))
        plain = Client(alone.base, tokens["one"])
        plain_first = read(plain, tokens, "one", ids["one"][0][0], today)
        plain_first_s = time.perf_counter() - alone.started
        line("13a start-up: /health 200", f"{server.health_s:.2f} s ({server.health_cpu:.2f} s CPU)",
             f"one municipality: {alone.health_s:.2f} s ({alone.health_cpu:.2f} s CPU)",
             f"target 5 s {'met' if server.health_s <= 5 else 'MISSED'}")
        line("13a start-up: first read answered", f"{first_s:.2f} s (the read {first:.0f} ms)",
             f"one municipality: {plain_first_s:.2f} s (the read {plain_first:.0f} ms)",
             f"target 5 s {'met' if first_s <= 5 else 'MISSED'}")

        # (b) the cold cost: the first read of each municipality, which opens it.
        cold = [first] + [read(http, tokens, slug, ids[slug][0][0], today) for slug in names[1:]]
        rss_all, threads = rss_kb(pid), status(pid, "Threads")
        pools, total = connections(config, pid)
        open_after = len(names)
        # Warm: the last `open` touched are open; reads among them (after a round to warm each),
        # each beside the same kind of read on the one-municipality server, in turn.
        warm_set = names[-min(args.open, len(names)):]
        asks = [(s, rng.choice(ids[s])[0]) for s in (rng.choice(warm_set) for _ in range(args.reads))]
        for slug, system in asks[:200]:
            read(http, tokens, slug, system, today)
            read(plain, tokens, "one", rng.choice(ids["one"])[0], today)
        warm, base = [], []
        cpu_before = cpu_s(pid), cpu_s(alone.proc.pid)
        for slug, system in asks:
            warm.append(read(http, tokens, slug, system, today))
            base.append(read(plain, tokens, "one", rng.choice(ids["one"])[0], today))
        cpu_warm, cpu_base = ((cpu_s(p) - c) * 1000 / len(asks) for p, c in zip((pid, alone.proc.pid), cpu_before))
        http.headers = {}
        health = []
        for _ in range(len(asks) // 2):
            started = time.perf_counter()
            http.get("/health")
            health.append((time.perf_counter() - started) * 1000)
        line(f"13b one system, open municipality ({len(warm_set)})", summary(warm), "one municipality: " + summary(base),
             f"target p99 5 ms {'met' if pct(warm, 99) <= 5 else 'MISSED'}")
        line("   the server's CPU per read", f"{cpu_warm:.2f} ms", f"one municipality: {cpu_base:.2f} ms")
        line("   /health, the same server and connection", summary(health))
        line("13b one system, first read of a closed one", summary(cold), "", "(opens it: its Runtime, its worker)")
        anywhere = [(s, rng.choice(ids[s])[0]) for s in (rng.choice(names) for _ in range(args.reads // 2))]
        mixed = [read(http, tokens, slug, system, today) for slug, system in anywhere]
        line(f"13b one system, any of {len(names)} (LRU {args.open})", summary(mixed))

        # (c) read-your-writes in A while B rebuilds, beside A alone and the one-municipality server.
        a, b = warm_set[-1], warm_set[-2]
        jobs = [(rng.choice(ids[a])[0], rng.choice(ids[a])[1]) for _ in range(args.writes)]
        one_jobs = [(rng.choice(ids["one"])[0], rng.choice(ids["one"])[1]) for _ in range(args.writes // 2)]
        read_your_writes(server.base, tokens[a], jobs[:20], today)
        read_your_writes(alone.base, tokens["one"], one_jobs[:20], today)
        quiet, quiet_whole, wrong_quiet = read_your_writes(server.base, tokens[a], jobs[: args.writes // 2], today)
        single, single_whole, _ = read_your_writes(alone.base, tokens["one"], one_jobs, today)
        stop, rebuilt = threading.Event(), []
        rebuilding = threading.Thread(target=rebuild_loop, args=(config, b, stop, rebuilt))
        rebuilding.start()
        time.sleep(2.0)  # the first rebuild under way
        during, during_whole, wrong = read_your_writes(server.base, tokens[a], jobs, today)
        stop.set()
        rebuilding.join()
        line(f"13c GET ?after= in {a}, {b} rebuilding", summary(during), "no rebuild: " + summary(quiet),
             f"target p99 50 ms {'met' if pct(during, 99) <= 50 else 'MISSED'}; {wrong + wrong_quiet} reads missed their write")
        line("13c   command + that GET", summary(during_whole), "no rebuild: " + summary(quiet_whole),
             f"{len(rebuilt)} rebuilds of {b}, {sum(rebuilt) / max(1, len(rebuilt)):.1f} s each")
        line("13c   one-municipality server", "GET ?after= " + summary(single), "command + GET " + summary(single_whole))

        bound = 2 * args.pool + 1
        line(f"13d connections after {open_after} touched", f"shared pools {pools}, the server's {total}",
             f"bound: 2 pools x {args.pool} + 1 LISTEN = {bound}", f"{'met' if total <= bound else 'MISSED'}")
        line("13e resident memory", f"{rss_all / 1024:.0f} MB after {len(names)} touched ({threads} threads, cap {args.open} open)",
             f"{rss_start / 1024:.0f} MB, {threads_start} threads at start-up; one municipality {rss_kb(alone.proc.pid) / 1024:.0f} MB",
             f"{(rss_all - rss_start) / 1024 / len(names):.2f} MB per municipality touched")
        plain.close()
        alone.stop()
        alone = None
        time.sleep(args.idle * 1.5 + 1)
        pools, total = connections(config, pid)
        line(f"13e after {args.idle * 1.5 + 1:.0f} s idle", f"{rss_kb(pid) / 1024:.0f} MB, {status(pid, 'Threads')} threads;"
             f" connections: pools {pools}, the server's {total}")
        http.close()
    finally:
        server.stop()
        if alone is not None:
            alone.stop()
    print(f"[{load()}]")


def _plain_token() -> str:
    from infra.tokens import issue

    return issue(SECRET, uuid4(), ("council",), ttl=timedelta(hours=8), now=SystemClock().now())


if __name__ == "__main__":
    main()
