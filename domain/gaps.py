"""Where responsibility is unclear: the rules of DOMAIN.md as pure functions.

Each rule turns one system's history (as known now) into periods of valid time during which
the gap holds, so a question "which gaps at date d" is a lookup, and `since` is exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from uuid import UUID

from domain import periods as P
from domain.lifecycle import LifecycleChange, in_use, lifecycle_periods
from domain.periods import Period
from domain.responsibility import Fact, HolderPeriod, held_periods, holder_at, resolve_periods
from domain.vocabulary import OPERATING, Criticality, Lifecycle, OrgLevel, Role

#: Most severe first; the gap list is sorted by this, then by `since`.
SEVERITY: dict[str, int] = {
    "no_holder": 1,
    "holder_departed": 2,
    "no_operational_handover": 3,
    "decommission_unowned": 4,
    "competing_claims": 5,
    "owner_too_low": 6,
    "ping_pong": 7,
    "claim_unanswered": 8,
    "handover_unanswered": 9,
    "attestation_overdue": 10,
}
RULES = tuple(SEVERITY)


@dataclass(frozen=True)
class GapPolicy:
    """The thresholds; configuration, not code."""

    required_roles: tuple[str, ...] = (Role.SYSTEMEJER, Role.SYSTEMANSVARLIG, Role.TEKNISK_ANSVARLIG)
    operational_role: str = Role.TEKNISK_ANSVARLIG
    owner_role: str = Role.SYSTEMEJER
    claim_answer_days: int = 14
    handover_answer_days: int = 14
    competing_claims: int = 2
    ping_pong_changes: int = 3
    ping_pong_window_days: int = 90
    attestation_days: int = 365
    attested_roles: tuple[str, ...] = (Role.SYSTEMEJER,)
    lowest_owner_level: str = OrgLevel.AFDELING  # an owner below this level is too low
    critical: tuple[str, ...] = (Criticality.CRITICAL,)


@dataclass(frozen=True, slots=True)
class Claim:
    claim_id: UUID
    role: str
    person_id: UUID
    made_on: date
    answered_on: date | None = None


@dataclass(frozen=True, slots=True)
class Offer:
    """A hand-over offer: made on `offered_on`, answered (accepted, refused or withdrawn) on `answered_on`."""

    offer_id: UUID
    role: str
    from_person_id: UUID
    to_person_id: UUID
    offered_on: date
    answered_on: date | None = None


@dataclass(frozen=True, slots=True)
class Attestation:
    role: str
    person_id: UUID
    attested_on: date


@dataclass(frozen=True, slots=True)
class PersonInfo:
    person_id: UUID
    org_unit_id: UUID
    departed_on: date | None = None


@dataclass(frozen=True, slots=True)
class OrgUnitInfo:
    org_unit_id: UUID
    level: str
    dissolved_on: date | None = None


@dataclass(frozen=True)
class SystemHistory:
    system_id: UUID
    criticality: str
    lifecycle: Sequence[LifecycleChange]
    facts: Sequence[Fact]
    claims: Sequence[Claim] = ()
    attestations: Sequence[Attestation] = ()
    offers: Sequence[Offer] = ()


@dataclass(frozen=True)
class Directory:
    people: Mapping[UUID, PersonInfo] = field(default_factory=dict)
    org_units: Mapping[UUID, OrgUnitInfo] = field(default_factory=dict)

    def left_since(self, person_id: UUID) -> date | None:
        """When the person stopped being reachable: departed, or their org unit dissolved."""
        person = self.people.get(person_id)
        if person is None:
            return None
        unit = self.org_units.get(person.org_unit_id)
        dates = [d for d in (person.departed_on, unit and unit.dissolved_on) if d]
        return min(dates) if dates else None

    def level_of(self, person_id: UUID) -> str | None:
        person = self.people.get(person_id)
        unit = person and self.org_units.get(person.org_unit_id)
        return unit.level if unit else None


#: Where a gap's detail names the person it is about; `in_words` puts their name there when the
#: report is read, so a stored gap never keeps a name that has since been erased.
PERSON = "{person}"


@dataclass(frozen=True, slots=True, order=True)
class Gap:
    """One unclear-responsibility period, in words, with what shows it: the person it is about
    (if any), the claims behind it and the event-log positions of the recorded facts."""

    severity: int
    since: date
    rule: str
    role: str | None
    until: date | None
    detail: str  # in words; PERSON marks where the person's name goes
    person_id: UUID | None = field(default=None, compare=False)
    claims: tuple[UUID, ...] = field(default=(), compare=False)
    facts: tuple[int, ...] = field(default=(), compare=False)

    def holds_at(self, day: date) -> bool:
        return self.since <= day and (self.until is None or day < self.until)


def in_words(detail: str, person: str) -> str:
    """A stored detail as a reader sees it, with the person's name (or how they are shown)."""
    return detail.replace(PERSON, person)


