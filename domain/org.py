"""Org units and people. Events carry ids and org facts only: names and e-mail addresses are
personal data and live in an erasable directory outside the event log."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import AlreadyDone
from domain.record_time import RecordedEvent


class OrgUnit(Aggregate):
    TOPIC = "ansvar.org_unit"

    class Event(RecordedEvent):
        pass

    class Created(Event, Aggregate.Created):
        TOPIC = "ansvar.org_unit.created"

    class Established(Created):
        TOPIC = "ansvar.org_unit.established.v1"
        name: str
        level: str
        parent_id: UUID | None
        meta: dict

    @event(Established)
    def __init__(self, name: str, level: str, parent_id: UUID | None, meta: dict) -> None:
        self.name = name
        self.level = level
        self.parent_id = parent_id
        self.dissolved_on: date | None = None

    class Dissolved(Event):
        TOPIC = "ansvar.org_unit.dissolved.v1"
        effective: date
        meta: dict

    def dissolve(self, effective: date, meta: dict) -> None:
        if self.dissolved_on is not None:
            raise AlreadyDone(f"org unit {self.id} was already dissolved on {self.dissolved_on}", field="effective")
        self._dissolve(effective, meta)

    @event(Dissolved)
    def _dissolve(self, effective: date, meta: dict) -> None:
        self.dissolved_on = effective

    def dissolved_by(self, day: date) -> bool:
        return self.dissolved_on is not None and self.dissolved_on <= day


class Person(Aggregate):
    TOPIC = "ansvar.person"

    class Event(RecordedEvent):
        pass

    class Created(Event, Aggregate.Created):
        TOPIC = "ansvar.person.created"

    class Registered(Created):
        TOPIC = "ansvar.person.registered.v1"
        org_unit_id: UUID
        title: str | None
        meta: dict

    @event(Registered)
    def __init__(self, org_unit_id: UUID, title: str | None, meta: dict) -> None:
        self.org_unit_id = org_unit_id
        self.title = title
        self.departed_on: date | None = None
        self.details_erased = False

    class Departed(Event):
        TOPIC = "ansvar.person.departed.v1"
        effective: date
        meta: dict

    def depart(self, effective: date, meta: dict) -> None:
        if self.departed_on is not None:
            raise AlreadyDone(f"person {self.id} already left on {self.departed_on}", field="effective")
        self._depart(effective, meta)

    @event(Departed)
    def _depart(self, effective: date, meta: dict) -> None:
        self.departed_on = effective

    class Returned(Event):
        """A departure ended: the person is back (an identity provider set them active again).
        A new fact beside the departure, which stays in the history."""

        TOPIC = "ansvar.person.returned.v1"
        effective: date
        meta: dict

    def come_back(self, effective: date, meta: dict) -> None:
        if self.departed_on is None:
            raise AlreadyDone(f"person {self.id} has not left", field="active")
        self._returned(effective, meta)

    @event(Returned)
    def _returned(self, effective: date, meta: dict) -> None:
        self.departed_on = None

    class DetailsErased(Event):
        """The person's name and e-mail were erased from the directory. The event carries no
        personal data: only that it happened, when, on what basis, and who did it (meta)."""

        TOPIC = "ansvar.person.details_erased.v1"
        basis: str
        meta: dict

    def record_erasure(self, basis: str, meta: dict, erased_now: bool) -> None:
        """`erased_now`: the directory held details and erased them just now (they may have been
        stored again since an earlier erasure). Otherwise a second record is refused."""
        if self.details_erased and not erased_now:
            raise AlreadyDone(f"person {self.id}'s name and e-mail are already erased", field="person_id")
        self._erased(basis, meta)

    @event(DetailsErased)
    def _erased(self, basis: str, meta: dict) -> None:
        self.details_erased = True

    class DigestChosen(Event):
        """Whether the person receives the council's weekly digest of new gaps (duties addressed
        to them are sent whatever this says)."""

        TOPIC = "ansvar.person.digest_chosen.v1"
        receive: bool
        meta: dict

    def choose_digest(self, receive: bool, meta: dict) -> None:
        self._digest(receive, meta)

    @event(DigestChosen)
    def _digest(self, receive: bool, meta: dict) -> None:
        self.receives_digest = receive

    def departed_by(self, day: date) -> bool:
        return self.departed_on is not None and self.departed_on <= day
