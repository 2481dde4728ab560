"""One answer, one rule: the auditor's pack asks the API's questions for a whole chunk of systems at
once (a few queries over the chunk instead of several per system), and what it gets for each system
is what the API answers for that system alone: who holds each role at D as known at K, explained
(GET /systems/{id}/accountability), its facts and attestations as recorded by K, its lifecycle, and
its gaps at D. For generated histories of several systems, on every backend."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from itertools import count

import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ansvar.bootstrap import bootstrap
from api import explain
from api.audit import gap_item
from api.audit_pack import sections as S
from domain.lifecycle import LifecycleChange
from domain.vocabulary import Lifecycle, Role
from projections.event_log import EventLog
from projections.gaps_view import GapsAsKnown

ROLES = [Role.SYSTEMEJER, Role.SYSTEMANSVARLIG, Role.TEKNISK_ANSVARLIG]
STATES = [s.value for s in Lifecycle]
names = count()

fact_spec = st.tuples(
    st.sampled_from(ROLES),
    st.one_of(st.none(), st.integers(0, 2)),  # None records a vacancy, else which person
    st.integers(-400, 60),  # days from the test's today
    st.one_of(st.none(), st.integers(1, 300)),  # length in days, None = open-ended
    st.booleans(),  # the holder attests afterwards
)
system_spec = st.tuples(
    st.lists(fact_spec, max_size=6),
    st.lists(st.tuples(st.sampled_from(STATES), st.integers(-400, 60)), max_size=2),
)


@pytest.fixture
def world(settings, clock):
    runtime = bootstrap(settings, clock)
    app = runtime.portfolio
    kommune = app.establish_org_unit("Kommune", "kommune", None).id
    unit = app.establish_org_unit("Team", "team", kommune).id
    people = [app.register_person(f"P{i}", unit, None, None).id for i in range(3)]
    loop = asyncio.new_event_loop()
    yield runtime, unit, people, loop, clock
    loop.run_until_complete(runtime.reads.reader.close())
    loop.close()
    runtime.close()


@hsettings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
           phases=[Phase.explicit, Phase.reuse, Phase.generate])  # shrinking a history of several systems takes minutes
@given(systems=st.lists(system_spec, min_size=1, max_size=4),
       probes=st.lists(st.tuples(st.integers(-450, 90), st.integers(0, 40)), min_size=1, max_size=4))
def test_the_packs_answers_for_a_chunk_are_the_apis_answers_system_by_system(world, systems, probes):
    runtime, unit, people, loop, clock = world
    app, reads = runtime.portfolio, runtime.reads
    today = clock.today()
    moments: list[datetime] = []
    for facts, changes in systems:
        sid = app.register_system(f"System {next(names)}", None, unit, "critical", False, "in_operation",
                                  today - timedelta(days=500)).id
        for role, who, start, length, attests in facts:
            begin = today + timedelta(days=start)
            end = begin + timedelta(days=length) if length else None
            if who is None:
                r = app.record_vacancy(sid, role, begin, end, "vacant")
            else:
                r = app.assign_role(sid, role, people[who], begin, end)
                if attests and app.system(sid).holder(role, clock.today()) == people[who]:
                    app.attest(sid, role, people[who])
            moments.append(r.recorded_at)
        for state, offset in changes:
            moments.append(app.change_lifecycle(sid, state, today + timedelta(days=offset)).recorded_at)
    runtime.catchup.run_until_caught_up()
    moments = sorted(moments) or [clock.now()]
    changes, criticality = EventLog(app).directory_changes()
    now = clock.now()
    for offset, k in [*probes, (probes[0][0], None)]:  # and as known now
        at = today + timedelta(days=offset)
        known_at = now if k is None else moments[k % len(moments)] + timedelta(microseconds=k % 2)
        q = S.Question(at - timedelta(days=365), at, known_at)
        unclear = GapsAsKnown(reads.reader, known_at, runtime.settings.gap_policy, changes, criticality)

        async def both() -> tuple[list, list]:
            chunks = [c async for c in S.systems_in_question(reads, q)]
            found = [a for c in chunks for a in (await S.asked(reads, q, c, unclear))[0]]
            expected = []
            for a in found:
                sid = a.system["id"]
                expected.append((
                    await explain.accountability(reads, sid, at, known_at),
                    [f for f in await reads.accountability.facts(sid) if f["recorded_at"] <= known_at],
                    [x for x in await reads.accountability.attestations(sid) if x["recorded_at"] <= known_at],
                    [gap_item(g) for g in await reads.gaps.at(at, system_id=sid, limit=1000)],
                    [LifecycleChange(c["position"], c["lifecycle"], c["effective_from"])
                     for c in await reads.systems.lifecycle_history(sid) if c["recorded_at"] <= known_at],
                ))
            return found, expected

        found, expected = loop.run_until_complete(both())
        for a, (answer, facts, attestations, unclear_then, lifecycle) in zip(found, expected):
            assert a.answer == answer, ("accountability", a.system["name"], at, known_at)
            assert a.facts == facts and a.attestations == attestations, ("facts", a.system["name"], known_at)
            if k is None:  # the gaps as known now are the view's (GET /responsibility-gaps)
                assert a.unclear == unclear_then, ("gaps", a.system["name"], at)
            assert a.changes == lifecycle, ("lifecycle", a.system["name"], known_at)
