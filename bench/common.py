"""What every benchmark shares: the database it runs on, percentiles, the machine's load."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from infra.settings import Database, Settings

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test?schema=bench"


def settings(**changes: Any) -> Settings:
    """The benchmark's settings: ANSVAR_DATABASE_URL, or the `bench` schema of the local `test` database."""
    env = dict(os.environ)
    env.setdefault("ANSVAR_DATABASE_URL", DEFAULT_URL)
    env.setdefault("ANSVAR_LOG_LEVEL", "warning")
    base = Settings.from_env(env)
    return Settings(**{**base.__dict__, **changes})


def check_own_schema(db: Database) -> None:
    # The benchmarks drop and rebuild things: only ever in a schema of their own.
    if db.kind != "postgres" or not db.schema.startswith("bench"):
        raise SystemExit(f"benchmarks run only on PostgreSQL in a schema named bench*, not {db.kind}:{db.schema}")


def drop_schema(db: Database) -> None:
    import psycopg

    check_own_schema(db)
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{db.schema}" CASCADE')


def cpu_probe_ms() -> float:
    """A fixed pure-Python loop (2 million additions), best of three: how fast a core is right
    now. On a shared virtual machine this moves by 30% or more within the hour, with the load
    average near zero; every figure should be read beside it."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(2_000_000):
            total += i
        best = min(best, (time.perf_counter() - started) * 1000)
    return best


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f} on {os.cpu_count()} CPUs, cpu probe {cpu_probe_ms():.0f} ms"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary(ms: list[float]) -> str:
    return f"p50 {pct(ms, 50):8.2f} ms  p99 {pct(ms, 99):8.2f} ms  mean {statistics.fmean(ms):8.2f} ms  (n={len(ms)})"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return (time.perf_counter() - started) * 1000, result


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    box: list[float] = []
    started = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - started)


def line(label: str, figure: str, baseline: str = "", verdict: str = "") -> None:
    print(f"{label:<44} {figure:<46} {baseline:<46} {verdict}", flush=True)
