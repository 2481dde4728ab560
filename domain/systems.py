"""The system aggregate: registration, lifecycle, and every responsibility fact about it.

One stream per system, so optimistic concurrency on the stream is what turns two conflicting
commands on the same system into one success and one conflict.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain import basis as b
from domain.basis import Basis
from domain.clock import local_date
from domain.errors import (
    AlreadyHoldsRole,
    ClaimAlreadyAnswered,
    ClaimAlreadyOpen,
    ClaimNotFound,
    HandoverAlreadyAnswered,
    HandoverAlreadyOffered,
    HandoverNotFound,
    InvalidPeriod,
    NotHolder,
)
from domain.lifecycle import LifecycleChange, lifecycle_at, stated_lifecycle
from domain.record_time import RecordedEvent
from domain.responsibility import Fact, deciding_fact, holder_at

_NAMES = uuid5(NAMESPACE_URL, "urn:ansvar:system-name")


def normalise_name(name: str) -> str:
    return " ".join(name.split()).casefold()


class SystemName(Aggregate):
    """Reserves a system name within an org unit: its id is derived from both."""

    TOPIC = "ansvar.system_name"

    class Event(RecordedEvent):
        pass

    class Created(Event, Aggregate.Created):
        TOPIC = "ansvar.system_name.created"

    class Reserved(Created):
        TOPIC = "ansvar.system_name.reserved.v1"
        org_unit_id: UUID
        name: str
        system_id: UUID
        meta: dict | None = None  # added later: reservations recorded before it have none

    @staticmethod
    def create_id(org_unit_id: UUID, name: str, meta: dict | None = None) -> UUID:
        return uuid5(_NAMES, f"{org_unit_id}/{normalise_name(name)}")

    @event(Reserved)
    def __init__(self, org_unit_id: UUID, name: str, system_id: UUID, meta: dict | None = None) -> None:
        self.system_id = system_id


_LOOKS = uuid5(NAMESPACE_URL, "urn:ansvar:system-look-alike")


class SystemLookAlike(Aggregate):
    """Reserves what a system's name looks like within an org unit (domain/identity.py's key):
    "Асtive Directory" beside "Active Directory" is the same name to a reader. Its id is derived
    from the unit and the key, so two look-alikes saved at once are one success and one conflict."""

    TOPIC = "ansvar.system_look_alike"

    class Event(RecordedEvent):
        pass

    class Created(Event, Aggregate.Created):
        TOPIC = "ansvar.system_look_alike.created"

    class Reserved(Created):
        TOPIC = "ansvar.system_look_alike.reserved.v1"
        org_unit_id: UUID
        key: str
        name: str
        system_id: UUID
        meta: dict | None = None

    @staticmethod
    def create_id(org_unit_id: UUID, key: str, name: str, system_id: UUID, meta: dict | None = None) -> UUID:
        return uuid5(_LOOKS, f"{org_unit_id}/{key}")

    @event(Reserved)
    def __init__(self, org_unit_id: UUID, key: str, name: str, system_id: UUID, meta: dict | None = None) -> None:
        self.system_id = system_id
        self.name = name


class ClaimState:
    __slots__ = ("role", "person_id", "status")

    def __init__(self, role: str, person_id: UUID) -> None:
        self.role = role
        self.person_id = person_id
        self.status = "open"


class OfferState:
    """A hand-over offer: who offers which role to whom from when, and whether it was answered."""

    __slots__ = ("role", "from_person_id", "to_person_id", "effective_from", "status")

    def __init__(self, role: str, from_person_id: UUID, to_person_id: UUID, effective_from: date) -> None:
        self.role = role
        self.from_person_id = from_person_id
        self.to_person_id = to_person_id
        self.effective_from = effective_from
        self.status = "offered"


class System(Aggregate):
    TOPIC = "ansvar.system"

    class Event(RecordedEvent):
        pass

    class Created(Event, Aggregate.Created):
        TOPIC = "ansvar.system.created"

    class Registered(Created):
        TOPIC = "ansvar.system.registered.v1"
        class_version = 2
        name: str
        vendor: str | None
        org_unit_id: UUID
        criticality: str
        personal_data: bool
        lifecycle: str
        lifecycle_from: date
        meta: dict
        # v2: when the system was taken into use, as the registration stated it; None when nobody
        # said (an inventory's blank "Ibrugtagning"). v1 registrations always gave lifecycle_from.
        in_use_from: date | None = None

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            state["in_use_from"] = state["lifecycle_from"]

    @event(Registered)
    def __init__(
        self, name: str, vendor: str | None, org_unit_id: UUID, criticality: str,
        personal_data: bool, lifecycle: str, lifecycle_from: date, meta: dict, in_use_from: date | None = None,
    ) -> None:
        self.name = name
        self.vendor = vendor
        self.org_unit_id = org_unit_id
        self.criticality = criticality
        self.personal_data = personal_data
        # Position 0: any later change, recorded with a higher version, wins on the same date.
        self.lifecycle_changes: list[LifecycleChange] = [LifecycleChange(0, lifecycle, lifecycle_from)]
        self.facts: list[Fact] = []
        self.claims: dict[UUID, ClaimState] = {}
        self.offers: dict[UUID, OfferState] = {}

    class LifecycleChanged(Event):
        TOPIC = "ansvar.system.lifecycle_changed.v1"
        lifecycle: str
        effective_from: date
        meta: dict

        def apply(self, aggregate: System) -> None:
            aggregate.lifecycle_changes.append(LifecycleChange(self.originator_version, self.lifecycle, self.effective_from))

    def change_lifecycle(self, lifecycle: str, effective_from: date, meta: dict) -> None:
        self.trigger_event(self.LifecycleChanged, lifecycle=lifecycle, effective_from=effective_from, meta=meta)

    class DetailsChanged(Event):
        """Vendor, criticality or personal data corrected (so far only by an inventory import)."""

        TOPIC = "ansvar.system.details_changed.v1"
        vendor: str | None
        criticality: str
        personal_data: bool
        meta: dict

    @event(DetailsChanged)
    def change_details(self, vendor: str | None, criticality: str, personal_data: bool, meta: dict) -> None:
        self.vendor, self.criticality, self.personal_data = vendor, criticality, personal_data

    class ArchiveDutyStated(Event):
        """The system's archive duty (arkivpligt) as its register states it: B (bevares), K
        (kasseres), B+K, or as KITOS names another; None: not stated."""

        TOPIC = "ansvar.system.archive_duty_stated.v1"
        duty: str | None
        meta: dict

        def apply(self, aggregate: System) -> None:
            aggregate.archive_duty = self.duty

    def state_archive_duty(self, duty: str | None, meta: dict) -> None:
        if duty != getattr(self, "archive_duty", None):
            self.trigger_event(self.ArchiveDutyStated, duty=duty, meta=meta)

    def lifecycle_at(self, day: date) -> str | None:
        return lifecycle_at(self.lifecycle_changes, day)

    def stated_lifecycle(self, day: date) -> str | None:
        return stated_lifecycle(self.lifecycle_changes, day)

    # Responsibility facts ---------------------------------------------------------------

    class AssignmentRecorded(Event):
        """`basis`: what the person recording it typed; `basis_code` and `basis_params`: why ansvar
        recorded it (domain/basis.py), when ansvar did (a claim confirmed, a hand-over accepted...)."""

        TOPIC = "ansvar.system.assignment_recorded.v1"
        class_version = 2
        role: str
        person_id: UUID
        effective_from: date
        effective_to: date | None
        basis: str | None
        decision_id: UUID | None
        claim_id: UUID | None
        meta: dict
        basis_code: str | None = None  # v2: the code; v1 held it as English words in `basis`
        basis_params: dict | None = None

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            b.read_assignment(state)

        def apply(self, aggregate: System) -> None:
            aggregate.facts.append(Fact(
                self.originator_version, self.timestamp, self.role, self.person_id, self.effective_from, self.effective_to,
            ))

    def assign(
        self, role: str, person_id: UUID, effective_from: date, effective_to: date | None,
        basis: str | None, decision_id: UUID | None, meta: dict, claim_id: UUID | None = None,
        why: Basis | None = None,
    ) -> None:
        """`basis`: a person's own words, as typed; `why`: ansvar's reason, as a code."""
        _check_period(effective_from, effective_to)
        self.trigger_event(
            self.AssignmentRecorded, role=role, person_id=person_id, effective_from=effective_from,
            effective_to=effective_to, basis=basis, decision_id=decision_id, claim_id=claim_id, meta=meta,
            **b.fields(why),
        )

    class VacancyRecorded(Event):
        """`reason`: the text a person or a source gave (typed, a file's cell, the names KITOS gave);
        `basis_code` and `basis_params`: why ansvar recorded the vacancy, when ansvar did."""

        TOPIC = "ansvar.system.vacancy_recorded.v1"
        class_version = 2
        role: str
        effective_from: date
        effective_to: date | None
        reason: str
        meta: dict
        basis_code: str | None = None  # v2, as AssignmentRecorded
        basis_params: dict | None = None

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            b.read_vacancy(state)

        def apply(self, aggregate: System) -> None:
            aggregate.facts.append(Fact(
                self.originator_version, self.timestamp, self.role, None, self.effective_from, self.effective_to,
            ))

    def vacate(self, role: str, effective_from: date, effective_to: date | None, reason: str, meta: dict,
               why: Basis | None = None) -> None:
        _check_period(effective_from, effective_to)
        self.trigger_event(
            self.VacancyRecorded, role=role, effective_from=effective_from, effective_to=effective_to,
            reason=reason, meta=meta, **b.fields(why),
        )

    def holder(self, role: str, day: date, known_at: datetime | None = None) -> UUID | None:
        """Who holds `role` on `day`, as the record stood at `known_at` (None: as known now).
        Each fact keeps its record time (the event's timestamp) and its version, which orders
        the facts of one stream as the global log does."""
        return holder_at(self.facts, role, day, known_at)

    # Claims -------------------------------------------------------------------------------

    class ClaimMade(Event):
        TOPIC = "ansvar.system.claim_made.v1"
        class_version = 2
        claim_id: UUID
        role: str
        person_id: UUID
        statement: str
        made_on: date  # v2: the business date the claim was made (v1 read it off the record time)
        meta: dict

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            state["made_on"] = local_date(state["timestamp"])

    def make_claim(self, claim_id: UUID, role: str, person_id: UUID, statement: str, made_on: date, meta: dict) -> None:
        """A claim is for a role the person does not hold on `made_on`, and one open claim a person
        and role is enough: a second would show as competing claims against themself."""
        for existing, claim in self.claims.items():
            if claim.status == "open" and claim.role == role and claim.person_id == person_id:
                raise ClaimAlreadyOpen(field="person_id", person_id=str(person_id), claim_id=str(existing), role=role,
                                       system_id=str(self.id))
        held = deciding_fact(self.facts, role, made_on)
        if held is not None and held.holder == person_id:
            raise AlreadyHoldsRole(
                field="role", person_id=str(person_id), role=role, system_id=str(self.id), fact_position=held.position, effective_from=held.effective_from.isoformat(),
            )
        self._claim(claim_id, role, person_id, statement, made_on, meta)

    @event(ClaimMade)
    def _claim(self, claim_id: UUID, role: str, person_id: UUID, statement: str, made_on: date, meta: dict) -> None:
        self.claims[claim_id] = ClaimState(role, person_id)

    def open_claim(self, claim_id: UUID) -> ClaimState:
        claim = self.claims.get(claim_id)
        if claim is None:
            raise ClaimNotFound(system_id=str(self.id), id=str(claim_id))
        if claim.status != "open":
            raise ClaimAlreadyAnswered(claim_id=str(claim_id), current=claim.status)
        return claim

    class ClaimConfirmed(Event):
        TOPIC = "ansvar.system.claim_confirmed.v1"
        class_version = 2
        claim_id: UUID
        decision_id: UUID | None
        answered_on: date  # v2: the business date of the answer (v1 read it off the record time)
        meta: dict

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            state["answered_on"] = local_date(state["timestamp"])

    def confirm_claim(
        self, claim_id: UUID, effective_from: date, decision_id: UUID | None, answered_on: date, meta: dict
    ) -> None:
        claim = self.open_claim(claim_id)
        self._confirm(claim_id, decision_id, answered_on, meta)
        self.assign(claim.role, claim.person_id, effective_from, None, None, decision_id, meta, claim_id,
                    Basis(b.BasisCode.CLAIM_CONFIRMED))
        # The same person's other open claims for the role (filed before one open claim was the
        # rule) are answered by this one: confirmed with it, without a second assignment.
        for other, state in list(self.claims.items()):
            if state.status == "open" and state.role == claim.role and state.person_id == claim.person_id:
                self._confirm(other, decision_id, answered_on, meta)

    @event(ClaimConfirmed)
    def _confirm(self, claim_id: UUID, decision_id: UUID | None, answered_on: date, meta: dict) -> None:
        self.claims[claim_id].status = "confirmed"

    class ClaimRejected(Event):
        TOPIC = "ansvar.system.claim_rejected.v1"
        class_version = 3
        claim_id: UUID
        reason: str  # as typed (by the council: the ruling's rationale)
        decision_id: UUID | None
        answered_on: date  # v2, as ClaimConfirmed
        meta: dict
        basis_code: str | None = None  # v3: e.g. council_ruling; v2 wrote "ruled by the council: " before the reason
        basis_params: dict | None = None

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            state["answered_on"] = local_date(state["timestamp"])

        @staticmethod
        def upcast_v2_v3(state: dict) -> None:
            b.read_rejection(state)

    def reject_claim(self, claim_id: UUID, reason: str, decision_id: UUID | None, answered_on: date, meta: dict,
                     why: Basis | None = None) -> None:
        self.open_claim(claim_id)
        self._reject(claim_id, reason, decision_id, answered_on, meta, **b.fields(why))

    @event(ClaimRejected)
    def _reject(self, claim_id: UUID, reason: str, decision_id: UUID | None, answered_on: date, meta: dict,
                basis_code: str | None = None, basis_params: dict | None = None) -> None:
        self.claims[claim_id].status = "rejected"

    # Hand-over offers ----------------------------------------------------------------------
    # A holder's hand-over is an offer until the recipient accepts it; meanwhile the holder
    # stays responsible. Only the acceptance records a fact (an assignment, code `handover`).

    class HandoverOffered(Event):
        TOPIC = "ansvar.system.handover_offered.v1"
        offer_id: UUID
        role: str
        from_person_id: UUID
        to_person_id: UUID
        effective_from: date
        offered_on: date
        note: str | None
        meta: dict

    def offer_handover(
        self, offer_id: UUID, role: str, from_person_id: UUID, to_person_id: UUID, effective_from: date,
        offered_on: date, note: str | None, meta: dict,
    ) -> None:
        """One open offer of a role to a person is enough: a second would wait beside the first."""
        for existing, offer in self.offers.items():
            if offer.status == "offered" and (offer.role, offer.from_person_id, offer.to_person_id) == (
                role, from_person_id, to_person_id
            ):
                raise HandoverAlreadyOffered(field="to_person_id", offer_id=str(existing), role=role,
                                             system_id=str(self.id), to_person_id=str(to_person_id))
        self._offer(offer_id, role, from_person_id, to_person_id, effective_from, offered_on, note, meta)

    @event(HandoverOffered)
    def _offer(
        self, offer_id: UUID, role: str, from_person_id: UUID, to_person_id: UUID, effective_from: date,
        offered_on: date, note: str | None, meta: dict,
    ) -> None:
        self.offers[offer_id] = OfferState(role, from_person_id, to_person_id, effective_from)

    def open_offer(self, offer_id: UUID) -> OfferState:
        offer = self.offers.get(offer_id)
        if offer is None:
            raise HandoverNotFound(system_id=str(self.id), id=str(offer_id))
        if offer.status != "offered":
            raise HandoverAlreadyAnswered(offer_id=str(offer_id), current=offer.status)
        return offer

    class HandoverAccepted(Event):
        TOPIC = "ansvar.system.handover_accepted.v1"
        offer_id: UUID
        answered_on: date
        effective_from: date
        meta: dict

    def accept_handover(self, offer_id: UUID, answered_on: date, meta: dict, to: UUID | None = None) -> None:
        """The recipient accepts: the role is theirs from the acceptance day, or from the offer's
        date if that is later (the holder stayed responsible until the answer). `to`: the record
        that stands for the recipient now, when the offer's was merged into it."""
        offer = self.open_offer(offer_id)
        start = max(answered_on, offer.effective_from)
        self._accept_offer(offer_id, answered_on, start, meta)
        self.assign(offer.role, to or offer.to_person_id, start, None, None, None, meta, why=Basis(b.BasisCode.HANDOVER))

    @event(HandoverAccepted)
    def _accept_offer(self, offer_id: UUID, answered_on: date, effective_from: date, meta: dict) -> None:
        self.offers[offer_id].status = "accepted"

    class HandoverRefused(Event):
        TOPIC = "ansvar.system.handover_refused.v1"
        offer_id: UUID
        answered_on: date
        reason: str
        meta: dict

    def refuse_handover(self, offer_id: UUID, answered_on: date, reason: str, meta: dict) -> None:
        self.open_offer(offer_id)
        self._refuse_offer(offer_id, answered_on, reason, meta)

    @event(HandoverRefused)
    def _refuse_offer(self, offer_id: UUID, answered_on: date, reason: str, meta: dict) -> None:
        self.offers[offer_id].status = "refused"

    class HandoverWithdrawn(Event):
        TOPIC = "ansvar.system.handover_withdrawn.v1"
        offer_id: UUID
        withdrawn_on: date
        meta: dict

    def withdraw_handover(self, offer_id: UUID, withdrawn_on: date, meta: dict) -> None:
        self.open_offer(offer_id)
        self._withdraw_offer(offer_id, withdrawn_on, meta)

    @event(HandoverWithdrawn)
    def _withdraw_offer(self, offer_id: UUID, withdrawn_on: date, meta: dict) -> None:
        self.offers[offer_id].status = "withdrawn"

    # Attestation --------------------------------------------------------------------------

    class Attested(Event):
        TOPIC = "ansvar.system.attested.v1"
        role: str
        person_id: UUID
        attested_on: date
        meta: dict

    def attest(self, role: str, person_id: UUID, on: date, meta: dict, also: frozenset[UUID] = frozenset()) -> None:
        """`also`: records merged into the person (domain/person_merge.py), whose roles are theirs."""
        if self.holder(role, on) not in also | {person_id}:
            raise NotHolder(field="person_id", person_id=str(person_id), role=role, system_id=str(self.id),
                            on=on.isoformat())
        self._attest(role, person_id, on, meta)

    @event(Attested)
    def _attest(self, role: str, person_id: UUID, attested_on: date, meta: dict) -> None:
        pass

    # Erasure ------------------------------------------------------------------------------

    class TextErased(Event):
        """A free text in one of this system's earlier events (domain/erasable.py) was erased:
        which event (its log position and topic), which field, and on what basis (as typed, or a
        code: domain/basis.py); never the text. `claim_id`: the claim a claim's statement or
        rejection reason belongs to. `code_erased`: the text held ansvar's code too (an event
        stored before the codes: "handover: <note>"), so the event has no code after it."""

        TOPIC = "ansvar.system.text_erased.v1"
        class_version = 2
        position: int
        field: str
        topic: str
        claim_id: UUID | None
        basis: str | None
        meta: dict
        basis_code: str | None = None  # v2: the command line's default basis, as a code
        basis_params: dict | None = None
        code_erased: bool = False  # v2; an erasure before it did not say (a rebuild reads the erased event)

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            b.read_erasure(state)
            state["code_erased"] = False

    def record_text_erasure(self, position: int, field: str, topic: str, claim_id: UUID | None, basis: str | None,
                            meta: dict, why: Basis | None = None, code_erased: bool = False) -> None:
        self._text_erased(position, field, topic, claim_id, basis, meta, **b.fields(why), code_erased=code_erased)

    @event(TextErased)
    def _text_erased(self, position: int, field: str, topic: str, claim_id: UUID | None, basis: str | None, meta: dict,
                     basis_code: str | None = None, basis_params: dict | None = None, code_erased: bool = False) -> None:
        pass


def _check_period(effective_from: date, effective_to: date | None) -> None:
    if effective_to is not None and effective_to <= effective_from:
        raise InvalidPeriod(field="effective_to", effective_from=effective_from.isoformat(),
                            effective_to=effective_to.isoformat())
