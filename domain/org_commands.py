"""Org units and people: the organisation that responsibility is placed in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from domain.commands import SYSTEM, Actor, Commands, Receipt, command
from domain.errors import AlreadyDone, Forbidden, InvalidValue, OrgUnitNotFound, PersonNotFound
from domain.org import OrgUnit, Person
from domain.person_details import Commitment, PersonDetails
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
        """Register a person; the name and e-mail go to the erasable directory, and the event
        carries only their salted digests (domain/person_details.py)."""
        self._open_unit(org_unit_id, "org_unit_id")
        self._email_unused(email)
        person, details = Person.register(org_unit_id, title, Commitment.of(name, email), actor.meta())
        return self._receipt(self.save(person, people=[details]), person.id)

    @command
    def correct_person_details(self, person_id: UUID, name: str, email: str | None, actor: Actor = SYSTEM) -> Receipt:
        """Correct a person's name and e-mail (`email` None: they have none). The directory takes
        the new ones and the log records their salted digests, in one transaction; an erased
        person's details are not corrected (409)."""

        self._email_unused(email, besides=person_id)

        def attempt() -> Receipt:
            person = self._existing(Person, person_id, PersonNotFound)
            details = person.correct_details(Commitment.of(name, email), actor.meta())
            return self._receipt(self.save(person, people=[details]))

        return self._retrying(attempt, f"person {person_id} kept changing; retry")

    @command
    def commit_earlier_details(self, people: Sequence[tuple[UUID, str, str | None]], actor: Actor = SYSTEM) -> int:
        """The upgrade: commit the details the directory holds for people registered before names
        were committed (each person once: one already committed, or erased, is left as it is), in
        one save; how many were committed. Another process doing the same at once, or an erasure
        meanwhile, costs a retry, not the start."""
        waiting = list(people)

        def attempt() -> int:
            pending: list[Person] = []
            details: list[PersonDetails] = []
            for person_id, name, email in waiting:
                person = self._maybe(person_id)
                if not isinstance(person, Person):
                    continue  # details for an id the log has no person for: verify names them
                committed = person.commit_details(Commitment.of(name, email), actor.meta())
                if committed is not None:
                    pending.append(person)
                    details.append(committed)
            if pending:
                self.save(*pending, people=details)
            return len(pending)

        for _ in range(len(waiting) + 1):
            try:
                return self._retrying(attempt, "people's details kept changing during the upgrade; it runs again"
                                      " at the next start")
            except AlreadyDone as exc:  # erased meanwhile: left out
                waiting = [p for p in waiting if str(p[0]) != exc.extra.get("person_id")]
        return 0

    @command
    def record_departure(self, person_id: UUID, effective: date, actor: Actor = SYSTEM) -> Receipt:
        """Record that a person leaves the organisation on `effective`; never one's own departure:
        it ends the person's access, so another admin records it."""
        self._dates(effective=effective)
        if actor.person_id == person_id:
            raise Forbidden("your own departure is recorded by another admin (it ends your access)", field="person_id")
        return self._update(Person, person_id, PersonNotFound, lambda p: p.depart(effective, actor.meta()))

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

