"""The reminder rules (domain/reminders.py): who is told what, once, and when; property tests
that a reminder is planned at most once per week and never for a day before its due date.

The record's gaps are what the gap rules (domain/gaps.py) find for the system's history, as the
gaps view stores them: the reminders read those results and never work them out again."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from domain import gaps as G
from domain import reminders as R
from domain.lifecycle import LifecycleChange
from domain.responsibility import Fact
from domain.vocabulary import OPERATING

SYSTEM, BO, IB, CHAIR, MEMBER = (UUID(int=i) for i in range(1, 6))
UNIT = UUID(int=99)


IN_OPERATION = (LifecycleChange(1, "in_operation", date(2015, 1, 1)),)


def record(*, facts=(), attestations=(), departed: date | None = None, claims=(), decommissionings=(), gaps=None,
           council=(CHAIR, MEMBER), no_digest=frozenset(), lifecycle=IN_OPERATION) -> R.Record:
    """The record of one system; its gaps found by the gap rules unless `gaps` gives them."""
    people = {p: G.PersonInfo(p, UNIT, departed if p == BO else None) for p in (BO, IB, CHAIR, MEMBER)}
    directory = G.Directory(people, {UNIT: G.OrgUnitInfo(UNIT, "afdeling")})
    if gaps is None:
        history = G.SystemHistory(SYSTEM, "medium", list(lifecycle), list(facts),
                                  [G.Claim(c.claim_id, c.role, c.person_id, c.made_on, c.answered_on) for c in claims],
                                  list(attestations))
        gaps = [R.GapInfo.of(SYSTEM, g) for g in G.find_gaps(history, directory)]
    return R.Record(G.GapPolicy(), directory, list(gaps), list(claims), list(decommissionings), list(council),
                    frozenset(no_digest))


OWNED = [Fact(1, None, "systemejer", BO, date(2020, 1, 1))]  # type: ignore[arg-type]


def duties(reminders):
    return [(r.duty, r.recipient_id, r.due_on) for r in reminders]


def test_an_attestation_is_announced_within_30_days_then_weekly_once_overdue():
    due = date(2020, 12, 31)  # a year after taking the role
    assert R.attestation_reminders(record(facts=OWNED), due - timedelta(days=31)) == []
    soon = R.attestation_reminders(record(facts=OWNED), due - timedelta(days=30))
    assert duties(soon) == [(R.Duty.ATTESTATION_DUE, BO, due)]
    assert R.attestation_reminders(record(facts=OWNED), due - timedelta(days=1))[0].id == soon[0].id  # the same one
    late = [R.attestation_reminders(record(facts=OWNED), due + timedelta(days=d))[0] for d in (0, 6, 7, 13, 14)]
    assert [r.due_on for r in late] == [due, due, due + timedelta(7), due + timedelta(7), due + timedelta(14)]
    assert len({r.id for r in late}) == 3  # weekly at most
    attested = record(facts=OWNED, attestations=[G.Attestation("systemejer", BO, date(2021, 1, 10))])
    assert R.attestation_reminders(attested, date(2021, 1, 20)) == []


def test_a_holder_who_has_left_is_the_councils_to_follow_up_never_dropped():
    gone = R.attestation_reminders(record(facts=OWNED, departed=date(2021, 3, 1)), date(2021, 3, 3))
    assert duties(gone) == [(R.Duty.HOLDER_GONE, CHAIR, date(2021, 3, 1)), (R.Duty.HOLDER_GONE, MEMBER, date(2021, 3, 1))]
    assert all(r.about_person_id == BO and dict(r.details)["duty"] == "attestation_overdue" for r in gone)
    mailbox = R.attestation_reminders(record(facts=OWNED, departed=date(2021, 3, 1), council=()), date(2021, 3, 3))
    assert [r.recipient_id for r in mailbox] == [None]  # no council on record: its mailbox


def test_a_decommissioned_system_brings_nothing_and_a_vacant_role_goes_to_the_council():
    decommissioned = record(facts=OWNED, lifecycle=[*IN_OPERATION, LifecycleChange(2, "decommissioned", date(2020, 6, 1))])
    assert R.attestation_reminders(decommissioned, date(2021, 3, 1)) == []
    vacant = [*OWNED, Fact(2, None, "systemejer", None, date(2020, 6, 1))]  # type: ignore[arg-type]
    assert [r.duty for r in R.attestation_reminders(record(facts=vacant), date(2021, 3, 1))] == [R.Duty.ROLES_UNHELD] * 2


def test_claims_an_answer_to_the_claimant_once_and_a_wait_to_the_council_weekly():
    answered = R.ClaimInfo(UUID(int=7), SYSTEM, "dataejer", IB, date(2021, 1, 1), "rejected", date(2021, 1, 5))
    waiting = R.ClaimInfo(UUID(int=8), SYSTEM, "dataejer", BO, date(2021, 1, 1), "open")
    assert duties(R.claim_reminders(record(claims=[answered]), date(2021, 1, 5))) == [
        (R.Duty.CLAIM_ANSWERED, IB, date(2021, 1, 5))]
    assert R.claim_reminders(record(claims=[answered]), date(2021, 1, 13)) == []  # past the look-back
    assert R.claim_reminders(record(claims=[waiting]), date(2021, 1, 14)) == []  # 14 days is the policy's limit
    later = R.ClaimInfo(UUID(int=10), SYSTEM, "systemejer", IB, date(2021, 1, 3), "open")
    late = R.claim_reminders(record(claims=[later, waiting]), date(2021, 1, 20))  # a Wednesday
    assert duties(late) == [(R.Duty.CLAIMS_WAITING, CHAIR, date(2021, 1, 18)),
                            (R.Duty.CLAIMS_WAITING, MEMBER, date(2021, 1, 18))]  # one message each, listing both
    assert dict(late[0].details) == {"count": "2", "oldest": "2021-01-01", "claims": f"{waiting.claim_id},{later.claim_id}"}
    assert R.claim_reminders(record(claims=[later, waiting]), date(2021, 1, 24))[0].id == late[0].id  # that week


def test_the_digest_goes_on_mondays_to_the_council_members_who_want_it():
    gaps = [R.GapInfo("no_holder", date(2021, 3, 2)), R.GapInfo("holder_departed", date(2020, 1, 1))]
    wednesday = date(2021, 3, 10)
    digest = R.digest_reminders(record(gaps=gaps, no_digest={MEMBER}), wednesday)
    assert duties(digest) == [(R.Duty.GAP_DIGEST, CHAIR, date(2021, 3, 8))]
    assert dict(digest[0].details) == {"new": "1", "open": "2", "rule:holder_departed": "1",
                                       "rule:no_holder": "1"}


def test_a_decommissioning_lacking_something_reminds_its_responsible_weekly():
    d = R.DecommissioningInfo(UUID(int=9), SYSTEM, IB, date(2021, 1, 4), ("archive_duty", "sign_off"))
    assert duties(R.decommissioning_reminders(record(decommissionings=[d]), date(2021, 1, 12))) == [
        (R.Duty.DECOMMISSIONING_LACKING, IB, date(2021, 1, 11))]
    done = R.DecommissioningInfo(UUID(int=9), SYSTEM, IB, date(2021, 1, 4), ())
    assert R.decommissioning_reminders(record(decommissionings=[done]), date(2021, 1, 12)) == []


@given(st.dates(date(2020, 1, 1), date(2024, 12, 31)))
def test_a_reminder_is_never_due_after_the_day_it_is_planned_and_a_week_brings_at_most_one_of_a_kind(day):
    rec = record(facts=OWNED, claims=[R.ClaimInfo(UUID(int=8), SYSTEM, "dataejer", IB, date(2020, 2, 1), "open")])
    planned = R.plan(rec, day)
    assert all(r.due_on <= day for r in planned if r.duty != R.Duty.ATTESTATION_DUE)
    assert all(r.due_on > day for r in planned if r.duty == R.Duty.ATTESTATION_DUE)
    week = {r.id for d in range(7) for r in R.plan(rec, day + timedelta(days=d))}
    kinds = {(r.duty, r.recipient_id) for d in range(7) for r in R.plan(rec, day + timedelta(days=d))}
    assert len(week) <= 2 * len(kinds)  # a weekly duty's week straddles at most two of its due dates
    assert len({r.id for r in planned}) == len(planned)


def test_a_system_in_use_that_nobody_owns_is_listed_for_the_council():
    vacant = [*OWNED, Fact(2, None, "systemejer", None, date(2020, 6, 1))]  # type: ignore[arg-type]
    listed = R.attestation_reminders(record(facts=vacant), date(2021, 3, 3))  # a Wednesday
    assert duties(listed) == [(R.Duty.ROLES_UNHELD, CHAIR, date(2021, 3, 1)), (R.Duty.ROLES_UNHELD, MEMBER, date(2021, 3, 1))]
    assert dict(listed[0].details) == {"count": "1", "systems": f"{SYSTEM}:systemejer"}
    never = record()  # registered, never given an owner
    assert [r.duty for r in R.attestation_reminders(never, date(2021, 3, 3))] == [R.Duty.ROLES_UNHELD] * 2


def test_a_system_without_a_systemejer_is_listed_exactly_when_the_gap_rule_finds_it_in_use():
    """One rule for "in use": the council's weekly list of unheld roles is the gap rule no_holder
    (which the overview counts), for every lifecycle state."""
    for state in ("not_in_operation", "pilot", "phasing_in", "in_operation", "phasing_out"):
        rec = record(lifecycle=[LifecycleChange(1, state, date(2015, 1, 1))])  # registered, never given an owner
        listed = [r for r in R.attestation_reminders(rec, date(2021, 3, 3)) if r.duty == R.Duty.ROLES_UNHELD]
        assert bool(listed) == (state in OPERATING), state


def test_the_reminders_read_the_gap_rules_results_and_work_nothing_out_again():
    """Given facts that would make an attestation overdue and a claim late, but no gap found for
    them, nothing is said; given only the gaps, the holder and the council are told."""
    late_claim = R.ClaimInfo(UUID(int=8), SYSTEM, "dataejer", IB, date(2020, 2, 1), "open")
    day = date(2021, 3, 3)
    assert R.plan(record(facts=OWNED, claims=[late_claim], gaps=[], council=(), no_digest={None}), day) == []
    gaps = [R.GapInfo("attestation_overdue", date(2021, 2, 1), None, SYSTEM, "systemejer", BO),
            R.GapInfo("claim_unanswered", date(2020, 2, 15), None, SYSTEM, "dataejer", IB, (late_claim.claim_id,))]
    planned = R.plan(record(claims=[late_claim], gaps=gaps, council=(), no_digest={None}), day)
    assert duties(planned) == [(R.Duty.ATTESTATION_OVERDUE, BO, date(2021, 3, 1)),
                               (R.Duty.CLAIMS_WAITING, None, date(2021, 3, 1))]
    assert dict(planned[0].details) == {"due_on": "2021-02-01"}  # the gap begins on the due date


def test_the_recipient_of_a_hand_over_is_told_the_day_it_is_offered_and_weekly_until_they_answer():
    offered = date(2021, 3, 1)
    offer = R.OfferInfo(UUID(int=50), SYSTEM, "systemejer", BO, IB, offered, offered + timedelta(days=10))
    base = record(facts=OWNED)
    with_offer = R.Record(**{**base.__dict__, "offers": [offer]})
    assert R.handover_reminders(with_offer, offered - timedelta(days=1)) == []
    assert duties(R.handover_reminders(with_offer, offered)) == [(R.Duty.HANDOVER_OFFERED, IB, offered)]
    assert duties(R.handover_reminders(with_offer, offered + timedelta(days=9))) == \
        [(R.Duty.HANDOVER_OFFERED, IB, offered + timedelta(days=7))]
    [told] = R.handover_reminders(with_offer, offered)
    assert told.about_person_id == BO and told.subject_id == offer.offer_id
    assert R.handover_reminders(base, offered) == []  # answered offers are not in the record
