"""Where a hand-over offer lives: the offer itself is a fact of its system's stream (domain/systems.py);
this small aggregate, created with it in one save, only says which system, so that an answer sent
to `/handovers/{id}` finds the offer without the read side."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.record_time import RecordedEvent


class HandoverOffer(Aggregate):
    TOPIC = "ansvar.handover_offer"

    class Event(RecordedEvent):
        pass

    class Created(Event, Aggregate.Created):
        TOPIC = "ansvar.handover_offer.created"

    class Made(Created):
        TOPIC = "ansvar.handover_offer.made.v1"
        system_id: UUID

    @event(Made)
    def __init__(self, system_id: UUID) -> None:
        self.system_id = system_id
