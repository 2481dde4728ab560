"""Hand-over with consent: the holder offers a role, the recipient accepts or refuses, the holder
may withdraw. Until the acceptance the holder stays responsible; the council and the admin still
assign directly (responsibility_commands.assign_role)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

from domain.commands import SYSTEM, Actor, Commands, Receipt, command
from domain.errors import (
    BackdatedHandover,
    HandoverNotFound,
    HandoverVoid,
    InvalidValue,
    NotOfferMaker,
    NotOfferRecipient,
    NotRoleHolder,
    SystemNotFound,
)
from domain.handovers import HandoverOffer
from domain.systems import OfferState, System


class HandoverCommands(Commands):
    @command
    def hand_over(
        self, system_id: UUID, role: str, to_person_id: UUID, effective_from: date, note: str | None = None,
        actor: Actor = SYSTEM,
    ) -> Receipt:
        """The holder of a role offers it to another person from `effective_from` (today or later).

        An offer, not yet a fact: the holder stays responsible until the recipient accepts. The
        acting person must hold the role both today and on `effective_from`. Answers the offer's id."""
        self._dates(effective_from=effective_from)
        if actor.person_id is None:
            raise NotRoleHolder("offer-without-person", field="role")
        if to_person_id == actor.person_id:
            raise InvalidValue("handover-to-self", field="to_person_id")
        today = self.today()
        if effective_from < today:
            raise BackdatedHandover(field="effective_from", today=today.isoformat(), given=effective_from.isoformat())
        self._assignable(to_person_id, effective_from, field="to_person_id")

        def build() -> tuple[list, UUID]:
            system = self._existing(System, system_id, SystemNotFound)
            mine = self.identities(actor.person_id)
            for day in sorted({today, effective_from}):
                _require_holder(system, role, mine, day, actor.person_id)
            pointer = HandoverOffer(system_id=system_id)
            system.offer_handover(
                pointer.id, role, actor.person_id, to_person_id, effective_from, today, note or None, actor.meta()
            )
            return [pointer, system], pointer.id

        return self._atomically(build)

    @command
    def accept_handover(self, offer_id: UUID, actor: Actor = SYSTEM) -> Receipt:
        """The recipient accepts: the role is theirs from the acceptance day, or the offer's date if later."""
        today = self.today()

        def change(system: System) -> None:
            offer = self._answerable(system, offer_id, actor)
            recipient = self.survivor(offer.to_person_id)
            self._assignable(recipient, max(today, offer.effective_from), field="offer_id")
            maker = self.identities(self.survivor(offer.from_person_id))
            for day in sorted({today, offer.effective_from}):
                if system.holder(offer.role, day) not in maker:
                    raise HandoverVoid(field="offer_id", offer_id=str(offer_id), from_person_id=str(offer.from_person_id),
                                       role=offer.role, on=day.isoformat())
            system.accept_handover(offer_id, today, actor.meta(), to=recipient)

        return self._on_offer(offer_id, change)

    @command
    def refuse_handover(self, offer_id: UUID, reason: str, actor: Actor = SYSTEM) -> Receipt:
        """The recipient declines, saying why; the role stays with the holder."""
        if not reason.strip():
            raise InvalidValue("decline-reason-missing", field="reason")
        today = self.today()

        def change(system: System) -> None:
            self._answerable(system, offer_id, actor)
            system.refuse_handover(offer_id, today, reason, actor.meta())

        return self._on_offer(offer_id, change)

    @command
    def withdraw_handover(self, offer_id: UUID, actor: Actor = SYSTEM) -> Receipt:
        """The person who made the offer takes it back before it is answered."""
        today = self.today()

        def change(system: System) -> None:
            offer = system.open_offer(offer_id)
            if actor.person_id not in (offer.from_person_id, self.survivor(offer.from_person_id)):
                raise NotOfferMaker(field="offer_id", actor_id=str(actor.person_id), offer_id=str(offer_id))
            system.withdraw_handover(offer_id, today, actor.meta())

        return self._on_offer(offer_id, change)

    def _answerable(self, system: System, offer_id: UUID, actor: Actor) -> OfferState:
        offer = system.offers.get(offer_id)
        if offer is not None and actor.person_id not in (offer.to_person_id, self.survivor(offer.to_person_id)):
            raise NotOfferRecipient(field="offer_id", offer_id=str(offer_id), to_person_id=str(offer.to_person_id),
                                    actor_id=str(actor.person_id))
        return system.open_offer(offer_id)

    def _on_offer(self, offer_id: UUID, change: Callable[[System], None]) -> Receipt:
        pointer = self._existing(HandoverOffer, offer_id, HandoverNotFound)
        receipt = self._update(System, pointer.system_id, SystemNotFound, change)
        return Receipt(receipt.position, receipt.recorded_at, offer_id)


def _require_holder(system: System, role: str, mine: frozenset[UUID], day: date, person_id: UUID | None) -> None:
    if system.holder(role, day) not in mine:
        raise NotRoleHolder(field="role", actor_id=str(person_id), role=role, system_id=str(system.id), on=day.isoformat())