def _positions(facts: Iterable[Fact]) -> tuple[int, ...]:
    return tuple(sorted({f.position for f in facts}))


def _vacant(facts: Sequence[Fact], role: str, within: list[Period]) -> list[Period]:
    held = [p.period for p in _held(facts, role)]
    vacant: list[Period] = []
    for window in within:
        cursor = window.start
        for h in held:
            if h.end is not None and h.end <= cursor:
                continue
            if window.end is not None and h.start >= window.end:
                break
            if h.start > cursor:
                vacant.append(Period(cursor, h.start))
            cursor = max(cursor, h.end) if h.end is not None else None
            if cursor is None:
                break
        if cursor is not None and (window.end is None or cursor < window.end):
            vacant.append(Period(cursor, window.end))
    return P.merge(vacant)


class _Facts(list):
    """One system's facts, remembering each role's held periods while the rules run: the rules
    ask for the same role's periods several times, and resolving them is the costly part."""

    def __init__(self, facts: Iterable[Fact]) -> None:
        super().__init__(facts)
        self.held: dict[str, list] = {}


def _held(facts: Sequence[Fact], role: str) -> list:
    if not isinstance(facts, _Facts):
        return held_periods(facts, role)
    if role not in facts.held:
        facts.held[role] = held_periods(facts, role)
    return facts.held[role]


def _gaps(
    rule: str, role: str | None, found: Iterable[Period], detail: str, *, person_id: UUID | None = None,
    claims: tuple[UUID, ...] = (), facts: tuple[int, ...] = (),
) -> list[Gap]:
    return [Gap(SEVERITY[rule], p.start, rule, role, p.end, detail, person_id, claims, facts) for p in P.merge(found)]


def _vacancy_gaps(rule: str, role: str, facts: Sequence[Fact], within: list[Period], detail: str) -> list[Gap]:
    """Like _gaps, saying which it is: recorded as vacant (the latest vacancy's reason, e.g. the
    text an import could not read as one person, and the vacancies as the facts that show it),
    or no recorded fact names anyone for those dates."""
    vacancies = [p for p in resolve_periods(facts, role) if p.holder is None]  # the explicit ones
    gaps = []
    for gap in _gaps(rule, role, _vacant(facts, role, within), detail):
        window = Period(gap.since, gap.until)
        inside = [f for p in vacancies if window.intersect(p.period) for f in p.facts]
        if inside:
            latest = max(inside, key=lambda f: f.position)
            why = f"recorded reason: {latest.reason}" if latest.reason else "recorded as vacant"
            gap = replace(gap, detail=f"{detail}; {why}", facts=_positions(inside))
        else:
            gap = replace(gap, detail=f"{detail}; no recorded fact names a holder for these dates")
        gaps.append(gap)
    return gaps


def find_gaps(system: SystemHistory, directory: Directory, policy: GapPolicy = GapPolicy()) -> list[Gap]:
    """Every unclear-responsibility period of one system, over all of valid time."""
    system = replace(system, facts=_Facts(system.facts))
    operating = lifecycle_periods(system.lifecycle, OPERATING)
    alive = lifecycle_periods(system.lifecycle, [s for s in Lifecycle if s != Lifecycle.DECOMMISSIONED])
    phasing_out = lifecycle_periods(system.lifecycle, [Lifecycle.PHASING_OUT])
    gaps: list[Gap] = []

    for role in policy.required_roles:
        if role == policy.operational_role:
            continue
        gaps += _vacancy_gaps("no_holder", role, system.facts, operating, f"no {role} while in operation")
    gaps += _vacancy_gaps(
        "no_operational_handover", policy.operational_role, system.facts, operating,
        f"in operation with no {policy.operational_role}: the handover to operations was never agreed",
    )
    gaps += _vacancy_gaps(
        "decommission_unowned", policy.owner_role, system.facts, phasing_out,
        f"being phased out with no {policy.owner_role} to carry out the decommissioning",
    )
    gaps += _holder_departed(system, directory, alive)
    gaps += _claims(system, policy)
    gaps += handovers_unanswered(system, policy)
    if system.criticality in policy.critical:
        gaps += _owner_too_low(system, directory, policy, alive)
    gaps += _ping_pong(system, policy, alive)
    gaps += _attestation_overdue(system, policy, alive)
    return sorted(gaps)


