"""Org units and people. Events carry ids and org facts only: names and e-mail addresses are
personal data and live in an erasable directory outside the event log."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.basis import Basis, fields, read_erasure
from domain.errors import AlreadyDone
from domain.person_details import Commitment, PersonDetails
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
            raise AlreadyDone("unit-already-dissolved", field="effective", org_unit_id=str(self.id), dissolved_on=str(self.dissolved_on))
        self._dissolve(effective, meta)

    @event(Dissolved)
    def _dissolve(self, effective: date, meta: dict) -> None:
        self.dissolved_on = effective

    def dissolved_by(self, day: date) -> bool:
        return self.dissolved_on is not None and self.dissolved_on <= day

    class Renamed(Event):
        TOPIC = "ansvar.org_unit.renamed.v1"
        name: str
        meta: dict

    def rename(self, name: str, meta: dict) -> None:
        if name == self.name:
            raise AlreadyDone("unit-already-named", field="name", org_unit_id=str(self.id), name=name)
        self._rename(name, meta)

    @event(Renamed)
    def _rename(self, name: str, meta: dict) -> None:
        self.name = name

    class Moved(Event):
        """The unit now sits under another parent (a reorganisation); its level stays."""

        TOPIC = "ansvar.org_unit.moved.v1"
        parent_id: UUID
        meta: dict

    def move(self, parent_id: UUID, meta: dict) -> None:
        if parent_id == self.parent_id:
            raise AlreadyDone("unit-already-under", field="parent_id", org_unit_id=str(self.id), parent_id=str(parent_id))
        self._move(parent_id, meta)

    @event(Moved)
    def _move(self, parent_id: UUID, meta: dict) -> None:
        self.parent_id = parent_id


class Person(Aggregate):
    TOPIC = "ansvar.person"

    class Event(RecordedEvent):
        pass

    class Created(Event, Aggregate.Created):
        TOPIC = "ansvar.person.created"

    class Registered(Created):
        TOPIC = "ansvar.person.registered.v1"
        class_version = 2
        org_unit_id: UUID
        title: str | None
        meta: dict
        # v2: the salted digests of the name and e-mail given to the directory (domain/person_details.py).
        # v1 registrations committed to neither: the upgrade commits them (DetailsCommitted).
        name_digest: str | None = None
        email_digest: str | None = None

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            state["name_digest"] = None
            state["email_digest"] = None

    @event(Registered)
    def __init__(self, org_unit_id: UUID, title: str | None, meta: dict, name_digest: str | None = None,
                 email_digest: str | None = None) -> None:
        self.org_unit_id = org_unit_id
        self.title = title
        self.departed_on: date | None = None
        self.details_erased = False
        self.details_committed = name_digest is not None
        self.merged_into: UUID | None = None
        self.absorbed: tuple[UUID, ...] = ()

    @classmethod
    def register(cls, org_unit_id: UUID, title: str | None, commitment: Commitment, meta: dict,
                 person_id: UUID | None = None) -> tuple[Person, PersonDetails]:
        """A new person, whose registration commits to `commitment`, and the details to save with it."""
        kwargs = {"id": person_id} if person_id is not None else {}
        person = cls._create(cls.Registered, org_unit_id=org_unit_id, title=title, meta=meta,
                             name_digest=commitment.name_digest, email_digest=commitment.email_digest, **kwargs)
        return person, PersonDetails.committed(person.id, commitment, person.version, "registered")

    class DetailsCorrected(Event):
        """The person's name or e-mail was corrected in the directory: the digests of the new ones."""

        TOPIC = "ansvar.person.details_corrected.v1"
        name_digest: str
        email_digest: str | None
        meta: dict

    def correct_details(self, commitment: Commitment, meta: dict) -> PersonDetails:
        if self.details_erased:
            raise AlreadyDone("details-erased", field="person_id", person_id=str(self.id))
        self._corrected(commitment.name_digest, commitment.email_digest, meta)
        return PersonDetails.committed(self.id, commitment, self.version, "corrected")

    @event(DetailsCorrected)
    def _corrected(self, name_digest: str, email_digest: str | None, meta: dict) -> None:
        self.details_committed = True

    class DetailsCommitted(Event):
        """The upgrade that began committing names: the digests of the name and e-mail the directory
        held then for a person registered before. What they were before this is not proven."""

        TOPIC = "ansvar.person.details_committed.v1"
        name_digest: str
        email_digest: str | None
        meta: dict

    def commit_details(self, commitment: Commitment, meta: dict) -> PersonDetails | None:
        """None if there is nothing to commit: already committed, or erased."""
        if self.details_committed or self.details_erased:
            return None
        self._committed(commitment.name_digest, commitment.email_digest, meta)
        return PersonDetails.committed(self.id, commitment, self.version, "upgrade")

    @event(DetailsCommitted)
    def _committed(self, name_digest: str, email_digest: str | None, meta: dict) -> None:
        self.details_committed = True

    class Departed(Event):
        TOPIC = "ansvar.person.departed.v1"
        effective: date
        meta: dict

    def depart(self, effective: date, meta: dict) -> None:
        if self.departed_on is not None:
            raise AlreadyDone("already-left", field="effective", person_id=str(self.id), departed_on=str(self.departed_on))
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
            raise AlreadyDone("not-left", field="active", person_id=str(self.id))
        self._returned(effective, meta)

    @event(Returned)
    def _returned(self, effective: date, meta: dict) -> None:
        self.departed_on = None

    class DetailsErased(Event):
        """The person's name and e-mail were erased from the directory. The event carries no
        personal data: only that it happened, when, on what basis (as typed, or a code:
        domain/basis.py), and who did it (meta)."""

        TOPIC = "ansvar.person.details_erased.v1"
        class_version = 2
        basis: str | None
        meta: dict
        basis_code: str | None = None  # v2: the command line's default basis, as a code
        basis_params: dict | None = None

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            read_erasure(state)

    def record_erasure(self, basis: str | None, meta: dict, erased_now: bool, why: Basis | None = None) -> None:
        """`erased_now`: the directory held details and erased them just now (they may have been
        stored again since an earlier erasure). Otherwise a second record is refused."""
        if self.details_erased and not erased_now:
            raise AlreadyDone("details-already-erased", field="person_id", person_id=str(self.id))
        self._erased(basis, meta, **fields(why))

    @event(DetailsErased)
    def _erased(self, basis: str | None, meta: dict, basis_code: str | None = None,
                basis_params: dict | None = None) -> None:
        self.details_erased = True

    class Corrected(Event):
        """The person's unit or title corrected, and whether their name or e-mail was (the details
        themselves go to the erasable directory, never into the log)."""

        TOPIC = "ansvar.person.corrected.v1"
        org_unit_id: UUID
        title: str | None
        details_corrected: bool
        meta: dict

    def correct(self, org_unit_id: UUID, title: str | None, details_corrected: bool, meta: dict) -> None:
        if org_unit_id == self.org_unit_id and title == self.title and not details_corrected:
            raise AlreadyDone("placement-unchanged", field="person_id", person_id=str(self.id))
        self._correct(org_unit_id, title, details_corrected, meta)

    @event(Corrected)
    def _correct(self, org_unit_id: UUID, title: str | None, details_corrected: bool, meta: dict) -> None:
        self.org_unit_id = org_unit_id
        self.title = title

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

    class Merged(Event):
        """This record and `into` (the survivor) are one person: from now on everything of this
        record reads as the survivor's. Ids only; who merged them is in `meta`."""

        TOPIC = "ansvar.person.merged.v1"
        into: UUID
        meta: dict

    class Absorbed(Event):
        """The survivor's side of a merge: `merged_id` is now read as this person. Written in the
        merge's transaction, so two merges touching one record at once collide (409)."""

        TOPIC = "ansvar.person.absorbed.v1"
        merged_id: UUID
        meta: dict

    @event(Merged)
    def _merged(self, into: UUID, meta: dict) -> None:
        self.merged_into = into

    @event(Absorbed)
    def _absorbed(self, merged_id: UUID, meta: dict) -> None:
        self.absorbed = (*getattr(self, "absorbed", ()), merged_id)

    def departed_by(self, day: date) -> bool:
        return self.departed_on is not None and self.departed_on <= day
