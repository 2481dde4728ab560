"""The sweep's rows, page by page, are what the one-system query answers for each system, with the
holders' names: on every backend, for one role and for all, whatever the page size.

The sweep's SQL is shaped for speed on PostgreSQL (the page not materialised, so the facts are
merge-joined in id order; with one role, ordered by the system alone): this holds the shape to
the answer, row order included, against `holders_of`, which reads one system at a time."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from ansvar.bootstrap import bootstrap
from api.audit import sweep_items
from domain.vocabulary import Role
from tests.story import day

BASE = day("2024-01-01")


@pytest.fixture
def swept(settings, clock):
    runtime = bootstrap(settings, clock)
    app = runtime.portfolio
    kommune = app.establish_org_unit("Kommune", "kommune", None).id
    unit = app.establish_org_unit("Afdeling", "afdeling", kommune).id
    people = {name: app.register_person(name, unit, None, None).id for name in ("Anne", "Bo", "Cecilie")}
    systems = [app.register_system(f"System {n}", None, unit, "high", False, "in_operation", BASE).id for n in range(7)]
    owner, responsible = Role.SYSTEMEJER, Role.SYSTEMANSVARLIG
    app.assign_role(systems[0], owner, people["Anne"], BASE, None)
    app.assign_role(systems[0], responsible, people["Bo"], BASE, None)
    app.assign_role(systems[1], owner, people["Bo"], BASE, BASE + timedelta(days=10))  # ended before the day asked
    app.assign_role(systems[2], owner, people["Cecilie"], BASE, None)
    app.assign_role(systems[2], owner, people["Anne"], BASE + timedelta(days=5), None)  # a later fact decides
    app.record_vacancy(systems[3], owner, BASE, None, "vacant")
    app.assign_role(systems[3], responsible, people["Cecilie"], BASE, None)
    app.assign_role(systems[4], responsible, people["Anne"], BASE, None)
    app.assign_role(systems[5], owner, people["Cecilie"], BASE, None)
    # systems[6]: no facts at all
    app.erase_person_details(people["Cecilie"], "request 1 (art. 17)")
    runtime.catchup.run_until_caught_up()
    loop = asyncio.new_event_loop()
    yield runtime, people, loop
    loop.run_until_complete(runtime.reads.reader.close())
    loop.close()
    runtime.close()


@pytest.mark.parametrize("role", [None, Role.SYSTEMEJER])
@pytest.mark.parametrize("limit", [1, 2, 3, 100])
def test_every_page_of_the_sweep_holds_what_each_system_answers_alone(swept, clock, role, limit):
    runtime, people, loop = swept
    queries = runtime.reads.accountability
    at, known_at = BASE + timedelta(days=20), clock.now()
    names = {person_id: name for name, person_id in people.items()}
    pages, after = [], None
    while True:
        rows = loop.run_until_complete(queries.sweep(at, known_at, role, limit + 1, after))
        items, cursor = sweep_items(rows, limit)
        pages.append(items)
        if cursor is None:
            break
        after = items[-1].system_id
    items = [item for page in pages for item in page]
    assert all(0 < len(page) <= limit for page in pages)
    assert [i.system_id for i in items] == sorted(i.system_id for i in items)
    assert len(items) == 7, "every system once, those with no holder too"
    erased = people["Cecilie"]
    for item in items:
        alone = loop.run_until_complete(queries.holders_of(item.system_id, at, known_at))
        expected = [
            (h["role"], h["person_id"], h["effective_from"], h["effective_to"], h["recorded_at"],
             None if h["person_id"] == erased else names[h["person_id"]], h["person_id"] == erased)
            for h in alone if role is None or h["role"] == role
        ]
        got = [(h.role, h.person_id, h.effective_from, h.effective_to, h.recorded_at, h.person_name, h.person_erased)
               for h in item.holders]
        assert got == expected, item.system_name
    held = {item.system_name: [(h.role, h.person_name) for h in item.holders] for item in items}
    assert held["System 2"][0] == (Role.SYSTEMEJER, "Anne")
    assert held["System 1"] == held["System 6"] == []
