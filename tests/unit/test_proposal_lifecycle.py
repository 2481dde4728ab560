"""The proposal lifecycle and the decommissioning steps, as rules over the aggregates (no I/O)."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.council import check_decision
from domain.decommissioning import (
    Decommissioning,
    DecommissioningIncomplete,
    DecommissioningStep,
)
from domain.errors import InvalidValue
from domain.proposals import REVISABLE, TRANSITIONS, IllegalTransition, Proposal, Status

META: dict = {"actor_id": None, "actor_role": "test", "request_id": None}
DECIDED = {Status.PRIORITISED, Status.APPROVED, Status.REJECTED, Status.DEFERRED}
FINAL = {Status.REJECTED, Status.WITHDRAWN, Status.IMPLEMENTED, Status.ABANDONED}


def proposal() -> Proposal:
    return Proposal(content={"title": "T"}, proposer_id=uuid4(), forvaltning_id=None, meta=META)


def test_the_happy_path_from_submission_to_implementation():
    p = proposal()
    for status in ("under_assessment", "prioritised", "approved", "in_implementation", "implemented"):
        p.move(status, META, decision_id=uuid4() if status in DECIDED else None)
    assert p.status == "implemented" and p.approved_by is not None


def test_an_illegal_step_names_the_current_state_and_the_allowed_ones():
    p = proposal()
    with pytest.raises(IllegalTransition) as refused:
        p.move("approved", META)
    assert refused.value.params["current"] == "submitted"
    assert refused.value.params["allowed"] == ["under_assessment", "withdrawn"]
    assert p.status == "submitted" and p.version == 1  # nothing was recorded


@given(st.lists(st.sampled_from(list(Status)), max_size=12))
def test_a_step_is_accepted_exactly_when_the_table_allows_it(steps):
    p = proposal()
    for target in steps:
        before = p.status
        if target in TRANSITIONS[Status(before)]:
            p.move(target, META)
            assert p.status == target
        else:
            with pytest.raises(IllegalTransition) as refused:
                p.move(target, META)
            assert refused.value.params["current"] == before and p.status == before


@given(st.lists(st.sampled_from(list(Status)), max_size=12))
def test_after_the_first_decision_a_proposal_can_be_neither_withdrawn_nor_revised(steps):
    p, decided = proposal(), False
    for target in steps:
        if target in TRANSITIONS[Status(p.status)]:
            p.move(target, META)
            decided = decided or target in DECIDED
        if decided:
            assert Status.WITHDRAWN not in TRANSITIONS[Status(p.status)]
            with pytest.raises(IllegalTransition):
                p.revise({"title": "new"}, None, META)


def test_end_states_admit_nothing_and_every_state_is_reachable():
    assert all(not TRANSITIONS[s] for s in FINAL)
    reached, frontier = {Status.SUBMITTED}, [Status.SUBMITTED]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()] - reached:
            reached.add(nxt)
            frontier.append(nxt)
    assert reached == set(Status) and REVISABLE <= reached


def test_benefits_are_reviewed_only_once_implemented():
    p = proposal()
    with pytest.raises(IllegalTransition) as refused:
        p.review_benefits(uuid4(), META)
    assert refused.value.params["allowed"] == ["implemented"]


def decided_decommissioning(responsible: UUID) -> Decommissioning:
    d = Decommissioning(system_id=uuid4(), proposed_by=None, reason="old", meta=META)
    d.decide(uuid4(), responsible, date(2026, 1, 1), META)
    return d


def test_decommissioning_completes_only_with_archive_duty_contracts_and_the_named_sign_off():
    owner = uuid4()
    d = decided_decommissioning(owner)
    with pytest.raises(DecommissioningIncomplete) as refused:
        d.sign_off(owner, date(2026, 2, 1), META)
    assert refused.value.params["missing"] == ["archive_duty", "contracts_ended"]
    with pytest.raises(InvalidValue, match="archive-duty-needs") as needs:
        d.settle_archive_duty("B", None, "deleted", META)
    assert needs.value.field == "archive_receipt"
    d.settle_archive_duty("B", "Stadsarkivet 1", None, META)
    d.end_contracts(date(2026, 1, 31), None, META)
    with pytest.raises(InvalidValue):
        d.sign_off(uuid4(), date(2026, 2, 1), META)
    d.sign_off(owner, date(2026, 2, 1), META)
    assert d.stage == "completed" and d.lacking() == []
    with pytest.raises(DecommissioningStep):
        d.end_contracts(date(2026, 3, 1), None, META)


@pytest.mark.parametrize("duty, receipt, deletion, ok", [
    ("B", "r", None, True), ("K", None, "d", True), ("B+K", "r", "d", True),
    ("B", None, "d", False), ("K", "r", None, False), ("B+K", "r", None, False), ("B+K", None, "d", False),
])
def test_each_archive_duty_is_settled_by_its_own_evidence(duty, receipt, deletion, ok):
    d = decided_decommissioning(uuid4())
    if ok:
        d.settle_archive_duty(duty, receipt, deletion, META)
        assert "archive_duty" not in d.lacking()
    else:
        with pytest.raises(InvalidValue):
            d.settle_archive_duty(duty, receipt, deletion, META)


def test_a_prioritisation_ranks_each_proposal_once_from_one_upwards():
    p1, p2 = str(uuid4()), str(uuid4())
    subjects = [{"kind": "proposal", "id": p1}, {"kind": "proposal", "id": p2}]
    ok = [{"proposal_id": p1, "rank": 1, "note": None}, {"proposal_id": p2, "rank": 2, "note": None}]
    check_decision("prioritisation", subjects, "why", None, [uuid4()], ok, date(2026, 1, 1), None, {})
    for bad in ([dict(ok[0]), dict(ok[1], rank=3)], [dict(ok[0]), dict(ok[1], proposal_id=p1)]):
        with pytest.raises(InvalidValue) as refused:
            check_decision("prioritisation", subjects, "why", None, [uuid4()], bad, date(2026, 1, 1), None, {})
        assert refused.value.field == "priorities"


def test_once_people_are_authenticated_only_the_proposer_themself_withdraws(clock):
    from domain.commands import Actor
    from domain.errors import Forbidden
    from domain.portfolio import Portfolio
    from tests.api.council_helpers import MARKERS

    app = Portfolio(clock=clock)
    unit = app.establish_org_unit("K", "kommune", None).id
    proposer, colleague = (app.register_person(n, unit, None, None).id for n in ("P", "C"))
    content = {"title": "T", "problem": "P", "purposes": ["efficiency"], "category": "data",
               "change_kind": "transition", "driver": "it", "benefits": {"text": "b"}, "markers": MARKERS}
    pid = app.submit_proposal(content, proposer, Actor()).id
    with pytest.raises(Forbidden):
        app.withdraw_proposal(pid, proposer, None, Actor(person_id=colleague, role="employee"))
    app.withdraw_proposal(pid, proposer, "changed my mind", Actor(person_id=proposer, role="employee"))
    assert app.proposal(pid).status == "withdrawn"