def _holder_departed(system: SystemHistory, directory: Directory, alive: list[Period]) -> list[Gap]:
    gaps: list[Gap] = []
    for role in sorted({f.role for f in system.facts}):
        for held in _held(system.facts, role):
            assert held.holder is not None
            left = directory.left_since(held.holder)
            if left is None:
                continue
            stale = held.period.intersect(Period(left))
            if stale:
                gaps += _gaps(
                    "holder_departed", role, P.intersect_all([stale], alive),
                    f"{role} holder {PERSON} left the organisation or their unit was dissolved on {left}",
                    person_id=held.holder, facts=_positions(held.facts),
                )
    return gaps


def _claims(system: SystemHistory, policy: GapPolicy) -> list[Gap]:
    gaps: list[Gap] = []
    for claim in system.claims:
        overdue = P.make(P.after(claim.made_on, policy.claim_answer_days), claim.answered_on)
        if overdue:
            gaps += _gaps(
                "claim_unanswered", claim.role, [overdue],
                f"{PERSON} claimed {claim.role} on {claim.made_on}; the claim has been unanswered for more than"
                f" {policy.claim_answer_days} days",
                person_id=claim.person_id, claims=(claim.claim_id,),
            )
    for role in sorted({c.role for c in system.claims}):
        open_ = [c for c in system.claims if c.role == role]
        edges = sorted({c.made_on for c in open_} | {c.answered_on for c in open_ if c.answered_on})
        crowded: list[tuple[Period, list[Claim]]] = []
        for i, day in enumerate(edges):
            open_then = [c for c in open_ if c.made_on <= day and (c.answered_on is None or day < c.answered_on)]
            if len(open_then) >= policy.competing_claims and (
                p := P.make(day, edges[i + 1] if i + 1 < len(edges) else None)
            ):
                crowded.append((p, open_then))
        for gap in _gaps("competing_claims", role, [p for p, _ in crowded],
                         f"{policy.competing_claims} or more open claims for {role} at once"):
            window = Period(gap.since, gap.until)
            claims = sorted({c.claim_id for p, open_then in crowded if window.intersect(p) for c in open_then})
            gaps.append(replace(gap, detail=f"{len(claims)} claims for {role} open at once, none decided",
                                claims=tuple(claims)))
    return gaps


def handovers_unanswered(system: SystemHistory, policy: GapPolicy) -> list[Gap]:
    """An offer nobody answers for more than `handover_answer_days` leaves it unclear who will hold
    the role: a gap from then until it is answered or withdrawn, or until the offer is void
    because the person who made it no longer holds the role."""
    gaps: list[Gap] = []
    for offer in system.offers:
        end = offer.answered_on
        stretch = next((h for h in _held(system.facts, offer.role)
                        if h.holder == offer.from_person_id and h.period.covers(offer.offered_on)), None)
        if stretch is None:
            continue  # void from the start: the maker did not hold the role as the record stands
        if stretch.end is not None and (end is None or stretch.end < end):
            end = stretch.end
        overdue = P.make(P.after(offer.offered_on, policy.handover_answer_days), end)
        if overdue:
            gaps += _gaps(
                "handover_unanswered", offer.role, [overdue],
                f"{offer.role} was offered to {PERSON} on {offer.offered_on}; the hand-over has been unanswered for"
                f" more than {policy.handover_answer_days} days",
                person_id=offer.to_person_id, facts=_positions(stretch.facts),
            )
    return gaps


def _owner_too_low(system: SystemHistory, directory: Directory, policy: GapPolicy, alive: list[Period]) -> list[Gap]:
    floor = OrgLevel(policy.lowest_owner_level).depth
    gaps: list[Gap] = []
    for held in _held(system.facts, policy.owner_role):
        level = directory.level_of(held.holder) if held.holder else None
        if level is not None and OrgLevel(level).depth > floor:
            gaps += _gaps(
                "owner_too_low", policy.owner_role, P.intersect_all([held.period], alive),
                f"critical system whose {policy.owner_role} {PERSON} sits at {level} level, below"
                f" {policy.lowest_owner_level}",
                person_id=held.holder, facts=_positions(held.facts),
            )
    return gaps


