"""Org units and people: the organisation that responsibility is placed in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from domain.basis import Basis, erasure_basis
from domain.commands import SYSTEM, Actor, Commands, Receipt, command
from domain.errors import (
    AlreadyDone,
    Forbidden,
    InvalidValue,
    OrgUnitDissolved,
    OrgUnitNotFound,
    PersonNotFound,
    UnknownReference,
)
from domain.org import OrgUnit, Person
from domain.person_details import Commitment, PersonDetails
from domain.person_merge import check_merge
from domain.vocabulary import OrgLevel


class OrgCommands(Commands):
    @command
    def establish_org_unit(self, name: str, level: str, parent_id: UUID | None, actor: Actor = SYSTEM) -> Receipt:
        """Record a kommune, forvaltning, afdeling or team, under its parent."""
        if parent_id is not None:
            parent = self._open_unit(parent_id, "parent_id")
            if OrgLevel(parent.level).depth >= OrgLevel(level).depth:
                raise InvalidValue("level-under-level", field="parent_id", level=level, parent_level=parent.level)
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
                raise InvalidValue("level-under-level", field="parent_id", level=unit.level,
                                   parent_level=parent.level)
            unit.move(parent_id, actor.meta())

        return self._update(OrgUnit, org_unit_id, OrgUnitNotFound, move)

    def _not_dissolved(self, unit: OrgUnit) -> None:
        if unit.dissolved_by(self.today()):
            raise OrgUnitDissolved(field="org_unit_id", org_unit_id=str(unit.id), dissolved_on=str(unit.dissolved_on))

    @command
    def register_person(
        self, name: str, org_unit_id: UUID, title: str | None, email: str | None, actor: Actor = SYSTEM
    ) -> Receipt:
        """Register a person; the name and e-mail go to the erasable directory, and the event
        carries only their salted digests (domain/person_details.py)."""
        return self.register_people([(name, org_unit_id, title, email, actor)])[0]

    @command
    def register_people(self, people: Sequence[tuple[str, UUID, str | None, str | None, Actor]]) -> list[Receipt]:
        """Register several people (name, org unit, title, e-mail, who registers them) in ONE
        transaction: all or none. Provisioning from an identity provider registers the users that
        arrive together this way (one commit for many)."""
        for unit in {unit for _, unit, _, _, _ in people}:
            self._open_unit(unit, "org_unit_id")
        self._emails_unused([email for _, _, _, email, _ in people])
        registered = [Person.register(unit, title, Commitment.of(name, email), actor.meta())
                      for name, unit, title, email, actor in people]
        recordings = self.save(*(p for p, _ in registered), people=[d for _, d in registered])
        return [Receipt(r.notification.id, r.domain_event.timestamp, r.domain_event.originator_id) for r in recordings]

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
                return self._retrying(attempt, "details-kept-changing")
            except AlreadyDone as exc:  # erased meanwhile: left out
                waiting = [p for p in waiting if str(p[0]) != exc.params.get("person_id")]
        return 0

    @command
    def record_departure(self, person_id: UUID, effective: date, actor: Actor = SYSTEM) -> Receipt:
        """Record that a person leaves the organisation on `effective`; never one's own departure:
        it ends the person's access, so another admin records it."""
        self._dates(effective=effective)
        if actor.person_id == person_id:
            raise Forbidden("own-departure", field="person_id")
        return self._update(Person, person_id, PersonNotFound, lambda p: p.depart(effective, actor.meta()))

    @command
    def correct_person(
        self, person_id: UUID, *, name: str | None = None, email: str | None = None, remove_email: bool = False,
        title: str | None = None, org_unit_id: UUID | None = None, actor: Actor = SYSTEM,
    ) -> Receipt:
        """Correct what was registered about a person. A field not given stays; an empty `title`
        removes it, and so does `remove_email` the e-mail. The unit and title go in the log; the name
        and e-mail go to the erasable directory, and the log records their salted digests in the
        same transaction (domain/person_details.py). An erased person's details are not corrected
        (409); a correction that changes nothing is a 409 too."""
        if email is not None:
            self._email_unused(email, besides=person_id)

        def attempt() -> Receipt:
            person = self._existing(Person, person_id, PersonNotFound)
            if org_unit_id is not None and org_unit_id != person.org_unit_id:
                self._open_unit(org_unit_id, "org_unit_id")
            details = []
            if name is not None or email is not None or remove_email:
                known = (self.directory.get(person_id) if self.directory is not None else None) or {}
                new_name = name if name is not None else known.get("name")
                new_email = None if remove_email else email if email is not None else known.get("email")
                if not new_name and not person.details_erased:
                    raise InvalidValue("name-missing", field="name")
                if person.details_erased or (new_name, new_email) != (known.get("name"), known.get("email")):
                    details = [person.correct_details(Commitment.of(new_name or "", new_email), actor.meta())]
            new_unit, new_title = org_unit_id or person.org_unit_id, person.title if title is None else (title or None)
            if (new_unit, new_title) != (person.org_unit_id, person.title):
                person.correct(new_unit, new_title, bool(details), actor.meta())
            elif not details:
                raise AlreadyDone("person-unchanged", field="person_id", person_id=str(person_id))
            return self._receipt(self.save(person, people=details))

        return self._retrying(attempt, "kept-changing", kind="Person", id=str(person_id))

    @command
    def record_return(self, person_id: UUID, effective: date, actor: Actor = SYSTEM) -> Receipt:
        """Record that a person who had left is back from `effective`: their departure ends."""
        self._dates(effective=effective)
        return self._update(Person, person_id, PersonNotFound, lambda p: p.come_back(effective, actor.meta()))

    @command
    def erase_person_details(self, person_id: UUID, basis: str | None, actor: Actor = SYSTEM,
                             why: Basis | None = None) -> Receipt:
        """Erase a person's name and e-mail, and record that it was done (not what was erased), on
        the `basis` a person typed, or, asked without one, ansvar's `why` (a code: domain/basis.py).

        The directory is erased first: privacy does not wait on the event log. If the event is
        then lost (a crash in between), asking again records it. Asking again after both is a
        409 (AlreadyDone)."""
        basis = erasure_basis(basis, why)
        self._existing(Person, person_id, PersonNotFound)
        erased_now = bool(self.directory.forget(person_id)) if self.directory is not None else False
        return self._update(Person, person_id, PersonNotFound, lambda p: p.record_erasure(basis, actor.meta(), erased_now, why))

    @command
    def merge_person(self, person_id: UUID, into: UUID, actor: Actor = SYSTEM) -> Receipt:
        """Record that `person_id` and `into` are one person (domain/person_merge.py's rule): an
        event on each record, in one transaction, ids only. Two merges touching one record at once
        collide; the one that loses is run again on the fresh state and meets the rule (409)."""

        def build() -> tuple[list, UUID]:
            merged = self._existing(Person, person_id, PersonNotFound)
            if into == person_id:
                check_merge(merged, merged, self.today())
            survivor = self._existing(Person, into, UnknownReference, "into")
            check_merge(merged, survivor, self.today())
            details = self._address_to_survivor(merged, survivor, actor)
            merged._merged(into, actor.meta())
            survivor._absorbed(person_id, actor.meta())
            return [merged, survivor], into, details

        def attempt() -> Receipt:
            aggregates, new_id, details = build()
            return self._receipt(self.save(*aggregates, people=details), new_id)

        return self._retrying(attempt)

    def _address_to_survivor(self, merged: Person, survivor: Person, actor: Actor) -> list[PersonDetails]:
        """A survivor without an e-mail address takes the merged record's (reminders go to the survivor,
        by its address), and without a name, its name: corrections of both records' details, committed
        by digests as any correction is, in the merge's transaction. Otherwise the details stay."""
        if self.directory is None or merged.details_erased:
            return []
        mine, theirs = self.directory.get(survivor.id) or {}, self.directory.get(merged.id) or {}
        if mine.get("email") or not theirs.get("email"):
            return []
        name = mine.get("name") or theirs.get("name") or ""
        return [merged.correct_details(Commitment.of(theirs.get("name") or "", None), actor.meta()),
                survivor.correct_details(Commitment.of(name, theirs["email"]), actor.meta())]

    def person(self, person_id: UUID) -> Person:
        return self._existing(Person, person_id, PersonNotFound)


