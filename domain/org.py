"""Org units and people. Events carry ids and org facts only: names and e-mail addresses are
personal data and live in an erasable directory outside the event log."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import AlreadyDone


class OrgUnit(Aggregate):
    TOPIC = "ansvar.org_unit"

    class Event(Aggregate.Event):
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

    class Event(Aggregate.Event):
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

    def departed_by(self, day: date) -> bool:
        return self.departed_on is not None and self.departed_on <= day
