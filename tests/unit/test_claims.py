"""Claims on the System aggregate: one open claim a person and role; none for a role one holds;
confirming a claim answers the same person's other open claims for the role (filed before)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from domain.errors import AlreadyHoldsRole, ClaimAlreadyOpen
from domain.systems import System

BO, IB = UUID(int=1), UUID(int=2)
DAY = date(2026, 5, 1)


def system() -> System:
    return System("ESDH", None, UUID(int=9), "high", False, "in_operation", date(2020, 1, 1), {})


def test_one_open_claim_a_person_and_role():
    s = system()
    s.make_claim(UUID(int=11), "dataejer", BO, "mine", DAY, {})
    with pytest.raises(ClaimAlreadyOpen) as refused:
        s.make_claim(UUID(int=12), "dataejer", BO, "mine!", DAY, {})
    assert refused.value.params["claim_id"] == str(UUID(int=11))
    s.make_claim(UUID(int=13), "dataejer", IB, "ours", DAY, {})  # someone else may compete
    s.reject_claim(UUID(int=11), "no", None, DAY, {})
    s.make_claim(UUID(int=14), "dataejer", BO, "mine, again", DAY, {})  # after an answer, a new claim


def test_no_claim_for_a_role_one_holds_on_the_day():
    s = system()
    s.assign("systemejer", BO, date(2025, 1, 1), date(2026, 1, 1), None, None, {})
    with pytest.raises(AlreadyHoldsRole):
        s.make_claim(UUID(int=11), "systemejer", BO, "mine", date(2025, 6, 1), {})
    s.make_claim(UUID(int=12), "systemejer", BO, "mine again", DAY, {})  # the holding ended


def test_confirming_a_claim_answers_the_same_persons_older_duplicates():
    s = system()
    s._claim(UUID(int=11), "dataejer", BO, "mine", DAY, {})  # two open claims, as stored before the rule
    s._claim(UUID(int=12), "dataejer", BO, "mine!", DAY, {})
    s._claim(UUID(int=13), "dataejer", IB, "ours", DAY, {})
    s.confirm_claim(UUID(int=12), DAY, None, DAY, {})
    assert {c: st.status for c, st in s.claims.items()} == {
        UUID(int=11): "confirmed", UUID(int=12): "confirmed", UUID(int=13): "open"}
    assert [f.holder for f in s.facts] == [BO]  # one assignment
