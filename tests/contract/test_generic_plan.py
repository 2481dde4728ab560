"""A read may ask for PostgreSQL's generic plan (one system's `grounds`, planned in more time than it
runs): the setting holds for that read alone and is not left on the pooled connection."""

from __future__ import annotations

import asyncio

from ansvar.bootstrap import bootstrap


def test_a_read_asking_for_the_generic_plan_gets_it_and_the_next_read_does_not(settings, clock):
    runtime = bootstrap(settings, clock)
    reader = runtime.reads.reader
    loop = asyncio.new_event_loop()
    try:
        if reader.dialect != "postgres":
            rows = loop.run_until_complete(reader.fetch("SELECT 1 AS one", generic=True))
            assert rows == [{"one": 1}]  # SQLite has no plan cache to choose in: the flag changes nothing
            return
        mode = "SELECT current_setting('plan_cache_mode') AS mode"
        asked = loop.run_until_complete(reader.fetch(mode, generic=True))
        after = [loop.run_until_complete(reader.fetch(mode)) for _ in range(3)]
        assert asked == [{"mode": "force_generic_plan"}]
        assert after == [[{"mode": "auto"}]] * 3
    finally:
        loop.run_until_complete(reader.close())
        loop.close()
        runtime.close()
