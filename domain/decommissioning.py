"""Decommissioning (afvikling) of one system: proposed by anyone, decided by the council,
completed only when the archive duty is settled, the contracts are ended and the responsible
person signs off. The system keeps its whole history; only its lifecycle moves on.

The council may instead reject the proposal (a `rejection` decision about the system); the
system then stays as it is, and it may be proposed again later, in the same stream: one
decommissioning process per system, its whole story in order."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import Conflict, InvalidValue
from domain.record_time import RecordedEvent

_DECOMMISSIONINGS = uuid5(NAMESPACE_URL, "urn:ansvar:decommissioning")


class ArchiveDuty(StrEnum):
    """Arkivpligt: B = preserve (bevares), K = discard (kassation), or both for parts of the data."""

    B = "B"
    K = "K"
    B_AND_K = "B+K"


#: What settles each duty: the archive's receipt for preserved data, a deletion record for discarded.
NEEDS = {ArchiveDuty.B: ("archive_receipt",), ArchiveDuty.K: ("deletion_record",),
         ArchiveDuty.B_AND_K: ("archive_receipt", "deletion_record")}


def still_lacking(stage: str, archive_settled: bool, contracts_ended: bool) -> list[str]:
    """What still stands between a decommissioning and its completion, in the order it is done."""
    if stage in ("completed", "rejected"):  # nothing in progress
        return []
    missing = ["decision"] if stage == "proposed" else []
    missing += [] if archive_settled else ["archive_duty"]
    missing += [] if contracts_ended else ["contracts_ended"]
    return missing + ["sign_off"]


class DecommissioningStep(Conflict):
    slug = "decommissioning-step"
    title = "The decommissioning is not at a stage where this can be done"


class DecommissioningIncomplete(Conflict):
    slug = "decommissioning-incomplete"
    title = "The decommissioning cannot be completed yet"


class Decommissioning(Aggregate):
    TOPIC = "ansvar.decommissioning"

    class Event(RecordedEvent):
        pass

    class Created(Event, Aggregate.Created):
        TOPIC = "ansvar.decommissioning.created"

    class Proposed(Created):
        TOPIC = "ansvar.decommissioning.proposed.v1"
        system_id: UUID
        proposed_by: UUID | None
        reason: str
        meta: dict

    @staticmethod
    def create_id(system_id: UUID, proposed_by: UUID | None, reason: str, meta: dict) -> UUID:
        return Decommissioning.id_for(system_id)

    @staticmethod
    def id_for(system_id: UUID) -> UUID:
        return uuid5(_DECOMMISSIONINGS, str(system_id))

    @event(Proposed)
    def __init__(self, system_id: UUID, proposed_by: UUID | None, reason: str, meta: dict) -> None:
        self.system_id = system_id
        self.stage = "proposed"
        self.decision_id: UUID | None = None
        self.responsible_id: UUID | None = None
        self.duty: str | None = None
        self.archive_receipt: str | None = None
        self.deletion_record: str | None = None
        self.contracts_ended_on: date | None = None

    def _expect(self, stage: str, step: str) -> None:
        if self.stage != stage:
            raise DecommissioningStep(system_id=str(self.system_id), current=self.stage, allowed=[stage], attempted=step)

    class Decided(Event):
        TOPIC = "ansvar.decommissioning.decided.v1"
        decision_id: UUID
        responsible_id: UUID
        effective_from: date
        meta: dict

    def decide(self, decision_id: UUID, responsible_id: UUID, effective_from: date, meta: dict) -> None:
        self._expect("proposed", "a decommission decision")
        self._decide(decision_id, responsible_id, effective_from, meta)

    @event(Decided)
    def _decide(self, decision_id: UUID, responsible_id: UUID, effective_from: date, meta: dict) -> None:
        self.stage = "decided"
        self.decision_id = decision_id
        self.responsible_id = responsible_id

    class Rejected(Event):
        TOPIC = "ansvar.decommissioning.rejected.v1"
        decision_id: UUID
        meta: dict

    def reject(self, decision_id: UUID, meta: dict) -> None:
        self._expect("proposed", "a rejection")
        self._reject(decision_id, meta)

    @event(Rejected)
    def _reject(self, decision_id: UUID, meta: dict) -> None:
        self.stage = "rejected"
        self.decision_id = decision_id

    class ProposedAgain(Event):
        TOPIC = "ansvar.decommissioning.proposed_again.v1"
        proposed_by: UUID | None
        reason: str
        meta: dict

    def propose_again(self, proposed_by: UUID | None, reason: str, meta: dict) -> None:
        """After a rejection: a new proposal, with its own reason, for the council to decide afresh."""
        self._expect("rejected", "a new proposal")
        self._propose_again(proposed_by, reason, meta)

    @event(ProposedAgain)
    def _propose_again(self, proposed_by: UUID | None, reason: str, meta: dict) -> None:
        self.stage = "proposed"
        self.decision_id = None

    class ArchiveDutySettled(Event):
        TOPIC = "ansvar.decommissioning.archive_duty_settled.v1"
        duty: str
        archive_receipt: str | None
        deletion_record: str | None
        meta: dict

    def settle_archive_duty(self, duty: str, archive_receipt: str | None, deletion_record: str | None, meta: dict) -> None:
        self._expect("decided", "settling the archive duty")
        given = {"archive_receipt": archive_receipt, "deletion_record": deletion_record}
        for needed in NEEDS[ArchiveDuty(duty)]:
            if not (given[needed] or "").strip():
                raise InvalidValue("archive-duty-needs", field=needed, duty=duty)
        self._settle(duty, archive_receipt, deletion_record, meta)

    @event(ArchiveDutySettled)
    def _settle(self, duty: str, archive_receipt: str | None, deletion_record: str | None, meta: dict) -> None:
        self.duty, self.archive_receipt, self.deletion_record = duty, archive_receipt, deletion_record

    class ContractsEnded(Event):
        TOPIC = "ansvar.decommissioning.contracts_ended.v1"
        ended_on: date
        note: str | None
        meta: dict

    def end_contracts(self, ended_on: date, note: str | None, meta: dict) -> None:
        self._expect("decided", "ending the contracts")
        self._end_contracts(ended_on, note, meta)

    @event(ContractsEnded)
    def _end_contracts(self, ended_on: date, note: str | None, meta: dict) -> None:
        self.contracts_ended_on = ended_on

    def lacking(self) -> list[str]:
        return still_lacking(self.stage, self.duty is not None, self.contracts_ended_on is not None)

    class Completed(Event):
        TOPIC = "ansvar.decommissioning.completed.v1"
        signed_off_by: UUID
        completed_on: date
        meta: dict

    def sign_off(self, person_id: UUID, on: date, meta: dict) -> None:
        self._expect("decided", "signing off")
        if person_id != self.responsible_id:
            raise InvalidValue("not-the-responsible", field="signed_off_by", responsible_id=str(self.responsible_id))
        missing = [m for m in self.lacking() if m != "sign_off"]
        if missing:
            raise DecommissioningIncomplete(system_id=str(self.system_id), missing=missing, current=self.stage)
        self._complete(person_id, on, meta)

    @event(Completed)
    def _complete(self, signed_off_by: UUID, completed_on: date, meta: dict) -> None:
        self.stage = "completed"