def _ping_pong(system: SystemHistory, policy: GapPolicy, alive: list[Period]) -> list[Gap]:
    gaps: list[Gap] = []
    window = timedelta(days=policy.ping_pong_window_days)
    n = policy.ping_pong_changes
    for role in sorted({f.role for f in system.facts}):
        changes: list[HolderPeriod] = []  # the stretches that began with a change of hands
        previous: UUID | None = None
        for held in _held(system.facts, role):
            if previous is not None and held.holder != previous:
                changes.append(held)
            previous = held.holder
        found = [
            (p, changes[i : i + n]) for i in range(len(changes) - n + 1)
            if changes[i + n - 1].start - changes[i].start < window
            and (p := P.make(changes[i + n - 1].start, P.after(changes[i].start, policy.ping_pong_window_days)))
        ]
        for gap in _gaps("ping_pong", role, P.intersect_all([p for p, _ in found], alive),
                         f"{role} changed hands {n} or more times within {policy.ping_pong_window_days} days"):
            window_ = Period(gap.since, gap.until)
            shown = [c for p, run in found if window_.intersect(p) for c in run]
            gaps.append(replace(gap, facts=_positions(f for c in shown for f in c.facts)))
    return gaps


def _attestation_overdue(system: SystemHistory, policy: GapPolicy, alive: list[Period]) -> list[Gap]:
    gaps: list[Gap] = []
    for role in policy.attested_roles:
        for held in _held(system.facts, role):
            marks = confirmed_on(held, system.attestations)
            overdue = [
                p for i, mark in enumerate(marks)
                if (p := P.make(P.after(mark, policy.attestation_days), marks[i + 1] if i + 1 < len(marks) else held.end))
            ]
            gaps += _gaps(
                "attestation_overdue", role, P.intersect_all(overdue, alive),
                f"{role} {PERSON} has not re-confirmed for more than {policy.attestation_days} days",
                person_id=held.holder, facts=_positions(held.facts),
            )
    return gaps


def confirmed_on(held: HolderPeriod, attestations: Iterable[Attestation]) -> list[date]:
    """The days the holder of a stretch confirmed it, in order: taking the role (the stretch's
    start) and each of their own attestations within it. Recording an old assignment today
    confirms nothing: an imported ten-year-old ownership still needs its owner to attest."""
    return sorted({held.start} | {
        a.attested_on for a in attestations
        if a.role == held.role and a.person_id == held.holder and held.period.covers(a.attested_on)
    })


def attestation_due(held: HolderPeriod, attestations: Iterable[Attestation], days: int, on: date) -> date:
    """When the holder must next re-confirm, as of `on` (a day the stretch covers): `days` after
    their latest confirmation on or before `on`; the last day of the calendar if that is later."""
    return P.after(max(d for d in confirmed_on(held, attestations) if d <= on), days)


def in_use_unheld(state: str | None, facts: Iterable[Fact], role: str, day: date, when: datetime | None = None) -> bool:
    """A system in lifecycle `state` on `day` is in use and nobody holds `role` then, as known at
    `when`: "in use without a Systemejer" for the owner role. The days `no_holder` finds for a role
    (as known now) are exactly these; the register's filter asks this."""
    return in_use(state) and holder_at(facts, role, day, when) is None


def gaps_at(gaps: Iterable[Gap], day: date) -> list[Gap]:
    return sorted(g for g in gaps if g.holds_at(day))




@dataclass(frozen=True, slots=True)
class DirectoryChange:
    """A change to the directory the gap rules read, with when it was recorded: a person registered
    in or moved to a unit (`org_unit_id`), departed or back (`day`), a unit dissolved (`day`)."""

    recorded_at: datetime
    subject_id: UUID
    kind: str  # "registered" | "moved" | "departed" | "returned" | "dissolved"
    day: date | None = None
    org_unit_id: UUID | None = None


def directory_as_known(directory: Directory, changes: Iterable[DirectoryChange], when: datetime) -> Directory:
    """The directory as the record stood at `when`: the people and units of `directory` (a unit's
    level never changes), each person's unit and departure and each unit's dissolution as the changes
    recorded by then (given in log order) left them. A departure recorded after `when` is not known
    at `when`, even if it took effect before."""
    people = {p: PersonInfo(p, info.org_unit_id, None) for p, info in directory.people.items()}
    units = {u: OrgUnitInfo(u, info.level, None) for u, info in directory.org_units.items()}
    for c in changes:
        if c.recorded_at > when:
            continue
        if c.subject_id in people:
            person = people[c.subject_id]
            if c.kind in ("registered", "moved") and c.org_unit_id is not None:
                person = replace(person, org_unit_id=c.org_unit_id)
            elif c.kind == "departed":
                person = replace(person, departed_on=c.day)
            elif c.kind == "returned":
                person = replace(person, departed_on=None)
            people[c.subject_id] = person
        elif c.kind == "dissolved" and c.subject_id in units:
            units[c.subject_id] = replace(units[c.subject_id], dissolved_on=c.day)
    return Directory(people, units)
