"""Org units and people: the organisation that responsibility is placed in."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.commands import SYSTEM, Actor, Commands, PersonDetails, Receipt, command
from domain.errors import Forbidden, InvalidValue, OrgUnitDissolved, OrgUnitNotFound, PersonNotFound
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
    def rename_org_unit(self, org_unit_id: UUID, name: str, actor: Actor = SYSTEM) -> Receipt:
        """Give an org unit a new name (its id, level, place and history stay)."""
        return self._update(OrgUnit, org_unit_id, OrgUnitNotFound,
                            lambda u: (self._not_dissolved(u), u.rename(name, actor.meta())))

    @command
    def move_org_unit(self, org_unit_id: UUID, parent_id: UUID, actor: Actor = SYSTEM) -> Receipt:
        """Place an org unit under another parent, one level above it at most (a team under an
        afdeling or a forvaltning, ...). The levels only grow downwards, so no move makes a circle."""

        def move(unit: OrgUnit) -> None:
            self._not_dissolved(unit)
            parent = self._open_unit(parent_id, "parent_id")
            if OrgLevel(parent.level).depth >= OrgLevel(unit.level).depth:
                raise InvalidValue(f"a {unit.level} cannot sit under a {parent.level}", field="parent_id",
                                   parent_level=parent.level)
            unit.move(parent_id, actor.meta())

        return self._update(OrgUnit, org_unit_id, OrgUnitNotFound, move)

    def _not_dissolved(self, unit: OrgUnit) -> None:
        if unit.dissolved_by(self.today()):
            raise OrgUnitDissolved(f"org unit {unit.id} was dissolved on {unit.dissolved_on}", field="org_unit_id")

    @command
    def register_person(
        self, name: str, org_unit_id: UUID, title: str | None, email: str | None, actor: Actor = SYSTEM
    ) -> Receipt:
        """Register a person; the name and e-mail go to the erasable directory, not the log."""
        self._open_unit(org_unit_id, "org_unit_id")
        person = Person(org_unit_id=org_unit_id, title=title, meta=actor.meta())
        return self._receipt(self.save(person, people=[PersonDetails(person.id, name, email)]), person.id)

    @command
    def record_departure(self, person_id: UUID, effective: date, actor: Actor = SYSTEM) -> Receipt:
        """Record that a person leaves the organisation on `effective`; never one's own departure:
        it ends the person's access, so another admin records it."""
        self._dates(effective=effective)
        if actor.person_id == person_id:
            raise Forbidden("your own departure is recorded by another admin (it ends your access)", field="person_id")
        return self._update(Person, person_id, PersonNotFound, lambda p: p.depart(effective, actor.meta()))

    @command
    def correct_person(
        self, person_id: UUID, *, name: str | None = None, email: str | None = None, title: str | None = None,
        org_unit_id: UUID | None = None, actor: Actor = SYSTEM,
    ) -> Receipt:
        """Correct what was registered about a person: their unit and title in the log; their name
        and e-mail in the erasable directory, the log recording only that they were corrected.
        A field not given stays; an empty `title` removes it. Erased details are not given back."""

        def attempt() -> Receipt:
            person = self._existing(Person, person_id, PersonNotFound)
            if org_unit_id is not None and org_unit_id != person.org_unit_id:
                self._open_unit(org_unit_id, "org_unit_id")
            details: list[PersonDetails] = []
            if name is not None or email is not None:
                if person.details_erased:
                    raise Forbidden("this person's name and e-mail were erased; they are not stored again",
                                    field="name" if name is not None else "email")
                known = self.directory.get(person_id) if self.directory is not None else None
                new_name = name if name is not None else (known or {}).get("name")
                new_email = email if email is not None else (known or {}).get("email")
                if not new_name:
                    raise InvalidValue("the person has no name on record: give one", field="name")
                if known is None or (new_name, new_email) != (known.get("name"), known.get("email")):
                    details = [PersonDetails(person_id, new_name, new_email)]
            new_title = person.title if title is None else (title or None)
            person.correct(org_unit_id or person.org_unit_id, new_title, bool(details), actor.meta())
            return self._receipt(self.save(person, people=details))

        return self._retrying(attempt, f"person {person_id} kept changing; retry")

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

