"""For random histories (backdated, future-dated, overlapping, vacancies, corrections of
corrections) and random (d, k), the views answer exactly what a small reference fold over the
recorded facts answers, on every backend."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from itertools import count
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from domain.vocabulary import Role
from infra.database import PostgresReader, SqliteReader
from infra.runtime import build
from projections.accountability_view import AccountabilityQueries

ROLES = [Role.SYSTEMEJER, Role.SYSTEMANSVARLIG]
BASE = date(2024, 1, 1)
day_offsets = st.integers(min_value=0, max_value=120)
fact_spec = st.tuples(
    st.sampled_from(ROLES),
    st.one_of(st.none(), st.integers(0, 2)),  # None records a vacancy, else which person
    day_offsets,
    st.one_of(st.none(), st.integers(1, 60)),  # length in days, None = open-ended
)


def reference(facts: list[dict], role: str, at: date, known_at: datetime):
    """The rule of issue 3, written as plainly as possible."""
    best = None
    for f in facts:
        covers = f["from"] <= at and (f["to"] is None or at < f["to"])
        if f["role"] == role and f["recorded_at"] <= known_at and covers:
            if best is None or f["position"] > best["position"]:
                best = f
    return None if best is None else best["person"]


@pytest.fixture
def world(settings, today):
    runtime = build(settings, today=lambda: today)
    app = runtime.portfolio
    kommune = app.establish_org_unit("Kommune", "kommune", None).id
    unit = app.establish_org_unit("Afdeling", "afdeling", kommune).id
    people = [app.register_person(f"P{i}", unit, None, None).id for i in range(3)]
    loop = asyncio.new_event_loop()
    if settings.database.kind == "postgres":
        reader = loop.run_until_complete(PostgresReader.connect(settings.database, 2))
    else:
        reader = SqliteReader(runtime.db)
    yield runtime, unit, people, AccountabilityQueries(reader), loop
    loop.run_until_complete(reader.close())
    loop.close()
    runtime.close()


names = count()


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    specs=st.lists(fact_spec, min_size=1, max_size=10),
    probes=st.lists(st.tuples(st.sampled_from(ROLES), day_offsets, st.integers(0, 12)), min_size=1, max_size=8),
)
def test_accountability_view_equals_the_reference_fold(world, specs, probes):
    runtime, unit, people, queries, loop = world
    app = runtime.portfolio
    system = app.register_system(f"System {next(names)}", None, unit, "high", False, "in_operation", BASE).id
    facts, record_times = [], []
    for role, who, start, length in specs:
        begin = BASE + timedelta(days=start)
        end = begin + timedelta(days=length) if length else None
        if who is None:
            r = app.record_vacancy(system, role, begin, end, "vacant")
        else:
            r = app.assign_role(system, role, people[who], begin, end)
        facts.append({"role": role, "person": None if who is None else people[who], "from": begin, "to": end,
                      "recorded_at": r.recorded_at, "position": r.position})
        record_times.append(r.recorded_at)
    runtime.catchup.run_until_caught_up()
    # Probe record times just before, at, and after each recording.
    moments = [record_times[0] - timedelta(seconds=1)]
    for t in record_times:
        moments += [t, t + timedelta(microseconds=1)]
    for role, offset, k in probes:
        at = BASE + timedelta(days=offset)
        known_at = moments[min(k, len(moments) - 1)]
        rows = loop.run_until_complete(queries.holders(system, at, known_at))
        got = {r["role"]: r["person_id"] for r in rows}.get(role)
        assert got == reference(facts, role, at, known_at), (role, at, known_at)
    # An unknown system is told apart from one with no holders.
    assert loop.run_until_complete(queries.holders_of(uuid4(), BASE, moments[-1])) is None
    assert loop.run_until_complete(queries.holders_of(system, BASE - timedelta(days=1), moments[-1])) == []
    # The sweep answers the same for this system.
    at, known_at = BASE + timedelta(days=probes[0][1]), moments[-1]
    rows = loop.run_until_complete(queries.sweep(at, known_at, None, 100_000, None))
    swept = {role: person for system_id, _, role, person, *_ in rows if system_id == system and role}
    expected = {role: reference(facts, role, at, known_at) for role in ROLES}
    assert swept == {k: v for k, v in expected.items() if v is not None}
