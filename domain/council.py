"""The portfolio council (it-porteføljeråd): meetings, and its decisions.

A decision is immutable: one event, never changed. A later decision may supersede an earlier
one; it links to it, and a `Supersession` record (whose id is derived from the superseded
decision) makes "superseded at most once" atomic without editing the earlier decision.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import Conflict, InvalidValue, NotFound
from domain.record_time import RecordedEvent

_SUPERSESSIONS = uuid5(NAMESPACE_URL, "urn:ansvar:supersession")


class DecisionKind(StrEnum):
    PRIORITISATION = "prioritisation"
    APPROVAL = "approval"
    REJECTION = "rejection"
    DEFERRAL = "deferral"
    DECOMMISSION = "decommission"
    OWNERSHIP_RULING = "ownership_ruling"
    BENEFIT_REVIEW = "benefit_review"


class SubjectKind(StrEnum):
    PROPOSAL = "proposal"
    SYSTEM = "system"
    CLAIM = "claim"


#: The proposal status each kind of decision moves its proposals to (None: no status change).
PROPOSAL_STATUS: dict[str, str | None] = {
    DecisionKind.PRIORITISATION: "prioritised",
    DecisionKind.APPROVAL: "approved",
    DecisionKind.REJECTION: "rejected",
    DecisionKind.DEFERRAL: "deferred",
    DecisionKind.BENEFIT_REVIEW: None,
}


class NoQuorum(Conflict):
    slug = "no-quorum"
    title = "The meeting did not have a quorum, so it cannot decide"


class AlreadySuperseded(Conflict):
    slug = "already-superseded"
    title = "That decision has already been superseded"


class MeetingNotFound(NotFound):
    slug = "meeting-not-found"
    title = "No such meeting"


class DecisionNotFound(NotFound):
    slug = "decision-not-found"
    title = "No such decision"


class Meeting(Aggregate):
    TOPIC = "ansvar.meeting"

    class Event(RecordedEvent):
        pass

    class Created(Event, Aggregate.Created):
        TOPIC = "ansvar.meeting.created"

    class Held(Created):
        TOPIC = "ansvar.meeting.held.v1"
        class_version = 2
        held_on: date
        attendee_ids: list[UUID]
        quorum: bool
        meta: dict
        # v2: the proposals on the meeting's agenda (ids, in the agenda's order). Meetings held
        # before the agenda was recorded read with an empty one.
        agenda: list[UUID]

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            state["agenda"] = []

    @event(Held)
    def __init__(
        self, held_on: date, attendee_ids: list[UUID], quorum: bool, meta: dict, agenda: list[UUID] | None = None,
    ) -> None:
        self.held_on = held_on
        self.attendee_ids = attendee_ids
        self.quorum = quorum
        self.agenda = list(agenda or [])


class Decision(Aggregate):
    TOPIC = "ansvar.decision"

    class Event(RecordedEvent):
        pass

    class Created(Event, Aggregate.Created):
        TOPIC = "ansvar.decision.created"

    class Recorded(Created):
        TOPIC = "ansvar.decision.recorded.v1"
        kind: str
        subjects: list[dict]  # [{"kind": "proposal"|"system"|"claim", "id": str}]
        rationale: str
        meeting_id: UUID | None
        decided_by: list[UUID]  # named people (meeting attendees are on the meeting)
        decided_on: date
        effective_from: date
        supersedes: UUID | None
        priorities: list[dict]  # prioritisation: [{"proposal_id": str, "rank": int, "note": str|None}]
        period_from: date | None
        period_to: date | None
        details: dict  # kind-specific: responsible_id (decommission), confirmed_claim_id (ruling),
        # operations_owner_id (approval: who takes the delivered system into operation)
        meta: dict

    @event(Recorded)
    def __init__(
        self, kind: str, subjects: list[dict], rationale: str, meeting_id: UUID | None, decided_by: list[UUID],
        decided_on: date, effective_from: date, supersedes: UUID | None, priorities: list[dict],
        period_from: date | None, period_to: date | None, details: dict, meta: dict,
    ) -> None:
        self.kind = kind
        self.subjects = subjects
        self.supersedes = supersedes
        self.effective_from = effective_from
        self.details = details

    def subject_ids(self, kind: str) -> list[UUID]:
        return [UUID(s["id"]) for s in self.subjects if s["kind"] == kind]


class Supersession(Aggregate):
    """Reserves "decision X is superseded" for exactly one later decision."""

    TOPIC = "ansvar.supersession"

    class Event(RecordedEvent):
        pass

    class Created(Event, Aggregate.Created):
        TOPIC = "ansvar.supersession.created"

    class Recorded(Created):
        TOPIC = "ansvar.supersession.recorded.v1"
        superseded_id: UUID
        by_id: UUID

    @staticmethod
    def create_id(superseded_id: UUID, by_id: UUID) -> UUID:
        return uuid5(_SUPERSESSIONS, str(superseded_id))

    @event(Recorded)
    def __init__(self, superseded_id: UUID, by_id: UUID) -> None:
        self.by_id = by_id


def check_decision(
    kind: str, subjects: list[dict], rationale: str, meeting_id: UUID | None, decided_by: list[UUID],
    priorities: list[dict], period_from: date | None, period_to: date | None, details: dict,
) -> None:
    """The shape rules of a decision, before anything is looked up (422, naming the field)."""
    if kind not in {k.value for k in DecisionKind}:
        raise InvalidValue("not-a-choice", field="kind", allowed=[k.value for k in DecisionKind])
    if any(s["kind"] not in {k.value for k in SubjectKind} for s in subjects):
        raise InvalidValue("unknown-subject-kind", field="subjects", allowed=[k.value for k in SubjectKind])
    if not rationale or not rationale.strip():
        raise InvalidValue("rationale-missing", field="rationale")
    if meeting_id is None and not decided_by:
        raise InvalidValue("decider-missing", field="decided_by")
    counts = {k: sum(1 for s in subjects if s["kind"] == k) for k in SubjectKind}
    if len({(s["kind"], s["id"]) for s in subjects}) != len(subjects):
        raise InvalidValue("subject-twice", field="subjects")
    if kind == DecisionKind.PRIORITISATION:
        if not priorities:
            raise InvalidValue("priorities-empty", field="priorities")
        ranks = [p["rank"] for p in priorities]
        if sorted(ranks) != list(range(1, len(ranks) + 1)):
            raise InvalidValue("ranks-not-consecutive", field="priorities")
        if len({p["proposal_id"] for p in priorities}) != len(priorities):
            raise InvalidValue("proposal-ranked-twice", field="priorities")
        if period_from is None:
            raise InvalidValue("period-from-missing", field="period_from")
        if period_to is not None and period_to <= period_from:
            raise InvalidValue("period-not-after", field="period_to")
        if counts[SubjectKind.SYSTEM] or counts[SubjectKind.CLAIM]:
            raise InvalidValue("prioritisation-subjects", field="subjects")
    elif priorities:
        raise InvalidValue("priorities-without-prioritisation", field="priorities")
    rejects_a_decommissioning = kind == DecisionKind.REJECTION and counts[SubjectKind.SYSTEM] == 1 and len(subjects) == 1
    if kind in (DecisionKind.APPROVAL, DecisionKind.REJECTION, DecisionKind.DEFERRAL, DecisionKind.BENEFIT_REVIEW):
        if not rejects_a_decommissioning and (
            not counts[SubjectKind.PROPOSAL] or counts[SubjectKind.SYSTEM] or counts[SubjectKind.CLAIM]
        ):
            raise InvalidValue("proposal-decision-subjects", field="subjects", kind=kind)
    if details.get("operations_owner_id") and kind != DecisionKind.APPROVAL:
        raise InvalidValue("operations-owner-without-approval", field="operations_owner_id")
    if kind == DecisionKind.DECOMMISSION:
        if counts[SubjectKind.SYSTEM] != 1 or len(subjects) != 1:
            raise InvalidValue("decommission-subjects", field="subjects")
        if not details.get("responsible_id"):
            raise InvalidValue("responsible-missing", field="responsible_id")
    if kind == DecisionKind.OWNERSHIP_RULING:
        if counts[SubjectKind.SYSTEM] != 1 or counts[SubjectKind.PROPOSAL]:
            raise InvalidValue("ruling-subjects", field="subjects")
        if not details.get("confirmed_claim_id"):
            raise InvalidValue("ruling-claim-missing", field="confirmed_claim_id")
