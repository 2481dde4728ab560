"""Org units and people: the organisation that responsibility is placed in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from domain.commands import SYSTEM, Actor, Commands, PersonDetails, Receipt, command
from domain.errors import Forbidden, InvalidValue, OrgUnitNotFound, PersonNotFound
from domain.org import OrgUnit, Person
from domain.vocabulary import OrgLevel


class OrgCommands(Commands):
    @command
    def establish_org_unit(self, name: str, level: str, parent_id: UUID | None, actor: Actor = SYSTEM) -> Receipt:
        """Record a kommune, forvaltning, afdeling or team, under its parent."""
        if parent_id is not None:
            parent = self._open_unit(parent_id, "parent_id")
            if OrgLevel(parent.level).depth >= OrgLevel(level).depth:
                raise InvalidValue(
                    f"a {level} cannot sit under a {parent.level}", field="parent_id", parent_level=parent.level
                )
        unit = OrgUnit(name=name, level=level, parent_id=parent_id, meta=actor.meta())
        return self._save_new(unit)

    @command
    def dissolve_org_unit(self, org_unit_id: UUID, effective: date, actor: Actor = SYSTEM) -> Receipt:
        """Record that an org unit stops existing on `effective`."""
        self._dates(effective=effective)
        return self._update(OrgUnit, org_unit_id, OrgUnitNotFound, lambda u: u.dissolve(effective, actor.meta()))

    @command
    def register_person(
        self, name: str, org_unit_id: UUID, title: str | None, email: str | None, actor: Actor = SYSTEM
    ) -> Receipt:
        """Register a person; the name and e-mail go to the erasable directory, not the log."""
        return self.register_people([(name, org_unit_id, title, email, actor)])[0]

    @command
    def register_people(self, people: Sequence[tuple[str, UUID, str | None, str | None, Actor]]) -> list[Receipt]:
        """Register several people (name, org unit, title, e-mail, who registers them) in ONE
        transaction: all or none. Provisioning from an identity provider registers the users that
        arrive together this way (one commit for many)."""
        units = {unit for _, unit, _, _, _ in people}
        for unit in units:
            self._open_unit(unit, "org_unit_id")
        persons = [Person(org_unit_id=unit, title=title, meta=actor.meta()) for _, unit, title, _, actor in people]
        details = [PersonDetails(p.id, name, email) for p, (name, _, _, email, _) in zip(persons, people, strict=True)]
        recordings = self.save(*persons, people=details)
        return [Receipt(r.notification.id, r.domain_event.timestamp, r.domain_event.originator_id) for r in recordings]

    @command
    def record_departure(self, person_id: UUID, effective: date, actor: Actor = SYSTEM) -> Receipt:
        """Record that a person leaves the organisation on `effective`; never one's own departure:
        it ends the person's access, so another admin records it."""
        self._dates(effective=effective)
        if actor.person_id == person_id:
            raise Forbidden("your own departure is recorded by another admin (it ends your access)", field="person_id")
        return self._update(Person, person_id, PersonNotFound, lambda p: p.depart(effective, actor.meta()))

    @command
    def record_return(self, person_id: UUID, effective: date, actor: Actor = SYSTEM) -> Receipt:
        """Record that a person who had left is back from `effective`: their departure ends."""
        self._dates(effective=effective)
        return self._update(Person, person_id, PersonNotFound, lambda p: p.come_back(effective, actor.meta()))

    @command
    def erase_person_details(self, person_id: UUID, basis: str, actor: Actor = SYSTEM) -> Receipt:
        """Erase a person's name and e-mail, and record that it was done (not what was erased).

        The directory is erased first: privacy does not wait on the event log. If the event is
        then lost (a crash in between), asking again records it. Asking again after both is a
        409 (AlreadyDone)."""
        self._existing(Person, person_id, PersonNotFound)
        erased_now = bool(self.directory.forget(person_id)) if self.directory is not None else False
        return self._update(Person, person_id, PersonNotFound, lambda p: p.record_erasure(basis, actor.meta(), erased_now))

    def person(self, person_id: UUID) -> Person:
        return self._existing(Person, person_id, PersonNotFound)

