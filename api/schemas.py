"""Request and response bodies. New fields get defaults; a field's type never changes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import msgspec

from domain.vocabulary import Criticality, Lifecycle, OrgLevel, Role

# No control characters in what is stored: a NUL cannot be held by PostgreSQL text (one stored in
# an event froze every view there; found by Schemathesis), and the others cannot be written into
# an XLSX export (one in a system's name made every register export a 500). A multi-line text may
# hold tabs and line breaks. U+FFFE and U+FFFF are not characters at all.
CONTROL = r"\x00-\x1f\x7f-\x9f\ufffe\uffff"
LINE_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff"
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=rf"^[^{CONTROL}]*[^\s{CONTROL}][^{CONTROL}]*$")]
Text = Annotated[str, msgspec.Meta(
    min_length=1, max_length=4000, pattern=rf"^[^{LINE_CONTROL}]*[^\s{LINE_CONTROL}][^{LINE_CONTROL}]*$")]
ShortText = Annotated[str, msgspec.Meta(max_length=200, pattern=rf"^[^{CONTROL}]*$")]
Email = Annotated[str, msgspec.Meta(max_length=254, pattern=rf"^[^@\s{CONTROL}]+@[^@\s{CONTROL}]+$")]


class Receipt(msgspec.Struct):
    """What every command answers: where its last event sits in the log, and when it was recorded."""

    position: int
    recorded_at: datetime
    id: UUID | None = None


# Systems ---------------------------------------------------------------------------------------

class RegisterSystem(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    org_unit_id: UUID
    criticality: Criticality
    personal_data: bool
    lifecycle: Lifecycle
    vendor: ShortText | None = None
    lifecycle_from: date | None = None


class System(msgspec.Struct):
    id: UUID
    name: str
    vendor: str | None
    org_unit_id: UUID
    org_unit_name: str
    criticality: Criticality
    personal_data: bool
    lifecycle: Lifecycle | None
    registered_at: datetime


class SystemPage(msgspec.Struct):
    items: list[System]
    next_cursor: str | None


class LifecycleEntry(msgspec.Struct):
    lifecycle: Lifecycle
    effective_from: date
    recorded_at: datetime
    position: int


class SystemDetail(System, kw_only=True):
    lifecycle_history: list[LifecycleEntry]


class ChangeLifecycle(msgspec.Struct, forbid_unknown_fields=True):
    lifecycle: Lifecycle
    effective_from: date


# Responsibility commands --------------------------------------------------------------------------

class RecordAssignment(msgspec.Struct, forbid_unknown_fields=True):
    role: Role
    person_id: UUID
    effective_from: date
    effective_to: date | None = None
    basis: Text | None = None
    decision_id: UUID | None = None


class RecordVacancy(msgspec.Struct, forbid_unknown_fields=True):
    role: Role
    effective_from: date
    reason: Text
    effective_to: date | None = None


class MakeClaim(msgspec.Struct, forbid_unknown_fields=True):
    role: Role
    person_id: UUID
    statement: Text


class ClaimReceipt(Receipt, kw_only=True):
    claim_id: UUID


class ConfirmClaim(msgspec.Struct, forbid_unknown_fields=True):
    effective_from: date | None = None
    decision_id: UUID | None = None


class RejectClaim(msgspec.Struct, forbid_unknown_fields=True):
    reason: Text
    decision_id: UUID | None = None


class Attest(msgspec.Struct, forbid_unknown_fields=True):
    role: Role
    person_id: UUID


# Org units and people -------------------------------------------------------------------------------

class EstablishOrgUnit(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    level: OrgLevel
    parent_id: UUID | None = None


class Dissolve(msgspec.Struct, forbid_unknown_fields=True):
    effective: date


class RenameOrgUnit(msgspec.Struct, forbid_unknown_fields=True):
    name: Name


class MoveOrgUnit(msgspec.Struct, forbid_unknown_fields=True):
    parent_id: UUID


class OrgUnit(msgspec.Struct):
    id: UUID
    name: str
    level: OrgLevel
    parent_id: UUID | None
    dissolved_on: date | None
    established_at: datetime


class OrgUnitList(msgspec.Struct):
    items: list[OrgUnit]


class RegisterPerson(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    org_unit_id: UUID
    title: ShortText | None = None
    email: Email | None = None


class CorrectPerson(msgspec.Struct, forbid_unknown_fields=True):
    """What to correct; a field left out stays as it is; an empty `title` removes it, and
    `"email": null` the e-mail address."""

    name: Name | None = None
    email: Email | None | msgspec.UnsetType = msgspec.UNSET
    title: ShortText | None = None
    org_unit_id: UUID | None = None


class Depart(msgspec.Struct, forbid_unknown_fields=True):
    effective: date


class Erase(msgspec.Struct, forbid_unknown_fields=True):
    basis: Text  # why, e.g. the data subject's request and its case number; kept in the log, so no personal data


class MergePerson(msgspec.Struct, forbid_unknown_fields=True):
    into: UUID  # the survivor: the record that stands for the person from now on


class PersonMerge(msgspec.Struct):
    """One merge this record was a side of: `merged_id` was merged into `into_id` by `actor_id`."""

    position: int
    merged_id: UUID
    into_id: UUID
    recorded_at: datetime
    actor_id: UUID | None


class Person(msgspec.Struct):
    id: UUID
    org_unit_id: UUID
    title: str | None
    departed_on: date | None
    registered_at: datetime
    name: str | None
    email: str | None
    erased: bool
    # Set when this record was merged into another (POST /people/{id}/merge): the survivor's id.
    # Everything of this record reads as the survivor's; ask the survivor's id for the person now.
    merged_into: UUID | None = None
    # The merges this record was a side of (GET /people/{id} only; lists leave it empty).
    merges: list[PersonMerge] = []


class PersonPage(msgspec.Struct):
    items: list[Person]
    next_cursor: str | None


# Views ----------------------------------------------------------------------------------------------

# Holder and SweepItem are made by the tens of thousands per sweep and never in a cycle (plain
# values, a list of Holders): untracked by the garbage collector, which otherwise walks them.
class Holder(msgspec.Struct, gc=False):
    role: Role
    person_id: UUID
    effective_from: date
    effective_to: date | None
    recorded_at: datetime
    person_name: str | None = None  # None: erased, or nobody registered under the id
    person_erased: bool = False


class PersonRef(msgspec.Struct):
    """A person as a reader sees them: the id, and the name beside it (none once erased)."""

    id: UUID
    name: str | None
    erased: bool = False


class DecidingFact(msgspec.Struct):
    """The recorded fact a role's answer rests on."""

    position: int  # its place in the event log
    kind: str  # assignment | vacancy
    effective_from: date
    effective_to: date | None
    recorded_at: datetime
    recorded_by: PersonRef | None  # who recorded it (None: the system, an import run, the operator)
    capacity: str | None  # as what: owner, council, admin, import ...
    basis: str | None  # in English: an assignment's basis, a vacancy's reason (basis_code's words, then basis_note)
    decision_id: UUID | None
    claim_id: UUID | None
    source: dict | None  # an imported fact's file, sha256 and row
    basis_code: str | None = None  # why ansvar recorded it, as a code (claim_confirmed, handover, import, ...)
    basis_params: dict | None = None  # the code's parameters (ids, counts)
    basis_note: str | None = None  # what the person who recorded it typed (or the source's text), exactly


