"""Domain errors. Each has a stable `slug`; the API maps the classes to HTTP once."""

from __future__ import annotations


class DomainError(Exception):
    """What went wrong as a code and its parameters, never as a sentence: the words are made at the
    edge, from one phrasebook per language (infra/phrasebook/en/problems.py for the API and the
    command line, infra/phrasebook/da/problems.py for pages). The code is the class's `slug` unless
    one slug covers several situations; then the raise site names the finer code:
    `raise SystemNotFound(system_id=...)`, `raise InvalidValue("too-long", field="name", limit=200)`."""

    slug = "domain-error"
    title = "The request breaks a rule of the domain"

    def __init__(self, code: str | None = None, /, *, field: str | None = None, **params: object) -> None:
        self.code = code or self.slug
        self.field = field
        self.params = params
        super().__init__(self.code)

    def __str__(self) -> str:
        given = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.code} ({given})" if given else self.code


class NotFound(DomainError):
    slug = "not-found"
    title = "No such resource"


class Conflict(DomainError):
    """The command cannot apply to the current state (HTTP 409)."""

    slug = "conflict"
    title = "The command conflicts with the current state"


class InvalidValue(DomainError):
    """A field's value is well-formed but not acceptable (HTTP 422)."""

    slug = "invalid-value"
    title = "A field has a value that is not acceptable"


class Forbidden(DomainError):
    slug = "forbidden"
    title = "Not allowed for the acting person"


class SystemNotFound(NotFound):
    slug = "system-not-found"
    title = "No such system"


class PersonNotFound(NotFound):
    slug = "person-not-found"
    title = "No such person"


class OrgUnitNotFound(NotFound):
    slug = "org-unit-not-found"
    title = "No such org unit"


class ClaimNotFound(NotFound):
    slug = "claim-not-found"
    title = "No such claim"


class HandoverNotFound(NotFound):
    slug = "handover-not-found"
    title = "No such hand-over offer"


class SystemNameTaken(Conflict):
    slug = "system-name-taken"
    title = "A system with this name already exists in this org unit"


class EmailTaken(Conflict):
    slug = "email-taken"
    title = "Another person has this e-mail address"


class ClaimAlreadyAnswered(Conflict):
    slug = "claim-already-answered"
    title = "The claim has already been answered"


class ClaimAlreadyOpen(Conflict):
    slug = "claim-already-open"
    title = "The person already has an open claim for this role on this system"


class AlreadyHoldsRole(Conflict):
    slug = "already-holds-role"
    title = "The person already holds this role on this system"


class ConcurrentChange(Conflict):
    slug = "concurrent-change"
    title = "Someone else changed this resource at the same moment; retry"


class AlreadyDone(Conflict):
    slug = "already-done"
    title = "This has already been recorded"


class InvalidPeriod(InvalidValue):
    slug = "invalid-period"
    title = "effective_to must be after effective_from"


class PersonDeparted(InvalidValue):
    slug = "person-departed"
    title = "The person has left the organisation"


class OrgUnitDissolved(InvalidValue):
    slug = "org-unit-dissolved"
    title = "The org unit has been dissolved"


class UnknownReference(InvalidValue):
    slug = "unknown-reference"
    title = "A field refers to something that does not exist"


class NotHolder(InvalidValue):
    slug = "not-holder"
    title = "The person does not hold this role"


class ActingForAnother(Forbidden):
    slug = "acting-for-another"
    title = "A person may do this only for themself"


class NotRoleHolder(Forbidden):
    slug = "not-role-holder"
    title = "Only the person holding the role may do this"


class OwnClaim(Forbidden):
    slug = "own-claim"
    title = "A claimant cannot confirm their own claim"


class BackdatedHandover(Forbidden):
    slug = "backdated-handover"
    title = "A hand-over cannot take effect before today"


class NotOfferRecipient(Forbidden):
    slug = "not-offer-recipient"
    title = "Only the person a hand-over is offered to may answer it"


class NotOfferMaker(Forbidden):
    slug = "not-offer-maker"
    title = "Only the person who offered a hand-over may withdraw it"


class HandoverAlreadyAnswered(Conflict):
    slug = "handover-already-answered"
    title = "The hand-over offer has already been answered or withdrawn"


class HandoverAlreadyOffered(Conflict):
    slug = "handover-already-offered"
    title = "The role is already offered to that person and waits for an answer"


class HandoverVoid(Conflict):
    slug = "handover-void"
    title = "The person who offered the hand-over no longer holds the role"


class PersonMerged(Conflict):
    """The record was merged into another (its survivor): it takes no new facts and no second merge."""

    slug = "person-merged"
    title = "The person's record was merged into another"


class MergeRefused(Conflict):
    slug = "merge-refused"
    title = "These two records cannot be merged"


class UpstreamRefused(DomainError):
    """A service ansvar reads from (KITOS) refused or could not be reached: 502."""

    slug = "upstream-refused"
    title = "A service ansvar reads from refused or could not be reached; nothing was written"
