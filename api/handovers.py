"""Answers to a hand-over offer: the recipient accepts or refuses it, its maker withdraws it.
The offer itself is made on its system (`POST /systems/{id}/handovers`, api/responsibility.py)."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, post

from api import schemas as s
from api.systems import receipt
from domain.commands import Actor
from domain.portfolio import Portfolio


class HandoverController(Controller):
    path = "/handovers/{offer_id:uuid}"
    tags = ["responsibility"]

    @post("/acceptance", operation_id="acceptHandover", status_code=201, sync_to_thread=True)
    def accept(self, offer_id: UUID, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """The recipient accepts: the role is theirs from today, or from the offer's date if that is
        later (until the answer the holder stayed responsible). An offer whose maker no longer
        holds the role is void (409)."""
        return receipt(portfolio.accept_handover(offer_id, actor=actor))

    @post("/refusal", operation_id="refuseHandover", status_code=201, sync_to_thread=True)
    def refuse(self, offer_id: UUID, data: s.RefuseHandover, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """The recipient declines, saying why; the role stays with the holder."""
        return receipt(portfolio.refuse_handover(offer_id, data.reason, actor=actor))

    @post("/withdrawal", operation_id="withdrawHandover", status_code=201, sync_to_thread=True)
    def withdraw(self, offer_id: UUID, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """The person who made the offer takes it back before it is answered."""
        return receipt(portfolio.withdraw_handover(offer_id, actor=actor))
