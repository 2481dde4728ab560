"""Proposals (forslag): intake, assessment, the council's verdicts, implementation.

The lifecycle is one table (`TRANSITIONS`); every status change goes through `_move`, so an
illegal step is refused in one place, with the current state and the allowed ones.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import Conflict
from domain.record_time import RecordedEvent


class Purpose(StrEnum):
    EFFICIENCY = "efficiency"
    PROFESSIONAL_QUALITY = "professional_quality"
    CITIZEN_QUALITY = "citizen_quality"


class ProblemCategory(StrEnum):
    CITIZEN_SERVICE = "citizen_service"
    PROCESSES = "processes"
    WELLBEING_COMPETENCE = "wellbeing_competence"
    RESOURCES = "resources"
    DATA = "data"


class ChangeKind(StrEnum):
    TRANSITION = "transition"  # the elephant march
    TRANSFORMATION = "transformation"  # the tiger leap


class Driver(StrEnum):
    PROFESSIONAL_AREA = "professional_area"
    IT = "it"


class Marker(StrEnum):
    """The guiding markers the council checks every proposal against."""

    USER_INVOLVEMENT = "user_involvement"
    ORGANISATIONAL_ANCHORING = "organisational_anchoring"
    BENEFIT_REALISATION = "benefit_realisation"
    USE_OF_DATA = "use_of_data"


class Status(StrEnum):
    SUBMITTED = "submitted"
    UNDER_ASSESSMENT = "under_assessment"
    PRIORITISED = "prioritised"
    APPROVED = "approved"
    REJECTED = "rejected"
    DEFERRED = "deferred"
    IN_IMPLEMENTATION = "in_implementation"
    IMPLEMENTED = "implemented"
    ABANDONED = "abandoned"
    WITHDRAWN = "withdrawn"


S = Status
#: Which status may follow which. A prioritised or deferred proposal may be taken up again by a
#: later decision (it does not go back to assessment: withdrawal and revision end with the first
#: decision); the four end states admit nothing.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.SUBMITTED: frozenset({S.UNDER_ASSESSMENT, S.WITHDRAWN}),
    S.UNDER_ASSESSMENT: frozenset({S.PRIORITISED, S.APPROVED, S.REJECTED, S.DEFERRED, S.WITHDRAWN}),
    S.PRIORITISED: frozenset({S.PRIORITISED, S.APPROVED, S.REJECTED, S.DEFERRED}),
    S.DEFERRED: frozenset({S.PRIORITISED, S.APPROVED, S.REJECTED, S.DEFERRED}),
    S.APPROVED: frozenset({S.IN_IMPLEMENTATION, S.ABANDONED}),
    S.IN_IMPLEMENTATION: frozenset({S.IMPLEMENTED, S.ABANDONED}),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.IMPLEMENTED: frozenset(),
    S.ABANDONED: frozenset(),
}
#: Revisions only before any decision.
REVISABLE = frozenset({S.SUBMITTED, S.UNDER_ASSESSMENT})


class IllegalTransition(Conflict):
    slug = "illegal-transition"
    title = "The proposal cannot make that step from its current state"


def allowed_from(status: str) -> list[str]:
    return sorted(s.value for s in TRANSITIONS[Status(status)])


def check_transition(proposal_id: UUID, current: str, target: str) -> None:
    """Raise IllegalTransition (409) naming the current state and the allowed ones."""
    allowed = allowed_from(current)
    if target not in allowed:
        raise IllegalTransition(
            proposal_id=str(proposal_id), current=str(current), attempted=str(target), allowed=allowed,
        )


class Proposal(Aggregate):
    TOPIC = "ansvar.proposal"

    class Event(RecordedEvent):
        pass

    class Created(Event, Aggregate.Created):
        TOPIC = "ansvar.proposal.created"

    class Submitted(Created):
        TOPIC = "ansvar.proposal.submitted.v1"
        content: dict  # see Proposal.CONTENT; person and org ids only, no names
        proposer_id: UUID
        forvaltning_id: UUID | None
        meta: dict

    #: The revisable part of a proposal, as stored in `content`.
    CONTENT = (
        "title", "problem", "purposes", "category", "change_kind", "driver", "driver_org_unit_id",
        "benefits", "follow_up_on", "related_system_ids", "markers",
    )

    @event(Submitted)
    def __init__(self, content: dict, proposer_id: UUID, forvaltning_id: UUID | None, meta: dict) -> None:
        self.content = content
        self.proposer_id = proposer_id
        self.forvaltning_id = forvaltning_id
        self.status = Status.SUBMITTED.value
        self.approved_by: UUID | None = None
        self.system_id: UUID | None = None
        self.reviews: list[UUID] = []

    class Revised(Event):
        TOPIC = "ansvar.proposal.revised.v1"
        content: dict
        forvaltning_id: UUID | None
        meta: dict

    def revise(self, content: dict, forvaltning_id: UUID | None, meta: dict) -> None:
        if self.status not in REVISABLE:
            raise IllegalTransition(
                "revision-after-decision", proposal_id=str(self.id), current=self.status, attempted="revise", allowed=sorted(REVISABLE),
            )
        self._revise(content, forvaltning_id, meta)

    @event(Revised)
    def _revise(self, content: dict, forvaltning_id: UUID | None, meta: dict) -> None:
        self.content = content
        self.forvaltning_id = forvaltning_id

    class StatusChanged(Event):
        """One event class for every status step: `status` is the new one, `decision_id` its basis."""

        TOPIC = "ansvar.proposal.status_changed.v1"
        status: str
        decision_id: UUID | None
        reason: str | None
        system_id: UUID | None
        meta: dict

    def move(self, status: str, meta: dict, *, decision_id: UUID | None = None, reason: str | None = None,
             system_id: UUID | None = None) -> None:
        status = Status(status).value
        check_transition(self.id, self.status, status)
        self._move(status, decision_id, reason, system_id, meta)

    @event(StatusChanged)
    def _move(self, status: str, decision_id: UUID | None, reason: str | None, system_id: UUID | None, meta: dict) -> None:
        self.status = status
        if status == Status.APPROVED:
            self.approved_by = decision_id
        if system_id is not None:
            self.system_id = system_id

    class BenefitReviewed(Event):
        TOPIC = "ansvar.proposal.benefit_reviewed.v1"
        decision_id: UUID
        meta: dict

    def review_benefits(self, decision_id: UUID, meta: dict) -> None:
        if self.status != Status.IMPLEMENTED:
            raise IllegalTransition(
                "benefits-before-implementation", proposal_id=str(self.id), current=self.status, attempted="benefit_review", allowed=[Status.IMPLEMENTED.value],
            )
        self._review(decision_id, meta)

    @event(BenefitReviewed)
    def _review(self, decision_id: UUID, meta: dict) -> None:
        self.reviews.append(decision_id)

    @property
    def follow_up_on(self) -> date | None:
        value = self.content.get("follow_up_on")
        return date.fromisoformat(value) if isinstance(value, str) else value
