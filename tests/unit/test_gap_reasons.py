"""A recorded vacancy's reason reaches the gap it explains (pure)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from uuid import uuid4

from domain.gaps import (
    Claim,
    Directory,
    LifecycleChange,
    OrgUnitInfo,
    PersonInfo,
    SystemHistory,
    find_gaps,
    in_words,
)
from domain.responsibility import Fact

NOW = datetime(2026, 11, 22, tzinfo=timezone.utc)


def test_given_a_vacancy_with_a_reason_then_the_no_holder_gap_says_it():
    facts = [Fact(2, NOW, "systemejer", None, date(2026, 1, 1), None, "IT-afdelingen / Digitalisering")]
    history = SystemHistory(uuid4(), "high", [LifecycleChange(1, "in_operation", date(2020, 1, 1))], facts)
    gap = next(g for g in find_gaps(history, Directory()) if g.rule == "no_holder" and g.role == "systemejer")
    assert gap.since == date(2020, 1, 1) and "IT-afdelingen / Digitalisering" in gap.detail


def test_given_no_recorded_vacancy_then_the_gap_says_no_fact_names_a_holder():
    history = SystemHistory(uuid4(), "high", [LifecycleChange(1, "in_operation", date(2020, 1, 1))], [])
    details = {g.detail for g in find_gaps(history, Directory()) if g.rule == "no_holder"}
    assert details == {
        "no systemejer while in operation; no recorded fact names a holder for these dates",
        "no systemansvarlig while in operation; no recorded fact names a holder for these dates",
    }


def test_given_a_vacancy_then_the_gap_shows_the_vacancy_as_its_fact():
    facts = [
        Fact(7, NOW, "systemejer", uuid4(), date(2020, 1, 1)),
        Fact(9, NOW, "systemejer", None, date(2024, 1, 1), None, "the owner moved on"),
    ]
    history = SystemHistory(uuid4(), "high", [LifecycleChange(1, "in_operation", date(2020, 1, 1))], facts)
    gap = next(g for g in find_gaps(history, Directory()) if g.rule == "no_holder" and g.role == "systemejer")
    assert (gap.since, gap.facts, gap.person_id) == (date(2024, 1, 1), (9,), None)


def test_given_a_departed_holder_then_the_gap_names_them_and_the_facts_that_made_them_holder():
    person, unit = uuid4(), uuid4()
    facts = [Fact(4, NOW, "systemejer", person, date(2020, 1, 1))]
    history = SystemHistory(uuid4(), "high", [LifecycleChange(1, "in_operation", date(2020, 1, 1))], facts)
    directory = Directory({person: PersonInfo(person, unit, date(2025, 6, 1))}, {unit: OrgUnitInfo(unit, "afdeling")})
    gap = next(g for g in find_gaps(history, directory) if g.rule == "holder_departed")
    assert (gap.since, gap.person_id, gap.facts) == (date(2025, 6, 1), person, (4,))
    assert in_words(gap.detail, "Bo Ravn") == (
        "systemejer holder Bo Ravn left the organisation or their unit was dissolved on 2025-06-01")
    assert str(person) not in gap.detail  # the id is beside the words, not in them


def test_given_an_unanswered_claim_then_the_gap_carries_the_claim_and_the_claimant():
    person, claim = uuid4(), uuid4()
    history = SystemHistory(uuid4(), "high", [LifecycleChange(1, "in_operation", date(2020, 1, 1))], [],
                            claims=[Claim(claim, "systemejer", person, date(2026, 3, 1))])
    gap = next(g for g in find_gaps(history, Directory()) if g.rule == "claim_unanswered")
    assert (gap.since, gap.person_id, gap.claims) == (date(2026, 3, 15), person, (claim,))
    assert in_words(gap.detail, "Ida Holm").startswith("Ida Holm claimed systemejer on 2026-03-01")
