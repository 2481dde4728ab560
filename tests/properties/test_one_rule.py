"""One rule, one place: each business rule is one pure function in domain/, and every other copy
of it (SQL in a view, the aggregate's own answer, the register's pass) answers exactly what the
function answers, for generated histories, on every backend.

- a system's lifecycle at a date: domain/lifecycle.py (`lifecycle_at`, `lifecycle_periods`)
  against the System aggregate replayed from the store and the views' CURRENT_LIFECYCLE SQL;
- who holds a role at (d, k): domain/responsibility.py (`holder_at`) against the views' SQL
  (one system, the sweep, a person's roles; SQLite's window and PostgreSQL's DISTINCT ON), the
  register's `period_at` pass and the aggregate replayed from the store; and its explanation
  (`answer`) against the grounds the views' SQL picks for it.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from itertools import count
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ansvar.bootstrap import bootstrap
from api import explain
from domain.lifecycle import LifecycleChange, lifecycle_at, lifecycle_periods
from domain.responsibility import Fact, answer, holder_at, period_at
from domain.vocabulary import OPERATING, Lifecycle, Role
from tests.story import day

BASE = day("2024-01-01")
ROLES = [Role.SYSTEMEJER, Role.SYSTEMANSVARLIG]
STATES = [s.value for s in Lifecycle]
names = count()
# Few distinct dates, so that changes on the same effective date (corrections) are common.
offsets = st.integers(min_value=0, max_value=6).map(lambda n: n * 10)


@pytest.fixture
def world(settings, clock):
    runtime = bootstrap(settings, clock)
    app = runtime.portfolio
    kommune = app.establish_org_unit("Kommune", "kommune", None).id
    unit = app.establish_org_unit("Afdeling", "afdeling", kommune).id
    people = [app.register_person(f"P{i}", unit, None, None).id for i in range(3)]
    loop = asyncio.new_event_loop()
    yield runtime, unit, people, loop
    loop.run_until_complete(runtime.reads.reader.close())
    loop.close()
    runtime.close()


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=st.sampled_from(STATES), changes=st.lists(st.tuples(st.sampled_from(STATES), offsets), max_size=8),
    probes=st.lists(st.integers(-5, 75), min_size=1, max_size=6),
)
def test_a_systems_lifecycle_reads_the_same_from_the_rule_the_aggregate_and_the_views(world, first, changes, probes):
    runtime, unit, _, loop = world
    app, reads = runtime.portfolio, runtime.reads
    registered = app.register_system(f"System {next(names)}", None, unit, "high", False, first, BASE)
    model = [LifecycleChange(registered.position, first, BASE)]
    for state, offset in changes:
        receipt = app.change_lifecycle(registered.id, state, BASE + timedelta(days=offset))
        model.append(LifecycleChange(receipt.position, state, BASE + timedelta(days=offset)))
    runtime.catchup.run_until_caught_up()
    replayed = app.system(registered.id)
    operating = lifecycle_periods(model, OPERATING)
    days = {BASE + timedelta(days=p) for p in probes} | {c.effective_from for c in model}
    for d in sorted(days | {d - timedelta(days=1) for d in days}):
        expected = lifecycle_at(model, d)
        assert replayed.lifecycle_at(d) == expected, d
        assert loop.run_until_complete(reads.systems.get(registered.id, d))["lifecycle"] == expected, d
        assert (expected in OPERATING) == any(p.covers(d) for p in operating), d


fact_spec = st.tuples(
    st.sampled_from(ROLES),
    st.one_of(st.none(), st.integers(0, 2)),  # None records a vacancy, else which person
    st.integers(0, 120),
    st.one_of(st.none(), st.integers(1, 60)),  # length in days, None = open-ended
)


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    specs=st.lists(fact_spec, min_size=1, max_size=10),
    probes=st.lists(st.tuples(st.sampled_from(ROLES), st.integers(0, 120), st.integers(0, 12)), min_size=1, max_size=8),
)
def test_who_holds_a_role_at_d_as_known_at_k_reads_the_same_from_the_rule_and_every_copy(world, specs, probes):
    runtime, unit, people, loop = world
    app, queries = runtime.portfolio, runtime.reads.accountability
    system = app.register_system(f"System {next(names)}", None, unit, "high", False, "in_operation", BASE).id
    facts: list[Fact] = []
    for role, who, start, length in specs:
        begin = BASE + timedelta(days=start)
        end = begin + timedelta(days=length) if length else None
        if who is None:
            r = app.record_vacancy(system, role, begin, end, "vacant")
        else:
            r = app.assign_role(system, role, people[who], begin, end)
        facts.append(Fact(r.position, r.recorded_at, role, None if who is None else people[who], begin, end))
    runtime.catchup.run_until_caught_up()
    replayed = app.system(system)
    # Record times just before, at, and after each recording.
    moments: list[datetime] = [facts[0].recorded_at - timedelta(seconds=1)]
    for f in facts:
        moments += [f.recorded_at, f.recorded_at + timedelta(microseconds=1)]
    for role, offset, k in probes:
        at, known_at = BASE + timedelta(days=offset), moments[min(k, len(moments) - 1)]
        expected = holder_at(facts, role, at, known_at)
        one = {r["role"]: r["person_id"] for r in loop.run_until_complete(queries.holders(system, at, known_at))}
        assert one.get(role) == expected, ("one system", role, at, known_at)
        swept = loop.run_until_complete(queries.sweep(at, known_at, role, 100_000, None))
        assert {p for s, _, r, p, *_ in swept if s == system and r == role} == ({expected} if expected else set())
        for person in people:
            held = loop.run_until_complete(queries.held_by(person, at, known_at))
            assert any(h["system_id"] == system and h["role"] == role for h in held) == (expected == person)
        resolved = period_at(facts, role, at, known_at)
        assert (resolved.holder if resolved else None) == expected, ("the register's pass", role, at)
        assert replayed.holder(role, at, known_at) == expected, ("the aggregate", role, at, known_at)
        # The explained answer: its grounds (a few facts a role, chosen in SQL) give what the rule
        # gives over every fact, for every role, held or not.
        explained = loop.run_until_complete(explain.accountability(runtime.reads, system, at, known_at))
        for told in explained.roles:
            truth = answer(facts, told.role, at, known_at)
            assert (told.answer, told.fact and told.fact.position) == (truth.kind, truth.fact and truth.fact.position), (
                "the explained answer", told.role, at, known_at)
    # An unknown system is told apart from one with no holders.
    assert loop.run_until_complete(queries.holders_of(uuid4(), BASE, moments[-1])) is None
    assert loop.run_until_complete(queries.holders_of(system, BASE - timedelta(days=1), moments[-1])) == []


def test_the_rule_itself_lets_the_latest_recorded_of_two_same_day_changes_decide():
    on = date(2030, 1, 1)
    changes = [LifecycleChange(1, "in_operation", date(2029, 1, 1)), LifecycleChange(5, "decommissioned", on),
               LifecycleChange(7, "in_operation", on)]
    assert lifecycle_at(changes, on) == "in_operation"
    assert lifecycle_at(list(reversed(changes)), on) == "in_operation"  # the order they come in does not matter
    assert lifecycle_at(changes, on - timedelta(days=1)) == "in_operation"
    assert lifecycle_at(changes, date(2028, 12, 31)) is None


gap_spec = st.tuples(
    st.sampled_from(ROLES), st.one_of(st.none(), st.integers(0, 2)), st.integers(0, 300), st.integers(1, 30),
)


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(gap_spec, min_size=1, max_size=12),
       probes=st.lists(st.tuples(st.integers(-10, 330), st.integers(0, 30)), min_size=1, max_size=6))
def test_the_explained_answer_is_the_rules_answer_where_short_periods_leave_gaps(world, specs, probes):
    """Short periods with gaps between them: most answers are 'not covered' or 'not yet known',
    the ones whose grounds the SQL has to pick among many facts."""
    runtime, unit, people, loop = world
    app = runtime.portfolio
    system = app.register_system(f"System {next(names)}", None, unit, "high", False, "in_operation", BASE).id
    facts: list[Fact] = []
    for role, who, start, length in specs:
        begin, end = BASE + timedelta(days=start), BASE + timedelta(days=start + length)
        r = (app.record_vacancy(system, role, begin, end, "vacant") if who is None
             else app.assign_role(system, role, people[who], begin, end))
        facts.append(Fact(r.position, r.recorded_at, role, None if who is None else people[who], begin, end))
    runtime.catchup.run_until_caught_up()
    moments = [facts[0].recorded_at - timedelta(seconds=1)] + [f.recorded_at for f in facts]
    for offset, k in probes:
        at, known_at = BASE + timedelta(days=offset), moments[min(k, len(moments) - 1)]
        explained = loop.run_until_complete(explain.accountability(runtime.reads, system, at, known_at))
        for told in explained.roles:
            truth = answer(facts, told.role, at, known_at)
            assert (told.answer, told.fact and told.fact.position) == (truth.kind, truth.fact and truth.fact.position)
