"""Commands on proposals (forslag): intake, revision and the steps outside the council.

A proposal's content is kept as plain JSON values (ids and dates as strings) so that it
round-trips unchanged through the event store and the read model.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from domain.basis import Basis, BasisCode
from domain.commands import Actor, Commands, Receipt, command
from domain.errors import (
    ActingForAnother,
    Forbidden,
    InvalidValue,
    NotFound,
    UnknownReference,
)
from domain.org import OrgUnit, Person
from domain.proposals import (
    ChangeKind,
    Driver,
    Marker,
    ProblemCategory,
    Proposal,
    Purpose,
    Status,
)
from domain.systems import System
from domain.vocabulary import Lifecycle, OrgLevel, Role


class ProposalNotFound(NotFound):
    slug = "proposal-not-found"
    title = "No such proposal"


def _choice(content: dict, key: str, allowed: type) -> str:
    value = content.get(key)
    if value not in {m.value for m in allowed}:
        raise InvalidValue("not-a-choice", field=key, allowed=[m.value for m in allowed])
    return value


def normalise_content(content: dict[str, Any]) -> dict[str, Any]:
    """Check a proposal's content and return it in the stored shape (the keys of Proposal.CONTENT)."""
    out: dict[str, Any] = {}
    for key in ("title", "problem"):
        if not str(content.get(key) or "").strip():
            raise InvalidValue("proposal-text-missing", field=key)
        out[key] = str(content[key]).strip()
    purposes = list(content.get("purposes") or [])
    if not purposes or len(set(purposes)) != len(purposes) or not set(purposes) <= {p.value for p in Purpose}:
        raise InvalidValue("purposes-not-chosen", field="purposes", allowed=[p.value for p in Purpose])
    out["purposes"] = purposes
    out["category"] = _choice(content, "category", ProblemCategory)
    out["change_kind"] = _choice(content, "change_kind", ChangeKind)
    out["driver"] = _choice(content, "driver", Driver)
    unit = content.get("driver_org_unit_id")
    if out["driver"] == Driver.PROFESSIONAL_AREA and not unit:
        raise InvalidValue("driver-unit-missing", field="driver_org_unit_id")
    out["driver_org_unit_id"] = str(unit) if unit else None
    benefits = dict(content.get("benefits") or {})
    if not str(benefits.get("text") or "").strip():
        raise InvalidValue("benefits-missing", field="benefits.text")
    out["benefits"] = {"text": benefits["text"].strip(), "figures": list(benefits.get("figures") or [])}
    follow_up = content.get("follow_up_on")
    if isinstance(follow_up, str):
        try:
            follow_up = date.fromisoformat(follow_up)
        except ValueError:
            raise InvalidValue("not-a-date", field="follow_up_on") from None
    Commands._dates(follow_up_on=follow_up)
    out["follow_up_on"] = follow_up.isoformat() if isinstance(follow_up, date) else follow_up
    out["related_system_ids"] = [str(s) for s in content.get("related_system_ids") or []]
    markers = dict(content.get("markers") or {})
    for marker in Marker:
        if not str(markers.get(marker.value) or "").strip():
            raise InvalidValue("marker-unanswered", field=f"markers.{marker.value}", marker=marker.value)
    out["markers"] = {m.value: markers[m.value].strip() for m in Marker}
    return out


