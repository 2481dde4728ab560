"""Erasing a free text that can name a person (domain/erasable.py) from an earlier event.

The event keeps its place, its leaf and so every proof (the leaf commits to a salted hash of
the text, infra/tlog.py); its text becomes `[erased]`, and the erasure is itself an event on
the same system, saying which event and field, when, by whom and on what basis.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from domain.basis import Basis, erasure_basis
from domain.commands import SYSTEM, Actor, Commands, Receipt, command
from domain.erasable import ERASABLE, ERASED, erasable
from domain.errors import AlreadyDone, InvalidValue, NotFound
from domain.systems import System


class EventNotFound(NotFound):
    """No event at that log position."""


class ErasureCommands(Commands):
    @command
    def erase_text(self, position: int, basis: str | None, field: str | None = None, actor: Actor = SYSTEM,
                   why: Basis | None = None) -> Receipt:
        """Erase the erasable text of the event at log `position` (`field`: which, where the event
        has more than one; every such event has one today), on the `basis` a person typed or, asked
        without one, ansvar's `why` (a code). Asking again is a 409 (AlreadyDone)."""
        basis = erasure_basis(basis, why)

        def attempt() -> Receipt:
            target, chosen = self._erasable_text(position, field)
            system = self._existing(System, target.originator_id, EventNotFound, "position")
            system.record_text_erasure(position, chosen, target.topic, getattr(target.event, "claim_id", None),
                                       basis, actor.meta(), why, target.code_erased)
            return self._receipt(self.save(system, erase=[(position, chosen)]))

        return self._retrying(attempt, "events-kept-changing", position=position)

    def _erasable_text(self, position: int, field: str | None) -> tuple[_Target, str]:
        found = list(self.recorder.select_notifications(position, 1))
        if not found or found[0].id != position:
            raise EventNotFound(field="position", position=position)
        n = found[0]
        fields = erasable(n.topic)
        if not fields:
            raise InvalidValue("nothing-erasable", field="position", position=position, topic=n.topic,
                               erasable_topics=sorted(ERASABLE))
        if field is None:
            field = fields[0]
        elif field not in fields:
            raise InvalidValue("field-not-erasable", field="field", name=field, topic=n.topic, erasable=list(fields))
        event = self.mapper.to_domain_event(n)
        value = getattr(event, field, None)
        if value == ERASED:
            raise AlreadyDone("text-already-erased", field="position", position=position, name=field)
        if not isinstance(value, str):
            raise InvalidValue("no-text-to-erase", field="position", position=position, name=field)
        return _Target(n.originator_id, n.topic, event, self._code_erased(n, event, field)), field

    def _code_erased(self, n: StoredEvent, event: object, field: str) -> bool:
        """Whether erasing `field` takes the event's code (domain/basis.py) with it: so in an event
        stored before the codes, whose text held the code ("handover: <note>"). The views then drop
        the code as a rebuild, reading the erased event, would."""
        if getattr(event, "basis_code", None) is None:
            return False
        state = json.loads(n.state)
        state[field] = ERASED
        erased = StoredEvent(n.originator_id, n.originator_version, n.topic, json.dumps(state).encode("utf-8"))
        return getattr(self.mapper.to_domain_event(erased), "basis_code", None) is None


@dataclass(frozen=True)
class _Target:
    originator_id: UUID
    topic: str
    event: object
    code_erased: bool
