"""Decommissioning (afvikling) from proposal to sign-off. The council's `decommission`
decision itself is recorded by CouncilCommands.record_decision."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain.commands import Actor, Commands, Receipt, command
from domain.decommissioning import Decommissioning, DecommissioningStep
from domain.errors import SystemNotFound
from domain.systems import System
from domain.vocabulary import Lifecycle


class DecommissioningCommands(Commands):
    @command
    def propose_decommissioning(self, system_id: UUID, reason: str, proposed_by: UUID | None, actor: Actor) -> Receipt:
        """Anyone may propose to retire a system, with the reason; the council decides. After the
        council rejected an earlier proposal, the system may be proposed again."""
        system = self._existing(System, system_id, SystemNotFound)
        if proposed_by is not None:
            self._existing_person(proposed_by, "proposed_by")
        if system.lifecycle_at(self.today()) == Lifecycle.DECOMMISSIONED:
            raise DecommissioningStep("already-decommissioned", system_id=str(system_id), current="completed",
                                      allowed=[], attempted="propose")
        existing = self._maybe(Decommissioning.id_for(system_id))
        if existing is not None:
            if existing.stage == "rejected":  # the council said no before; this is a new proposal
                return self._update(
                    Decommissioning, existing.id, SystemNotFound,
                    lambda d: d.propose_again(proposed_by, reason.strip(), actor.meta()),
                )
            raise DecommissioningStep("decommissioning-already-proposed", system_id=str(system_id),
                                      current=existing.stage, allowed=[], attempted="propose")
        process = Decommissioning(system_id=system_id, proposed_by=proposed_by, reason=reason.strip(), meta=actor.meta())
        try:
            return self._receipt(self.save(process), process.id)
        except IntegrityError:
            raise DecommissioningStep("decommissioning-already-proposed", system_id=str(system_id),
                                      current="proposed", allowed=[], attempted="propose") from None

    @command
    def settle_archive_duty(
        self, system_id: UUID, duty: str, archive_receipt: str | None, deletion_record: str | None, actor: Actor
    ) -> Receipt:
        """Record how the archive duty (B, K or B+K) was met: the archive's receipt and/or the deletion."""
        return self._update(
            Decommissioning, self._process_id(system_id), SystemNotFound,
            lambda d: d.settle_archive_duty(duty, archive_receipt, deletion_record, actor.meta()),
        )

    @command
    def end_contracts(self, system_id: UUID, ended_on: date, note: str | None, actor: Actor) -> Receipt:
        """Record that the system's contracts are ended."""
        self._dates(ended_on=ended_on)
        return self._update(
            Decommissioning, self._process_id(system_id), SystemNotFound,
            lambda d: d.end_contracts(ended_on, note, actor.meta()),
        )

    @command
    def complete_decommissioning(self, system_id: UUID, signed_off_by: UUID, actor: Actor) -> Receipt:
        """The responsible person signs off; the system becomes decommissioned today, in the same save."""
        process_id = self._process_id(system_id)
        today = self.today()

        def build() -> tuple[list[Aggregate], UUID | None]:
            process = self._existing(Decommissioning, process_id, SystemNotFound)
            system = self._existing(System, system_id, SystemNotFound)
            process.sign_off(signed_off_by, today, actor.meta())
            system.change_lifecycle(Lifecycle.DECOMMISSIONED.value, today, actor.meta())
            return [process, system], None

        return self._atomically(build)

    def _process_id(self, system_id: UUID) -> UUID:
        self._existing(System, system_id, SystemNotFound)
        process_id = Decommissioning.id_for(system_id)
        if self._maybe(process_id) is None:
            raise DecommissioningStep("decommissioning-not-proposed", system_id=str(system_id),
                                      current=None, allowed=["proposed", "decided"], attempted="a decommissioning step")
        return process_id

