"""Every view is total: whatever the commands accept, over the whole range of dates they accept
(domain/periods.py: EARLIEST to LATEST), every projection applies it, a rebuild from scratch
reproduces it, and the dates just outside the range are refused before anything is written."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ansvar.bootstrap import bootstrap
from domain.errors import DomainError, InvalidValue
from domain.periods import EARLIEST, LATEST
from domain.vocabulary import Lifecycle, Role

pytestmark = pytest.mark.slow  # generated command sequences over every view and a rebuild

days = st.one_of(
    st.dates(min_value=EARLIEST, max_value=LATEST),
    st.sampled_from([EARLIEST, LATEST, LATEST - timedelta(days=1), EARLIEST + timedelta(days=1)]),
)
ROLES = [Role.SYSTEMEJER, Role.TEKNISK_ANSVARLIG]
actions = st.lists(st.one_of(
    st.tuples(st.just("assign"), st.sampled_from(ROLES), st.integers(0, 2), days, st.none() | days),
    st.tuples(st.just("vacate"), st.sampled_from(ROLES), days, st.none() | days),
    st.tuples(st.just("lifecycle"), st.sampled_from([s.value for s in Lifecycle]), days),
    st.tuples(st.just("claim"), st.sampled_from(ROLES), st.integers(0, 2), st.booleans(), days),
    st.tuples(st.just("attest"), st.sampled_from(ROLES), st.integers(0, 2)),
    st.tuples(st.just("depart"), st.integers(0, 2), days),
    st.tuples(st.just("dissolve"), days),
    st.tuples(st.just("meeting"), days),
), min_size=1, max_size=12)


@pytest.fixture(params=["memory", "sqlite"])
def backend(request, tmp_path, clock):
    from infra.settings import Settings
    from tests.conftest import make_database

    runtime = bootstrap(Settings(database=make_database(request.param, tmp_path), log_level="warning"), clock)
    yield runtime
    runtime.close()


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=days, steps=actions)
def test_no_command_the_domain_accepts_stops_a_view(backend, first, steps):
    app = backend.portfolio
    kommune = app.establish_org_unit("Kommune", "kommune", None).id
    team = app.establish_org_unit("Team", "team", kommune).id
    people = [app.register_person(f"P{i}", team, None, None).id for i in range(3)]
    system = app.register_system("System", None, team, "critical", True, "in_operation", first).id
    for step in steps:
        try:
            _run(app, system, team, people, step)
        except DomainError:
            pass  # refused: a rule said no; nothing was written
    backend.catchup.run_until_caught_up()  # every view applies every accepted event
    live = backend.catchup.checksums()
    backend.catchup.reset(["gaps"])
    backend.catchup.run_until_caught_up()  # and the gaps rebuild from scratch to the same rows
    assert backend.catchup.checksums() == live


def _run(app, system, team, people, step) -> None:
    kind, *args = step
    if kind == "assign":
        role, who, start, end = args
        app.assign_role(system, role, people[who], start, end)
    elif kind == "vacate":
        role, start, end = args
        app.record_vacancy(system, role, start, end, "vacant")
    elif kind == "lifecycle":
        app.change_lifecycle(system, *args)
    elif kind == "claim":
        role, who, confirm, start = args
        claim = app.make_claim(system, role, people[who], "mine").id
        if confirm:
            app.confirm_claim(system, claim, start)
        else:
            app.reject_claim(system, claim, "no")
    elif kind == "attest":
        role, who = args
        app.attest(system, role, people[who])
    elif kind == "depart":
        who, on = args
        app.record_departure(people[who], on)
    elif kind == "dissolve":
        app.dissolve_org_unit(team, args[0])
    else:
        app.hold_meeting(args[0], [people[0]], True, _council())


def _council():
    from domain.commands import Actor

    return Actor(role="council")


@pytest.mark.parametrize("outside", [EARLIEST - timedelta(days=1), LATEST + timedelta(days=1), date.max, date.min])
def test_a_date_outside_the_range_is_refused_naming_the_field_and_nothing_is_written(backend, outside):
    app = backend.portfolio
    kommune = app.establish_org_unit("Kommune", "kommune", None).id
    person = app.register_person("P", kommune, None, None).id
    system = app.register_system("System", None, kommune, "high", True, "in_operation", date(2020, 1, 1)).id
    head = app.recorder.max_notification_id()
    refusals = [
        (lambda: app.assign_role(system, "systemejer", person, outside), "effective_from"),
        (lambda: app.assign_role(system, "systemejer", person, date(2020, 1, 1), outside), "effective_to"),
        (lambda: app.record_vacancy(system, "systemejer", outside, None, "x"), "effective_from"),
        (lambda: app.change_lifecycle(system, "pilot", outside), "effective_from"),
        (lambda: app.register_system("Other", None, kommune, "high", True, "pilot", outside), "lifecycle_from"),
        (lambda: app.record_departure(person, outside), "effective"),
        (lambda: app.dissolve_org_unit(kommune, outside), "effective"),
        (lambda: app.hold_meeting(outside, [person], True, _council()), "held_on"),
    ]
    for command, field in refusals:
        with pytest.raises(InvalidValue) as refused:
            command()
        assert refused.value.field == field
    assert app.recorder.max_notification_id() == head
