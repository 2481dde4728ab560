"""A recorded vacancy's reason reaches the gap it explains (pure)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from uuid import uuid4

from domain.gaps import Directory, LifecycleChange, SystemHistory, find_gaps
from domain.responsibility import Fact

NOW = datetime(2026, 11, 22, tzinfo=timezone.utc)


def test_given_a_vacancy_with_a_reason_then_the_no_holder_gap_says_it():
    facts = [Fact(2, NOW, "systemejer", None, date(2026, 1, 1), None, "IT-afdelingen / Digitalisering")]
    history = SystemHistory(uuid4(), "high", [LifecycleChange(1, "in_operation", date(2020, 1, 1))], facts)
    gap = next(g for g in find_gaps(history, Directory()) if g.rule == "no_holder" and g.role == "systemejer")
    assert gap.since == date(2020, 1, 1) and "IT-afdelingen / Digitalisering" in gap.detail


def test_given_no_recorded_vacancy_then_the_gap_detail_is_unchanged():
    history = SystemHistory(uuid4(), "high", [LifecycleChange(1, "in_operation", date(2020, 1, 1))], [])
    details = {g.detail for g in find_gaps(history, Directory()) if g.rule == "no_holder"}
    assert details == {"no systemejer while in operation", "no systemansvarlig while in operation"}
