"""Each unclear-responsibility rule appears when its situation arises and goes away when it is mended."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from uuid import UUID

from domain.gaps import (
    Attestation,
    Claim,
    Directory,
    GapPolicy,
    LifecycleChange,
    OrgUnitInfo,
    PersonInfo,
    SystemHistory,
    find_gaps,
    gaps_at,
)
from domain.responsibility import Fact

OWNER, MANAGER, TECH, OTHER = (UUID(int=i) for i in range(1, 5))
TEAM, AFDELING = UUID(int=100), UUID(int=101)
T0 = datetime(2020, 1, 1, tzinfo=timezone.utc)
D = date.fromisoformat


def fact(pos: int, role: str, holder: UUID | None, start: str, end: str | None = None, recorded: str | None = None) -> Fact:
    when = datetime.fromisoformat(recorded).replace(tzinfo=timezone.utc) if recorded else T0 + timedelta(seconds=pos)
    return Fact(pos, when, role, holder, D(start), end and D(end))


def staffed(extra: list[Fact] = ()) -> list[Fact]:
    return [
        fact(1, "systemejer", OWNER, "2020-01-01"),
        fact(2, "systemansvarlig", MANAGER, "2020-01-01"),
        fact(3, "teknisk_ansvarlig", TECH, "2020-01-01"),
        *extra,
    ]


def history(facts, lifecycle=(("in_operation", "2020-01-01"),), claims=(), attestations=(), criticality="high"):
    return SystemHistory(
        UUID(int=999), criticality, [LifecycleChange(i, s, D(d)) for i, (s, d) in enumerate(lifecycle)],
        facts, claims, attestations,
    )


DIRECTORY = Directory(
    people={p: PersonInfo(p, AFDELING) for p in (OWNER, MANAGER, TECH, OTHER)},
    org_units={AFDELING: OrgUnitInfo(AFDELING, "afdeling"), TEAM: OrgUnitInfo(TEAM, "team")},
)
# Attestation would otherwise flag these long histories; each test switches on what it is about.
QUIET = GapPolicy(attestation_days=100_000)


def rules_at(h, day, directory=DIRECTORY, policy=QUIET):
    return {(g.rule, g.role) for g in gaps_at(find_gaps(h, directory, policy), D(day))}


def test_a_fully_staffed_system_in_operation_has_no_gaps():
    assert rules_at(history(staffed()), "2024-01-01") == set()


def test_no_holder_appears_when_the_owner_role_is_vacated_and_goes_when_refilled():
    h = history(staffed([fact(4, "systemejer", None, "2022-01-01", "2022-06-01")]))
    assert ("no_holder", "systemejer") in rules_at(h, "2022-03-01")
    assert rules_at(h, "2022-06-01") == set()
    gap = next(g for g in find_gaps(h, DIRECTORY, QUIET) if g.rule == "no_holder")
    assert gap.since == D("2022-01-01") and gap.until == D("2022-06-01")


def test_no_holder_only_counts_while_in_operation():
    h = history(staffed()[1:], lifecycle=[("pilot", "2020-01-01"), ("in_operation", "2021-01-01")])
    assert rules_at(h, "2020-06-01") == set()
    assert ("no_holder", "systemejer") in rules_at(h, "2021-01-01")


def test_holder_departed_from_the_departure_until_someone_takes_over():
    directory = Directory({**DIRECTORY.people, OWNER: PersonInfo(OWNER, AFDELING, D("2023-03-01"))}, DIRECTORY.org_units)
    h = history(staffed())
    assert ("holder_departed", "systemejer") in rules_at(h, "2023-03-01", directory)
    assert rules_at(h, "2023-02-28", directory) == set()
    taken_over = history(staffed([fact(4, "systemejer", OTHER, "2023-05-01")]))
    assert ("holder_departed", "systemejer") not in rules_at(taken_over, "2023-05-01", directory)


def test_holder_departed_when_their_org_unit_is_dissolved():
    directory = Directory(DIRECTORY.people, {AFDELING: OrgUnitInfo(AFDELING, "afdeling", D("2022-01-01"))})
    assert ("holder_departed", "systemejer") in rules_at(history(staffed()), "2022-01-02", directory)


def test_competing_claims_while_two_are_open_and_unanswered_after_the_threshold():
    claims = [
        Claim(UUID(int=50), "dataejer", OWNER, D("2024-01-01"), D("2024-03-01")),
        Claim(UUID(int=51), "dataejer", OTHER, D("2024-01-10")),
    ]
    h = history(staffed(), claims=claims)
    assert ("competing_claims", "dataejer") in rules_at(h, "2024-01-10")
    assert ("competing_claims", "dataejer") not in rules_at(h, "2024-03-01")
    assert ("claim_unanswered", "dataejer") in rules_at(h, "2024-01-20")  # 14 days after the first
    assert ("claim_unanswered", "dataejer") in rules_at(h, "2024-06-01")  # the second is still open
    answered = history(staffed(), claims=[claims[0]])
    assert rules_at(answered, "2024-06-01") == set()


def test_owner_too_low_for_a_critical_system_owned_at_team_level():
    directory = Directory({**DIRECTORY.people, OTHER: PersonInfo(OTHER, TEAM)}, DIRECTORY.org_units)
    h = history(staffed([fact(4, "systemejer", OTHER, "2022-01-01")]), criticality="critical")
    assert ("owner_too_low", "systemejer") in rules_at(h, "2022-01-01", directory)
    assert ("owner_too_low", "systemejer") not in rules_at(h, "2021-12-31", directory)
    not_critical = history(h.facts, criticality="high")
    assert rules_at(not_critical, "2022-01-01", directory) == set()


def test_ping_pong_when_a_role_changes_hands_three_times_in_ninety_days():
    moves = [
        fact(4, "systemansvarlig", OTHER, "2023-01-01"),
        fact(5, "systemansvarlig", MANAGER, "2023-02-01"),
        fact(6, "systemansvarlig", OTHER, "2023-03-01"),
    ]
    h = history(staffed(moves))
    assert ("ping_pong", "systemansvarlig") in rules_at(h, "2023-03-01")
    assert ("ping_pong", "systemansvarlig") not in rules_at(h, "2023-02-28")
    assert ("ping_pong", "systemansvarlig") not in rules_at(h, "2023-04-01")  # 90 days after the first move


def test_no_operational_handover_for_a_system_in_operation_without_technical_responsible():
    h = history(staffed()[:2] + [fact(4, "teknisk_ansvarlig", TECH, "2021-01-01")])
    assert rules_at(h, "2020-06-01") == {("no_operational_handover", "teknisk_ansvarlig")}
    assert rules_at(h, "2021-01-01") == set()


def test_attestation_overdue_after_a_year_and_cleared_by_attesting():
    policy = GapPolicy(attestation_days=365)
    facts = staffed()
    h = history(facts)
    assert ("attestation_overdue", "systemejer") in rules_at(h, "2021-06-01", policy=policy)
    attested = history(facts, attestations=[Attestation("systemejer", OWNER, D("2021-05-01"))])
    assert ("attestation_overdue", "systemejer") not in rules_at(attested, "2021-06-01", policy=policy)
    assert ("attestation_overdue", "systemejer") in rules_at(attested, "2022-05-01", policy=policy)


def test_decommission_unowned_while_phasing_out_without_an_owner():
    h = history(staffed()[1:], lifecycle=[("in_operation", "2020-01-01"), ("phasing_out", "2023-01-01")])
    assert ("decommission_unowned", "systemejer") in rules_at(h, "2023-02-01")
    owned = history(staffed(), lifecycle=h.lifecycle and [("in_operation", "2020-01-01"), ("phasing_out", "2023-01-01")])
    assert rules_at(owned, "2023-02-01") == set()


def test_nothing_is_flagged_after_decommissioning():
    h = history([], lifecycle=[("in_operation", "2020-01-01"), ("decommissioned", "2021-01-01")])
    assert rules_at(h, "2021-06-01") == set()


def test_a_recorded_vacancy_gives_its_reason_in_the_gap_detail():
    vacancy = Fact(4, T0, "systemejer", None, D("2022-01-01"), None, reason="spreadsheet said: 'Hjemmeplejen'")
    h = history(staffed([vacancy]))
    gap = next(g for g in find_gaps(h, DIRECTORY, QUIET) if g.rule == "no_holder")
    assert gap.since == D("2022-01-01") and "spreadsheet said: 'Hjemmeplejen'" in gap.detail


def test_a_hand_over_offer_unanswered_too_long_is_a_gap_until_answered_or_void():
    from domain.gaps import GapPolicy, Offer, SystemHistory, find_gaps
    from domain.lifecycle import LifecycleChange
    from domain.responsibility import Fact

    sys_id, anne, bo, carl = (UUID(int=i) for i in range(1, 5))
    held = [Fact(1, None, "systemejer", anne, date(2020, 1, 1))]  # type: ignore[arg-type]
    lifecycle = [LifecycleChange(0, "in_operation", date(2019, 1, 1))]
    policy = GapPolicy(required_roles=("systemejer",), handover_answer_days=14)

    def found(offers, facts=held):
        history = SystemHistory(sys_id, "high", lifecycle, facts, offers=offers)
        return [(g.since, g.until) for g in find_gaps(history, Directory(), policy) if g.rule == "handover_unanswered"]

    made = date(2021, 3, 1)
    assert found([Offer(UUID(int=9), "systemejer", anne, bo, made)]) == [(date(2021, 3, 15), None)]
    assert found([Offer(UUID(int=9), "systemejer", anne, bo, made, date(2021, 3, 20))]) == \
        [(date(2021, 3, 15), date(2021, 3, 20))]
    assert found([Offer(UUID(int=9), "systemejer", anne, bo, made, date(2021, 3, 10))]) == []  # answered in time
    moved = [*held, Fact(2, None, "systemejer", carl, date(2021, 3, 18))]  # type: ignore[arg-type]
    assert found([Offer(UUID(int=9), "systemejer", anne, bo, made)], moved) == \
        [(date(2021, 3, 15), date(2021, 3, 18))]  # void once Anne no longer holds the role
