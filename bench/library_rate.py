"""The eventsourcing library's own command rate, as benchmark 4's baseline: a bare `Application`
on the same PostgreSQL, in a schema of its own (`<bench schema>_library`), with the library's
own recorder and defaults (no cache, no snapshots), and an aggregate of the shape a system has on
the national data set (~30 events). A command is what the library's examples do: get the
aggregate (a replay of its events), trigger one event, save it.

The schema is made once (`--events-per-aggregate` events on each of `--aggregates` aggregates)
and kept; the aggregates grow by one event a command, so after many runs it is made again.
"""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from infra.settings import Database


class Counter(Aggregate):
    """About a system event's size: an amount and a few words, like an assignment's fields."""

    TOPIC = "bench.library.counter"

    class Event(Aggregate.Event):
        pass

    class Created(Event, Aggregate.Created):
        TOPIC = "bench.library.counter.created"

    class Counted(Event):
        TOPIC = "bench.library.counter.counted"
        role: str
        person_id: str
        effective_from: str
        basis: str | None

    @event(Created)
    def __init__(self) -> None:
        self.count = 0
        self.people: list[str] = []

    @event(Counted)
    def count_one(self, role: str, person_id: str, effective_from: str, basis: str | None) -> None:
        self.count += 1
        self.people.append(person_id)


class Library(Application[UUID]):
    name = "library_bench"


def library_app(db: Database, pool_size: int) -> Library:
    schema = db.schema + "_library"
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    host, port = db.servers[0]
    return Library({
        "PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": db.name, "POSTGRES_HOST": host,
        "POSTGRES_PORT": str(port), "POSTGRES_USER": db.user, "POSTGRES_PASSWORD": db.password or "",
        "POSTGRES_SCHEMA": schema, "POSTGRES_POOL_SIZE": str(pool_size), "POSTGRES_MAX_OVERFLOW": str(pool_size),
        "POSTGRES_LOCK_TIMEOUT": "5", "CREATE_TABLE": "y",
    })


def aggregates(app: Library, count: int, events_each: int) -> list[UUID]:
    """`count` aggregates of about `events_each` events: those already there, or made anew."""
    with app.recorder.datastore.transaction(commit=False) as curs:  # type: ignore[attr-defined]
        table = f'"{app.recorder.datastore.schema}"."{app.recorder.events_table_name}"'  # type: ignore[attr-defined]
        curs.execute(f"SELECT originator_id, max(originator_version) AS v FROM {table} GROUP BY originator_id")
        found = {r["originator_id"]: r["v"] for r in curs.fetchall()}
    fitting = [UUID(str(k)) for k, v in found.items() if events_each <= v <= events_each * 1.3]
    if len(fitting) >= count:
        return fitting[:count]
    made: list[UUID] = []
    for _ in range(0, count, 100):
        batch = [Counter() for _ in range(100)]
        for a in batch:
            for i in range(events_each - 1):
                a.count_one("kontraktejer", str(a.id), "2026-01-01", f"bench {i}")
        app.save(*batch)
        made += [a.id for a in batch]
    return made


def run(app: Library, ids: list[UUID], commands: int, threads: int, seed: int) -> tuple[float, list[float]]:
    rng = random.Random(seed)
    jobs = [rng.choice(ids) for _ in range(commands)]
    latencies: list[float] = []

    def one(aggregate_id: UUID) -> None:
        started = time.perf_counter()
        for _ in range(5):  # as ansvar's commands: a lost race is run again on the fresh state
            counter = app.repository.get(aggregate_id)
            counter.count_one("kontraktejer", str(aggregate_id), "2026-12-07", "bench")
            try:
                app.save(counter)
                break
            except Exception:  # noqa: BLE001 - the library's IntegrityError: another thread won the race
                continue
        latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, jobs))
    return time.perf_counter() - started, latencies
