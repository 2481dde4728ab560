"""When an owner must next re-confirm: one rule (domain/gaps.py), used by the gap report and by
"my systems" alike."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.gaps import (
    Attestation,
    Directory,
    GapPolicy,
    SystemHistory,
    attestation_due,
    confirmed_on,
    find_gaps,
)
from domain.lifecycle import LifecycleChange
from domain.responsibility import Fact, period_at

BO, IB = UUID(int=1), UUID(int=2)


def test_due_counts_from_taking_the_role_then_from_each_of_the_holders_own_attestations():
    facts = [Fact(1, None, "systemejer", BO, date(2020, 1, 1)), Fact(2, None, "systemejer", IB, date(2023, 1, 1))]  # type: ignore[arg-type]
    held = period_at(facts, "systemejer", date(2021, 6, 1))
    marks = [Attestation("systemejer", BO, date(2021, 3, 1)), Attestation("systemejer", IB, date(2021, 4, 1)),
             Attestation("systemejer", BO, date(2023, 2, 1))]  # IB's, and one after BO's stretch ended, count not
    assert confirmed_on(held, marks) == [date(2020, 1, 1), date(2021, 3, 1)]
    assert attestation_due(held, marks, 365, date(2021, 2, 1)) == date(2020, 12, 31)
    assert attestation_due(held, marks, 365, date(2021, 6, 1)) == date(2022, 3, 1)


def test_the_gap_report_says_overdue_from_the_day_the_attestation_fell_due():
    facts = [Fact(1, None, "systemejer", BO, date(2020, 1, 1))]  # type: ignore[arg-type]
    history = SystemHistory(UUID(int=9), "high", [LifecycleChange(0, "in_operation", date(2019, 1, 1))], facts,
                            attestations=[Attestation("systemejer", BO, date(2021, 3, 1))])
    overdue = [(g.since, g.until) for g in find_gaps(history, Directory(), GapPolicy()) if g.rule == "attestation_overdue"]
    assert overdue == [(date(2020, 12, 31), date(2021, 3, 1)), (date(2022, 3, 1), None)]  # late once, then lapsed
    for day in (date(2020, 6, 1), date(2022, 6, 1)):
        held = period_at(facts, "systemejer", day)
        assert attestation_due(held, history.attestations, 365, day) in {since for since, _ in overdue}


def test_a_due_date_past_the_calendars_end_is_its_last_day():
    facts = [Fact(1, None, "systemejer", BO, date(9999, 6, 1))]  # type: ignore[arg-type]
    held = period_at(facts, "systemejer", date(9999, 6, 2))
    assert attestation_due(held, [], 365, date(9999, 6, 2)) == date.max
