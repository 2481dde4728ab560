"""Request and response bodies for proposals, the council and decommissioning.
New fields get defaults; a field's type never changes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import msgspec

from api.schemas import Name, PersonRef, Proof, ShortText, Text
from domain.council import DecisionKind, SubjectKind
from domain.decommissioning import ArchiveDuty
from domain.proposals import ChangeKind, Driver, ProblemCategory, Purpose, Status
from domain.vocabulary import Criticality

# Proposals -----------------------------------------------------------------------------------------

class BenefitFigure(msgspec.Struct, forbid_unknown_fields=True):
    label: Name
    amount: float
    unit: ShortText | None = None


class Benefits(msgspec.Struct, forbid_unknown_fields=True):
    text: Text
    figures: list[BenefitFigure] = []


class Markers(msgspec.Struct, forbid_unknown_fields=True):
    """The four guiding markers, each answered in words."""

    user_involvement: Text
    organisational_anchoring: Text
    benefit_realisation: Text
    use_of_data: Text


class ProposalContent(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    title: Name
    problem: Text
    purposes: Annotated[list[Purpose], msgspec.Meta(min_length=1, max_length=3)]
    category: ProblemCategory
    change_kind: ChangeKind
    driver: Driver
    benefits: Benefits
    markers: Markers
    driver_org_unit_id: UUID | None = None
    follow_up_on: date | None = None
    related_system_ids: list[UUID] = []


class SubmitProposal(ProposalContent, kw_only=True):
    proposer_id: UUID


class Withdraw(msgspec.Struct, forbid_unknown_fields=True):
    withdrawn_by: UUID
    reason: Text | None = None


class Abandon(msgspec.Struct, forbid_unknown_fields=True):
    reason: Text


class NewSystem(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    org_unit_id: UUID
    criticality: Criticality
    personal_data: bool
    vendor: ShortText | None = None


class CompleteImplementation(msgspec.Struct, forbid_unknown_fields=True):
    """Either `system_id` (link an existing system) or `system` (register the delivered one)."""

    operations_owner_id: UUID | None = None  # required unless the approval named them
    system_id: UUID | None = None
    system: NewSystem | None = None
    effective_from: date | None = None


class Proposal(ProposalContent, kw_only=True):
    id: UUID
    status: Status
    proposer_id: UUID
    forvaltning_id: UUID | None
    system_id: UUID | None
    benefit_reviews: int
    submitted_at: datetime
    updated_at: datetime
    proposer_name: str | None = None  # None: erased, or nobody registered under the id
    proposer_erased: bool = False


class HistoryEntry(msgspec.Struct):
    position: int
    change: str
    status: Status
    decision_id: UUID | None
    reason: str | None
    system_id: UUID | None
    recorded_at: datetime
    actor_id: str | None
    actor_role: str | None
    actor_name: str | None = None  # who took the step (None: erased, or not a person)
    actor_erased: bool = False


class ProposalDetail(Proposal, kw_only=True):
    history: list[HistoryEntry]


class ProposalPage(msgspec.Struct):
    items: list[Proposal]
    next_cursor: str | None


class BalanceRow(msgspec.Struct):
    forvaltning_id: UUID | None
    forvaltning_name: str | None
    change_kinds: dict[str, int]
    categories: dict[str, int]
    total: int


class Balance(msgspec.Struct):
    statuses: list[str]
    items: list[BalanceRow]


class FollowUps(msgspec.Struct):
    at: date
    items: list[Proposal]


# The council ----------------------------------------------------------------------------------------

class HoldMeeting(msgspec.Struct, forbid_unknown_fields=True):
    held_on: date
    attendee_ids: Annotated[list[UUID], msgspec.Meta(min_length=1)]
    quorum: bool
    agenda: Annotated[list[UUID], msgspec.Meta(
        max_length=500,
        description="The proposals on the meeting's agenda, in order: each an existing proposal's id, each once.",
    )] = []


class AgendaItem(msgspec.Struct):
    proposal_id: UUID
    title: str | None  # the proposal's title (None if the view does not know it)
    status: str | None  # the proposal's state now


class Meeting(msgspec.Struct):
    id: UUID
    held_on: date
    attendee_ids: list[UUID]
    quorum: bool
    recorded_at: datetime
    attendees: list[PersonRef] = []  # the same people, each with their name (none once erased)
    agenda: list[AgendaItem] = []  # the proposals on its agenda, in order, each with its title


class MeetingList(msgspec.Struct):
    items: list[Meeting]


class Subject(msgspec.Struct, forbid_unknown_fields=True):
    kind: SubjectKind
    id: UUID


class Priority(msgspec.Struct, forbid_unknown_fields=True):
    proposal_id: UUID
    rank: Annotated[int, msgspec.Meta(ge=1, le=10_000)]
    note: Text | None = None


class RecordDecision(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    kind: DecisionKind
    rationale: Text
    subjects: list[Subject] = []
    meeting_id: UUID | None = None
    decided_by: list[UUID] = []
    decided_on: date | None = None
    effective_from: date | None = None
    supersedes: UUID | None = None
    priorities: list[Priority] = []
    period_from: date | None = None
    period_to: date | None = None
    responsible_id: UUID | None = None
    confirmed_claim_id: UUID | None = None
    operations_owner_id: UUID | None = None  # approval: who takes the delivered system into operation


class RankedProposal(msgspec.Struct):
    rank: int
    proposal_id: UUID
    note: str | None
    title: str | None
    status: str | None


class Decider(msgspec.Struct):
    person_id: UUID
    capacity: str  # "named" in the decision, or "attendee" of its meeting
    name: str | None = None  # None once erased (then `erased`), or for an id nobody is registered under
    erased: bool = False


class SubjectShown(msgspec.Struct):
    kind: SubjectKind
    id: UUID
    name: str | None = None  # a proposal's title, a system's name, a claim's claimant


class Decision(msgspec.Struct, kw_only=True):
    id: UUID
    kind: DecisionKind
    rationale: str
    meeting_id: UUID | None
    decided_on: date
    effective_from: date
    supersedes: UUID | None
    superseded_by: UUID | None
    period_from: date | None
    period_to: date | None
    responsible_id: UUID | None
    confirmed_claim_id: UUID | None
    operations_owner_id: UUID | None = None
    recorded_at: datetime
    position: int
    actor_id: str | None
    subjects: list[SubjectShown]
    priorities: list[RankedProposal]
    deciders: list[Decider] = []  # the one list of who decided: named in it, or attending its meeting
    recorded_by: str | None = None  # the name of whoever recorded it (actor_id)


class Consequence(msgspec.Struct):
    position: int
    subject_kind: str
    subject_id: UUID
    consequence: str
    recorded_at: datetime


class DecisionDetail(Decision, kw_only=True):
    superseded: Decision | None
    consequences: list[Consequence]
    proof: Proof | None = None  # with ?proof=true: the decision's and its consequences' inclusion proofs


class DecisionPage(msgspec.Struct):
    items: list[Decision]
    next_cursor: str | None


class PriorityList(msgspec.Struct):
    at: date
    decision: Decision | None
    items: list[RankedProposal]


# Decommissioning -------------------------------------------------------------------------------------

class ProposeDecommissioning(msgspec.Struct, forbid_unknown_fields=True):
    reason: Text
    proposed_by: UUID | None = None


class SettleArchiveDuty(msgspec.Struct, forbid_unknown_fields=True):
    duty: ArchiveDuty
    archive_receipt: Text | None = None
    deletion_record: Text | None = None


class EndContracts(msgspec.Struct, forbid_unknown_fields=True):
    ended_on: date
    note: Text | None = None


class SignOff(msgspec.Struct, forbid_unknown_fields=True):
    signed_off_by: UUID


class Decommissioning(msgspec.Struct):
    system_id: UUID
    system_name: str
    stage: str
    reason: str
    proposed_by: UUID | None
    proposed_at: datetime
    decision_id: UUID | None
    responsible_id: UUID | None
    effective_from: date | None
    duty: str | None
    archive_receipt: str | None
    deletion_record: str | None
    contracts_ended_on: date | None
    signed_off_by: UUID | None
    completed_on: date | None
    lacking: list[str]
    people: dict[str, PersonRef] = {}  # proposed_by, responsible_id, signed_off_by: each with their name


class DecommissioningList(msgspec.Struct):
    items: list[Decommissioning]