class RoleAnswer(msgspec.Struct):
    role: Role
    holder: PersonRef | None
    answer: str  # held | vacant | not_yet_known | not_covered | never
    why: str  # in words
    fact: DecidingFact | None


class IncludedEvent(msgspec.Struct):
    """That the event at `position` is in the checkpoint's tree (RFC 9162 2.1.3)."""

    position: int
    leaf_index: int
    leaf: str  # base64 of the leaf bytes; its hash is SHA-256(0x00 || leaf)
    hashes: list[str]  # base64, the audit path to the checkpoint's root


class Proof(msgspec.Struct):
    """What an answer rests on, provably: the log positions of the facts it was read from, each
    with its inclusion proof, and the signed checkpoint they verify against."""

    checkpoint: str  # the signed note (C2SP tlog-checkpoint), as GET /log/checkpoint gives it
    tree_size: int
    events: list[IncludedEvent]


class Accountability(msgspec.Struct):
    system_id: UUID
    at: date
    known_at: datetime
    holders: list[Holder]
    system_name: str = ""
    roles: list[RoleAnswer] = []  # every role, each with its answer and what shows it
    proof: Proof | None = None  # with ?proof=true: the deciding facts' inclusion proofs


class SweepItem(msgspec.Struct, gc=False):
    system_id: UUID
    system_name: str
    holders: list[Holder]