class ProposalCommands(Commands):
    def _forvaltning_of(self, org_unit_id: UUID, field: str) -> UUID | None:
        """The forvaltning an org unit sits in (itself if it is one); None above that level."""
        unit = self._existing(OrgUnit, org_unit_id, UnknownReference, field)
        while unit.level != OrgLevel.FORVALTNING and unit.parent_id is not None:
            unit = self._existing(OrgUnit, unit.parent_id, UnknownReference, field)
        return unit.id if unit.level == OrgLevel.FORVALTNING else None

    def _checked(self, content: dict[str, Any], proposer: Person) -> tuple[dict[str, Any], UUID | None]:
        content = normalise_content(content)
        for system_id in content["related_system_ids"]:
            self._existing(System, UUID(system_id), UnknownReference, "related_system_ids")
        driver_unit = content["driver_org_unit_id"]
        if driver_unit:
            return content, self._forvaltning_of(UUID(driver_unit), "driver_org_unit_id")
        return content, self._forvaltning_of(proposer.org_unit_id, "proposer_id")

    @command
    def submit_proposal(self, content: dict[str, Any], proposer_id: UUID, actor: Actor) -> Receipt:
        """Anyone submits a proposal; it starts `submitted`. Returns the proposal's id."""
        if actor.as_owner and proposer_id != actor.person_id:
            raise ActingForAnother("propose-for-another", field="proposer_id", actor_id=str(actor.person_id),
                                   person_id=str(proposer_id))
        proposer = self._assignable(proposer_id, self.today(), field="proposer_id")
        content, forvaltning_id = self._checked(content, proposer)
        proposal = Proposal(content=content, proposer_id=proposer_id, forvaltning_id=forvaltning_id, meta=actor.meta())
        return self._save_new(proposal)

    @command
    def revise_proposal(self, proposal_id: UUID, content: dict[str, Any], actor: Actor) -> Receipt:
        """Replace a proposal's content; only before any decision on it."""
        current = self.proposal(proposal_id)
        if actor.as_owner and current.proposer_id not in self.identities(actor.person_id):
            raise ActingForAnother("revise-for-another", field="proposal_id", proposal_id=str(proposal_id))
        proposer = self._existing_person(self.survivor(current.proposer_id), "proposer_id")  # merged: the survivor
        content, forvaltning_id = self._checked(content, proposer)
        return self._update(Proposal, proposal_id, ProposalNotFound, lambda p: p.revise(content, forvaltning_id, actor.meta()))

    def proposal(self, proposal_id: UUID) -> Proposal:
        return self._existing(Proposal, proposal_id, ProposalNotFound)

    @command
    def start_assessment(self, proposal_id: UUID, actor: Actor) -> Receipt:
        """The council takes a submitted proposal up for assessment."""
        return self._move(proposal_id, Status.UNDER_ASSESSMENT, actor)

    @command
    def withdraw_proposal(self, proposal_id: UUID, withdrawn_by: UUID, reason: str | None, actor: Actor) -> Receipt:
        """The proposer withdraws the proposal, before any decision on it."""
        if self.proposal(proposal_id).proposer_id != withdrawn_by:
            raise InvalidValue("withdrawer-not-proposer", field="withdrawn_by")
        if actor.person_id is not None and actor.person_id != withdrawn_by:
            raise Forbidden("withdraw-for-another", field="withdrawn_by")
        return self._move(proposal_id, Status.WITHDRAWN, actor, reason=reason)

    @command
    def start_implementation(self, proposal_id: UUID, actor: Actor) -> Receipt:
        """An approved proposal goes into implementation."""
        return self._move(proposal_id, Status.IN_IMPLEMENTATION, actor)

    @command
    def abandon_proposal(self, proposal_id: UUID, reason: str, actor: Actor) -> Receipt:
        """An approved or in-progress proposal is given up, with the reason."""
        return self._move(proposal_id, Status.ABANDONED, actor, reason=reason)

    def _operations_owner(self, proposal: Proposal, named_now: UUID | None) -> UUID:
        """The handover to IT is decided, not left to chance: by the approval, or at the latest here."""
        approval = self._maybe(proposal.approved_by) if proposal.approved_by else None
        decided = approval.details.get("operations_owner_id") if approval is not None else None
        if decided and named_now and UUID(decided) != named_now:
            raise InvalidValue("operations-owner-differs", field="operations_owner_id", decided=decided)
        if not (decided or named_now):
            raise InvalidValue("operations-owner-missing", field="operations_owner_id")
        return named_now or UUID(decided)

    def _move(self, proposal_id: UUID, status: str, actor: Actor, reason: str | None = None) -> Receipt:
        return self._update(Proposal, proposal_id, ProposalNotFound, lambda p: p.move(status, actor.meta(), reason=reason))

    @command
    def complete_implementation(
        self, proposal_id: UUID, operations_owner_id: UUID | None, actor: Actor, *, system_id: UUID | None = None,
        new_system: dict[str, Any] | None = None, effective_from: date | None = None,
    ) -> Receipt:
        """Mark the proposal implemented, and in the same save register (or link) the system it
        delivers in `phasing_in` with its teknisk ansvarlig: the person the approval named to take it
        into operation (or named here, if the approval did not), citing the approval decision.
        Returns the delivered system's id."""
        self._dates(effective_from=effective_from)
        if (system_id is None) == (new_system is None):
            raise InvalidValue("system-or-new-system", field="system_id")
        start = effective_from or self.today()
        operations_owner_id = self._operations_owner(self.proposal(proposal_id), operations_owner_id)
        self._assignable(operations_owner_id, start, field="operations_owner_id")

        def build() -> tuple[list, UUID | None]:
            proposal = self.proposal(proposal_id)
            changed: list = [proposal]
            if new_system is not None:
                name = new_system["name"].strip()
                self._existing(OrgUnit, new_system["org_unit_id"], UnknownReference, "system.org_unit_id")
                system = System(
                    name=name, vendor=new_system.get("vendor"), org_unit_id=new_system["org_unit_id"],
                    criticality=str(new_system["criticality"]), personal_data=bool(new_system["personal_data"]),
                    lifecycle=Lifecycle.PHASING_IN.value, lifecycle_from=start, meta=actor.meta(),
                )
                changed += self.name_reservations(new_system["org_unit_id"], name, system.id, None, "system.name")
            else:
                system = self._existing(System, system_id, UnknownReference, "system_id")
                if system.lifecycle_at(start) in (Lifecycle.PHASING_OUT, Lifecycle.DECOMMISSIONED):
                    raise InvalidValue("system-retiring", field="system_id", system_id=str(system_id),
                                       lifecycle=system.lifecycle_at(start))
                if system.lifecycle_at(start) not in (Lifecycle.PHASING_IN, Lifecycle.IN_OPERATION):
                    system.change_lifecycle(Lifecycle.PHASING_IN.value, start, actor.meta())
            proposal.move(Status.IMPLEMENTED, actor.meta(), decision_id=proposal.approved_by, system_id=system.id)
            system.assign(Role.TEKNISK_ANSVARLIG.value, operations_owner_id, start, None, None,
                          proposal.approved_by, actor.meta(),
                          why=Basis(BasisCode.PROPOSAL_DELIVERED, {"proposal_id": str(proposal_id)}))
            return changed + [system], system.id

        return self._atomically(build)
