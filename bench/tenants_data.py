"""The data set of bench/tenants.py: an installation schema (`bench_tenants`) with municipalities
`k001`.., each of ~300 systems, written in process through the municipality's own Runtime in
batches, as bench/generate.py writes one (bench/history.py's simulation, `Portfolio.save`).
Kept between runs; a municipality whose views are empty is filled again."""

from __future__ import annotations

import time

from bench.common import drop_schema, load
from bench.history import Simulation
from domain.clock import SystemClock
from infra.settings import Settings

BATCH = 5_000


def _filled(config: Settings, schema: str) -> bool:
    import psycopg
    from psycopg import errors, sql

    with psycopg.connect(config.database.dsn, autocommit=True) as conn:
        try:
            return bool(conn.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {}.systems)").format(sql.Identifier(schema))).fetchone()[0])
        except errors.UndefinedTable:
            return False


def _drop(config: Settings) -> None:
    import psycopg
    from psycopg import sql

    from infra.tenants import TenantRegistry

    registry = TenantRegistry(config.database, SystemClock())
    registry.setup()
    with psycopg.connect(config.database.dsn, autocommit=True) as conn:
        for tenant in registry.list(removed=True):
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(tenant.schema)))
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(config.database.schema)))


def _fill(config: Settings, seed: int, systems: int, events: int) -> int:
    """Fill the municipality that `config` names (one of many, or an installation of one)."""
    import psycopg
    from psycopg import sql

    from ansvar.bootstrap import bootstrap
    from domain.record_time import recording_with
    from projections.catchup import REBUILD_BATCH

    runtime = bootstrap(config)
    schema = config.database.schema
    sim = Simulation(seed, 1, systems, events, SystemClock().today())
    pending = written = 0
    with recording_with(sim.clock):
        for when, _, kind, subject in sim.schedule():
            sim.at(when)
            sim.run(kind, subject)
            pending += 1
            if pending >= BATCH:
                written += len(runtime.portfolio.save(*sim.drain(), people=sim.drain_details()))
                pending = 0
        if aggregates := sim.drain():
            written += len(runtime.portfolio.save(*aggregates, people=sim.drain_details()))
    runtime.catchup.run_until_caught_up(batch=REBUILD_BATCH)
    runtime.close()
    with psycopg.connect(config.database.dsn, autocommit=True) as conn:
        tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)).fetchall()
        for (table,) in tables:  # statistics, as autovacuum would set them soon after
            conn.execute(sql.SQL("VACUUM ANALYZE {}.{}").format(sql.Identifier(schema), sql.Identifier(table)))
    return written


def one_municipality(config: Settings) -> Settings:
    """The baseline: an installation of one municipality (no tenancy), in a schema of its own."""
    from dataclasses import replace

    from infra.settings import Tenancy

    return replace(config, database=replace(config.database, schema=config.database.schema + "_one"), tenancy=Tenancy())


def ensure(config: Settings, slugs: list[str], systems: int, events: int, regenerate: bool) -> None:
    from infra.tenants import TenantRegistry, settings_for

    one = one_municipality(config)
    if regenerate:
        _drop(config)
        drop_schema(one.database)
    if not _filled(one, one.database.schema):
        _fill(one, 1, systems, events)  # the same simulation as k001's
    registry = TenantRegistry(config.database, SystemClock())
    registry.setup()
    started, made, written = time.perf_counter(), 0, 0
    for i, slug in enumerate(slugs, start=1):
        tenant = registry.get(slug, fresh=True) or registry.add(slug, f"Bench Kommune {i}")
        if _filled(config, tenant.schema):
            continue
        written += _fill(settings_for(config, tenant), i, systems, events)
        made += 1
        if made % 10 == 0:
            took = time.perf_counter() - started
            print(f"  {made} municipalities filled, {written:,} events, {took:.0f} s", flush=True)
    if made:
        took = time.perf_counter() - started
        print(f"filled {made} municipalities: {written:,} events in {took:.0f} s  [{load()}]", flush=True)


def samples(config: Settings, schemas: dict[str, str], per: int = 40) -> dict[str, list[tuple[str, str]]]:
    """(system id, a person still employed) pairs of each municipality (name -> its schema), read from its views."""
    import random

    import psycopg
    from psycopg import sql

    rng = random.Random(29)
    found: dict[str, list[tuple[str, str]]] = {}
    with psycopg.connect(config.database.dsn, autocommit=True) as conn:
        for slug, name in schemas.items():
            schema = sql.Identifier(name)
            systems = [str(r[0]) for r in conn.execute(sql.SQL("SELECT id FROM {}.systems").format(schema))]
            people = [str(r[0]) for r in conn.execute(sql.SQL("SELECT id FROM {}.people WHERE departed_on IS NULL").format(schema))]
            found[slug] = [(rng.choice(systems), rng.choice(people)) for _ in range(per)]
    return found
