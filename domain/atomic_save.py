"""Saving several aggregates as one: the council's commands touch a decision and everything it
decides (proposals, systems, a decommissioning) in ONE `save()`, with retry on a lost race."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain.errors import ConcurrentChange, UnknownReference
from domain.org import Person

if TYPE_CHECKING:
    from domain.portfolio import Receipt

_ATTEMPTS = 5


class AtomicSave:
    """Mixed into Portfolio (through CouncilCommands); uses its repository, save and _receipt."""

    def _atomically(self, build: Callable[[], tuple[list[Aggregate], UUID | None]]) -> Receipt:
        # `build` loads fresh state and re-checks every rule, so a lost race either applies
        # cleanly on retry or fails on the rule that now forbids it.
        for _ in range(_ATTEMPTS):
            aggregates, new_id = build()
            try:
                return self._receipt(self.save(*aggregates), new_id)
            except IntegrityError:
                continue
        raise ConcurrentChange("the records this command touches kept changing; retry")

    def _maybe(self, aggregate_id: UUID) -> Any:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def _existing_person(self, person_id: UUID, field: str) -> Person:
        return self._existing(Person, person_id, UnknownReference, field)