class Sweep(msgspec.Struct):
    at: date
    known_at: datetime
    role: Role | None
    items: list[SweepItem]
    next_cursor: str | None


class FactEntry(msgspec.Struct):
    position: int
    kind: str
    role: Role
    person_id: UUID | None
    effective_from: date
    effective_to: date | None
    recorded_at: datetime
    basis: str | None  # in English: basis_code's words, then basis_note
    decision_id: UUID | None
    claim_id: UUID | None
    actor_id: str | None
    actor_role: str | None
    request_id: str | None
    source: dict | None = None  # an imported fact's file, sha256 and row
    basis_code: str | None = None  # why ansvar recorded it, as a code (claim_confirmed, handover, import, ...)
    basis_params: dict | None = None  # the code's parameters (ids, counts)
    basis_note: str | None = None  # what the person who recorded it typed (or the source's text), exactly
    person_name: str | None = None  # None: vacant, erased, or nobody registered under the id
    actor_name: str | None = None
    person_erased: bool = False
    actor_erased: bool = False


class ResolvedPeriod(msgspec.Struct):
    person_id: UUID | None
    effective_from: date
    effective_to: date | None
    decided_by: list[int]  # the event-log positions of the facts that decide the stretch
    person_name: str | None = None
    person_erased: bool = False


class RoleTimeline(msgspec.Struct):
    role: Role
    periods: list[ResolvedPeriod]
    facts: list[FactEntry]


class ClaimView(msgspec.Struct):
    claim_id: UUID
    role: Role
    person_id: UUID
    statement: str
    made_at: datetime  # record time
    made_on: date  # the business date the claim was made
    status: str
    answered_at: datetime | None
    answered_on: date | None
    answer: str | None  # in English: answer_code's words, then answer_note
    decision_id: UUID | None
    position: int = 0  # where the claim (its statement) sits in the log
    answer_position: int | None = None  # where its answer (a rejection's reason) sits
    answer_code: str | None = None  # why ansvar rejected it, as a code (council_ruling)
    answer_note: str | None = None  # the rejection's reason as typed (a ruling's: the council's rationale)
    person_name: str | None = None
    person_erased: bool = False


class AttestationView(msgspec.Struct):
    role: Role
    person_id: UUID
    attested_on: date
    recorded_at: datetime
    position: int = 0  # where it sits in the log
    person_name: str | None = None
    person_erased: bool = False


class ReminderView(msgspec.Struct):
    """A reminder as the log has it: decided (what, to whom, due when), then sent, failed (and
    retried), or undeliverable (e.g. no e-mail address: the council sees it here)."""

    id: UUID
    duty: str
    due_on: date
    recipient_id: UUID | None  # None: the council's mailbox
    system_id: UUID | None
    role: str | None
    subject_id: UUID | None
    about_person_id: UUID | None
    details: dict[str, str]
    status: str  # due | sent | failed | undeliverable
    attempts: int
    last_reply: str | None  # in English: why it could not be sent (last_reply_code's words), or the SMTP server's reply
    retry_after: datetime | None
    message_id: str | None
    decided_at: datetime
    sent_at: datetime | None
    position: int
    recipient_name: str | None = None
    last_reply_code: str | None = None  # why ansvar could not send it, as a code (no_email_address, ...)


class ReminderPage(msgspec.Struct):
    items: list[ReminderView]
    next_start: int | None  # pass as `start` for the next page; null on the last


class DigestChoice(msgspec.Struct, forbid_unknown_fields=True):
    receive: bool  # false: no weekly digest of new gaps (duties addressed to the person still come)


class HandoverView(msgspec.Struct):
    """A hand-over offer as known at the time asked: `state` offered, accepted, refused or withdrawn."""

    id: UUID
    role: str
    from_person_id: UUID
    from_name: str | None
    to_person_id: UUID
    to_name: str | None
    effective_from: date
    offered_on: date
    recorded_at: datetime
    note: str | None
    state: str
    answered_on: date | None
    reason: str | None  # a refusal's reason
    accepted_from: date | None  # from when the role became the recipient's
    position: int
    answer_position: int | None


