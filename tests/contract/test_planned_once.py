"""`fetch_planned_once` runs its statement on PostgreSQL's generic plan, and every other read keeps
PostgreSQL's own choice: the setting is a connection's, so it must not leak from one to the other.
The one-system answer (`grounds`) is read this way: planned per call it spent more time being
planned than being run."""

from __future__ import annotations

import asyncio

import pytest

from infra.database import PostgresReader
from infra.shared_pools import SharedPools, TenantReader
from tests.conftest import drop_schema, make_database

MODE = "SELECT current_setting('plan_cache_mode') AS mode"


@pytest.fixture
def db(tmp_path):
    database = make_database("postgres", tmp_path)
    yield database
    drop_schema(database)


async def modes(reader) -> list[str]:
    """The plan mode seen by reads of each kind, several times over and at once, so that reads
    of both kinds share whatever connections there are."""
    asked = [reader.fetch_planned_once(MODE) if n % 2 else reader.fetch(MODE) for n in range(12)]
    return [rows[0]["mode"] for rows in await asyncio.gather(*asked)] + [(await reader.fetchrow(MODE))["mode"]]


def test_the_generic_plan_only_where_asked_for_on_the_schemas_own_reader(db) -> None:
    async def run() -> list[str]:
        reader = PostgresReader(db, 2)
        try:
            return await modes(reader)
        finally:
            await reader.close()

    seen = asyncio.run(run())
    assert seen == ["auto", "force_generic_plan"] * 6 + ["auto"]


def test_the_generic_plan_only_where_asked_for_on_the_shared_connections(db) -> None:
    pools = SharedPools(db, 2)

    async def run() -> list[str]:
        try:
            return await modes(TenantReader(pools, db.schema))
        finally:
            await pools.aclose()

    try:
        seen = asyncio.run(run())
    finally:
        pools.close()
    assert seen == ["auto", "force_generic_plan"] * 6 + ["auto"]
