"""Responsibility facts on a system: assignments, vacancies, claims, attestations (hand-overs: handover_commands.py)."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from domain.commands import SYSTEM, Actor, Commands, Receipt, command
from domain.errors import (
    ActingForAnother,
    NotRoleHolder,
    OwnClaim,
    PersonNotFound,
    SystemNotFound,
)
from domain.org import Person
from domain.systems import System


class ResponsibilityCommands(Commands):
    @command
    def assign_role(
        self, system_id: UUID, role: str, person_id: UUID, effective_from: date, effective_to: date | None = None,
        basis: str | None = None, decision_id: UUID | None = None, actor: Actor = SYSTEM,
    ) -> Receipt:
        """Record that `person_id` holds `role` on the system over a valid-time period."""
        self._dates(effective_from=effective_from, effective_to=effective_to)
        self._assignable(person_id, effective_from)
        return self._update(
            System, system_id, SystemNotFound,
            lambda s: s.assign(role, person_id, effective_from, effective_to, basis, decision_id, actor.meta()),
        )

    @command
    def record_vacancy(
        self, system_id: UUID, role: str, effective_from: date, effective_to: date | None, reason: str,
        actor: Actor = SYSTEM,
    ) -> Receipt:
        """Record that nobody holds `role` over a period: a fact, not the absence of one."""
        self._dates(effective_from=effective_from, effective_to=effective_to)
        return self._update(
            System, system_id, SystemNotFound,
            lambda s: s.vacate(role, effective_from, effective_to, reason, actor.meta()),
        )

    @command
    def make_claim(self, system_id: UUID, role: str, person_id: UUID, statement: str, actor: Actor = SYSTEM) -> Receipt:
        """Record that a person claims a role today; the claim waits to be confirmed or rejected.

        A person acting as owner claims only for themself."""
        if actor.as_owner and person_id != actor.person_id:
            raise ActingForAnother("claim-for-another", field="person_id", actor_id=str(actor.person_id),
                                   person_id=str(person_id))
        today = self.today()
        self._assignable(person_id, today)
        claim_id = uuid4()
        receipt = self._update(
            System, system_id, SystemNotFound,
            lambda s: s.make_claim(claim_id, role, person_id, statement, today, actor.meta()),
        )
        return Receipt(receipt.position, receipt.recorded_at, claim_id)

    @command
    def confirm_claim(
        self, system_id: UUID, claim_id: UUID, effective_from: date | None = None,
        decision_id: UUID | None = None, actor: Actor = SYSTEM,
    ) -> Receipt:
        """Confirm an open claim: it becomes an assignment from `effective_from` (default today)."""
        self._dates(effective_from=effective_from)
        today = self.today()
        start = effective_from or today
        claim = self._existing(System, system_id, SystemNotFound).open_claim(claim_id)
        if actor.person_id is not None and claim.person_id in self.identities(actor.person_id):
            # Separation of duties: another council member must answer a member's own claim.
            raise OwnClaim(field="claim_id", claim_id=str(claim_id))
        self._assignable(claim.person_id, start, field="claim_id")
        return self._update(
            System, system_id, SystemNotFound,
            lambda s: s.confirm_claim(claim_id, start, decision_id, today, actor.meta()),
        )

    @command
    def reject_claim(
        self, system_id: UUID, claim_id: UUID, reason: str, decision_id: UUID | None = None, actor: Actor = SYSTEM
    ) -> Receipt:
        """Reject an open claim, with the reason."""
        today = self.today()
        return self._update(
            System, system_id, SystemNotFound, lambda s: s.reject_claim(claim_id, reason, decision_id, today, actor.meta())
        )

    @command
    def attest(self, system_id: UUID, role: str, person_id: UUID, actor: Actor = SYSTEM) -> Receipt:
        """The current holder re-confirms a role (periodic attestation); a person attests only their own."""
        if actor.as_owner and person_id != actor.person_id:
            raise ActingForAnother("attest-for-another", field="person_id", actor_id=str(actor.person_id),
                                   person_id=str(person_id))
        self._existing(Person, person_id, PersonNotFound)
        today = self.today()
        mine = self.identities(person_id)  # a role held by a record merged into the person is theirs

        def change(system: System) -> None:
            if actor.as_owner:
                _require_holder(system, role, actor, today, self.identities(actor.person_id))
            system.attest(role, person_id, today, actor.meta(), also=mine)

        return self._update(System, system_id, SystemNotFound, change)


def _require_holder(system: System, role: str, actor: Actor, day: date, mine: frozenset[UUID]) -> None:
    if system.holder(role, day) not in mine | {actor.person_id}:
        raise NotRoleHolder(field="role", actor_id=str(actor.person_id), role=role, system_id=str(system.id),
                            on=day.isoformat())
