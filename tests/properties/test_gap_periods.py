"""The gap rules compute periods; on every single day their answer must equal a plain
day-by-day evaluation of the same rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.gaps import (
    Directory,
    GapPolicy,
    LifecycleChange,
    OrgUnitInfo,
    PersonInfo,
    SystemHistory,
    find_gaps,
)
from domain.responsibility import Fact, holder_at

PEOPLE = [UUID(int=i) for i in range(1, 4)]
UNIT = UUID(int=100)
BASE = date(2024, 1, 1)
T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
offsets = st.integers(0, 90)

facts_st = st.lists(
    st.tuples(st.sampled_from(["systemejer", "teknisk_ansvarlig"]), st.one_of(st.none(), st.sampled_from(PEOPLE)),
              offsets, st.one_of(st.none(), st.integers(1, 40))),
    max_size=8,
).map(lambda rows: [
    Fact(i + 1, T0, role, who, BASE + timedelta(days=start), BASE + timedelta(days=start + n) if n else None)
    for i, (role, who, start, n) in enumerate(rows)
])
lifecycle_st = st.lists(
    st.tuples(st.sampled_from(["pilot", "in_operation", "phasing_out", "decommissioned"]), offsets), min_size=1, max_size=4,
).map(lambda rows: [LifecycleChange(i, state, BASE + timedelta(days=d)) for i, (state, d) in enumerate(rows)])
departures_st = st.lists(st.one_of(st.none(), offsets), min_size=3, max_size=3)


def lifecycle_on(changes, day):
    current = [c for c in changes if c.effective_from <= day]
    return max(current, key=lambda c: (c.effective_from, c.position)).lifecycle if current else None


@settings(max_examples=300, deadline=None)
@given(facts_st, lifecycle_st, departures_st)
def test_gap_periods_agree_with_a_day_by_day_evaluation(facts, lifecycle, departures):
    directory = Directory(
        {p: PersonInfo(p, UNIT, None if d is None else BASE + timedelta(days=d)) for p, d in zip(PEOPLE, departures)},
        {UNIT: OrgUnitInfo(UNIT, "afdeling")},
    )
    policy = GapPolicy(required_roles=("systemejer", "teknisk_ansvarlig"), attestation_days=100_000)
    gaps = find_gaps(SystemHistory(UUID(int=9), "high", lifecycle, facts), directory, policy)
    for offset in range(0, 140, 3):
        day = BASE + timedelta(days=offset)
        state = lifecycle_on(lifecycle, day)
        found = {(g.rule, g.role) for g in gaps if g.holds_at(day)}
        owner, tech = holder_at(facts, "systemejer", day), holder_at(facts, "teknisk_ansvarlig", day)
        assert (("no_holder", "systemejer") in found) == (state == "in_operation" and owner is None)
        assert (("no_operational_handover", "teknisk_ansvarlig") in found) == (state == "in_operation" and tech is None)
        assert (("decommission_unowned", "systemejer") in found) == (state == "phasing_out" and owner is None)
        for role, who in (("systemejer", owner), ("teknisk_ansvarlig", tech)):
            left = who is not None and directory.left_since(who) is not None and directory.left_since(who) <= day
            alive = state is not None and state != "decommissioned"
            assert (("holder_departed", role) in found) == (left and alive), (role, day)