class Timeline(msgspec.Struct):
    system_id: UUID
    known_at: datetime
    roles: list[RoleTimeline]
    lifecycle: list[LifecycleEntry]
    claims: list[ClaimView]
    attestations: list[AttestationView]
    proof: Proof | None = None  # with ?proof=true: every fact's, claim's, answer's and attestation's
    reminders: list[ReminderView] = []  # who was told what about this system, and when
    handovers: list[HandoverView] = []  # the hand-overs offered, and how each was answered


class HeldRole(msgspec.Struct):
    system_id: UUID
    system_name: str
    role: Role
    effective_from: date
    effective_to: date | None
    recorded_at: datetime
    last_attested_on: date | None
    attestation_due: date | None


class OpenClaim(msgspec.Struct):
    claim_id: UUID
    system_id: UUID
    system_name: str
    role: Role
    statement: str
    made_at: datetime


class PendingHandover(msgspec.Struct):
    """A hand-over offer waiting for its recipient's answer (`POST /handovers/{id}/...`)."""

    id: UUID
    system_id: UUID
    system_name: str
    role: str
    from_person_id: UUID
    to_person_id: UUID
    effective_from: date
    offered_on: date


class Responsibilities(msgspec.Struct):
    person_id: UUID
    at: date
    holds: list[HeldRole]
    open_claims: list[OpenClaim]
    attestations_due: list[HeldRole]
    handovers_offered_to_me: list[PendingHandover] = []  # waiting for my answer
    handovers_i_offered: list[PendingHandover] = []  # waiting for someone else's


class Me(msgspec.Struct):
    """Who a token speaks for: the person (None when nobody is registered under its id, a
    service account say), the roles it lets them act in, and what they hold today."""

    person_id: UUID
    registered: bool
    person: Person | None
    roles: list[str]
    responsibilities: Responsibilities


class GapItem(msgspec.Struct):
    """One unclear-responsibility period: what is wrong (in words), since when, and what shows it."""

    system_id: UUID
    system_name: str
    rule: str
    role: str | None
    since: date
    until: date | None
    severity: int
    detail: str  # in words, naming the person it is about
    person: PersonRef | None = None  # who it is about (a departed holder, a claimant, an owner set too low)
    claims: list[UUID] = []  # the claims behind it
    facts: list[int] = []  # event-log positions of the recorded facts that show it (as in the timeline)


class GapList(msgspec.Struct):
    at: date
    items: list[GapItem]
    next_cursor: str | None


# Operations -------------------------------------------------------------------------------------------

class Health(msgspec.Struct):
    status: str


class ProjectionStatus(msgspec.Struct):
    name: str
    position: int
    lag: int
    failing_position: int | None = None  # the event the view cannot apply (it stays before it)
    error: str | None = None  # why
    failed_at: datetime | None = None


class LogBreak(msgspec.Struct):
    """Where the stored log does not verify: an event read back for the views (a rebuild, or a view
    made afresh) does not match the leaf the log's tree committed to."""

    position: int
    problem: str
    found_at: datetime | None = None


class Ready(msgspec.Struct):
    status: str  # ready | failing (a view stopped) | log-broken | unavailable
    database: str
    head: int
    projections: list[ProjectionStatus]
    log: LogBreak | None = None


# Access control and the trail ---------------------------------------------------------------------------

class HandOver(msgspec.Struct, forbid_unknown_fields=True):
    role: Role
    to_person_id: UUID
    effective_from: date
    note: Text | None = None


class HandoverOffer(msgspec.Struct, kw_only=True):
    """A hand-over offer: `state` offered, accepted, refused or withdrawn. `position` and
    `recorded_at` are those of the command that answered with it."""

    id: UUID
    state: str
    system_id: UUID
    role: str
    from_person_id: UUID
    to_person_id: UUID
    effective_from: date
    position: int
    recorded_at: datetime


class RefuseHandover(msgspec.Struct, forbid_unknown_fields=True):
    reason: Text


class LoggedEvent(msgspec.Struct):
    position: int
    topic: str
    recorded_at: datetime
    originator_id: UUID
    originator_version: int
    actor_id: str | None
    actor_role: str | None
    request_id: str | None
    source: dict | None = None
    actor_name: str | None = None  # the recorder's name (None: erased, or not a person)
    actor_erased: bool = False


class EventPage(msgspec.Struct):
    items: list[LoggedEvent]
    next_after: int | None
