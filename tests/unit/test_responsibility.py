"""The bitemporal rule: the latest-recorded fact whose valid period covers the date decides."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.responsibility import Fact, deciding_fact, holder_at, resolve_periods

A, B, C = (UUID(int=i) for i in (1, 2, 3))
T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)


def fact(pos: int, holder: UUID | None, start: str, end: str | None = None, role: str = "systemejer") -> Fact:
    return Fact(pos, T0 + timedelta(hours=pos), role, holder, date.fromisoformat(start), end and date.fromisoformat(end))


def test_a_handover_is_a_later_fact_from_a_later_date():
    facts = [fact(1, A, "2020-01-01"), fact(2, B, "2023-01-01")]
    assert holder_at(facts, "systemejer", date(2022, 12, 31)) == A
    assert holder_at(facts, "systemejer", date(2023, 1, 1)) == B


def test_a_backdated_correction_changes_the_answer_only_from_when_it_was_recorded():
    facts = [fact(1, A, "2020-01-01"), fact(5, C, "2021-06-01", "2022-01-01")]
    assert holder_at(facts, "systemejer", date(2021, 7, 1)) == C
    assert holder_at(facts, "systemejer", date(2021, 7, 1), when=T0 + timedelta(hours=4)) == A


def test_a_vacancy_is_a_fact_that_names_nobody():
    facts = [fact(1, A, "2020-01-01"), fact(2, None, "2021-01-01", "2021-03-01")]
    assert holder_at(facts, "systemejer", date(2021, 2, 1)) is None
    assert holder_at(facts, "systemejer", date(2021, 3, 1)) == A


def test_before_any_fact_and_after_a_closed_period_nobody_holds_the_role():
    facts = [fact(1, A, "2020-01-01", "2021-01-01")]
    assert holder_at(facts, "systemejer", date(2019, 12, 31)) is None
    assert holder_at(facts, "systemejer", date(2021, 1, 1)) is None


def test_periods_join_adjacent_stretches_of_the_same_holder_and_name_their_facts():
    facts = [fact(1, A, "2020-01-01"), fact(2, B, "2021-01-01", "2021-02-01"), fact(3, A, "2021-02-01")]
    periods = resolve_periods(facts, "systemejer")
    assert [(p.holder, p.start, p.end) for p in periods] == [
        (A, date(2020, 1, 1), date(2021, 1, 1)),
        (B, date(2021, 1, 1), date(2021, 2, 1)),
        (A, date(2021, 2, 1), None),
    ]
    assert [f.position for f in periods[2].facts] == [3]


days = st.integers(min_value=0, max_value=60).map(lambda n: date(2024, 1, 1) + timedelta(days=n))
facts_strategy = st.lists(
    st.tuples(st.sampled_from([A, B, C, None]), days, st.one_of(st.none(), st.integers(1, 30))),
    max_size=12,
).map(lambda rows: [
    Fact(i + 1, T0 + timedelta(minutes=i), "systemejer", h, s, s + timedelta(days=n) if n else None)
    for i, (h, s, n) in enumerate(rows)
])


@settings(max_examples=300)
@given(facts_strategy, days)
def test_periods_agree_with_the_pointwise_rule_on_every_day(facts, day):
    expected = deciding_fact(facts, "systemejer", day)
    covering = [p for p in resolve_periods(facts, "systemejer") if p.period.covers(day)]
    if expected is None:
        assert covering == []
    else:
        assert len(covering) == 1 and covering[0].holder == expected.holder


def test_the_system_aggregate_answers_as_known_at_a_record_time_after_a_round_trip_through_the_store(clock):
    # The aggregate keeps each fact's record time (its event's timestamp), so `repository.get`
    # plus the rule answers the auditor's question, the baseline bench/accountability.py measures.
    from domain.portfolio import Portfolio
    from domain.record_time import recording_with
    from domain.systems import System

    with recording_with(clock):
        system = System("ESDH", None, UUID(int=9), "high", False, "drift", date(2019, 1, 1), {})
        system.assign("systemejer", A, date(2020, 1, 1), None, None, None, {})
        first_known = system.modified_on
        system.assign("systemejer", B, date(2020, 1, 1), None, "a handover recorded late", None, {})
        system.vacate("systemejer", date(2021, 1, 1), date(2021, 2, 1), "B on leave", {})
    app = Portfolio({"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=clock)
    app.save(system)
    again = app.repository.get(system.id)
    for aggregate in (system, again):
        assert aggregate.holder("systemejer", date(2020, 6, 1), known_at=first_known) == A
        assert aggregate.holder("systemejer", date(2020, 6, 1)) == B
        assert aggregate.holder("systemejer", date(2021, 1, 15)) is None
        assert aggregate.holder("systemejer", date(2019, 6, 1)) is None
    assert [f.recorded_at for f in again.facts] == [f.recorded_at for f in system.facts]
    assert all(f.recorded_at > datetime.min.replace(tzinfo=timezone.utc) for f in again.facts)
