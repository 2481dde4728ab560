"""What every command shares: who acts (`Actor`), what it answers (`Receipt`), the clock,
loading aggregates, and saving with one retry loop for lost races.

Each area's commands are a class of its own on `Commands` (org_commands.py, system_commands.py,
responsibility_commands.py, proposal_commands.py, council_commands.py,
decommissioning_commands.py, import_commands.py); `Portfolio` (portfolio.py) is their flat
composition. An area uses only what is defined here, never another area's methods.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ParamSpec, Protocol, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding

from domain.clock import Clock
from domain.errors import (
    ConcurrentChange,
    EmailTaken,
    InvalidValue,
    OrgUnitDissolved,
    PersonDeparted,
    PersonMerged,
    UnknownReference,
)
from domain.identity import Skeleton, identity_key, no_confusables
from domain.loading import CachingRepository
from domain.org import OrgUnit, Person
from domain.periods import EARLIEST, LATEST
from domain.person_details import PersonDetails
from domain.record_time import recording_with
from domain.vocabulary import AccessRole

A = TypeVar("A", bound=Aggregate)
P = ParamSpec("P")
R = TypeVar("R")
#: A command that loses a race is run again on the fresh state this many times in all.
ATTEMPTS = 5


@dataclass(frozen=True)
class Actor:
    """Who is acting, in which capacity, for which request; recorded on every event."""

    person_id: UUID | None = None
    role: str = "system"
    request_id: str | None = None
    source: dict[str, Any] | None = None  # provenance of imported facts: file, sha256, row

    @property
    def as_owner(self) -> bool:
        """Acting as an ordinary person (not for the council, an admin or an import): only for themself."""
        return self.role == AccessRole.OWNER

    def meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "actor_id": str(self.person_id) if self.person_id else None,
            "actor_role": self.role,
            "request_id": self.request_id,
        }
        if self.source:
            meta["source"] = self.source
        return meta


SYSTEM = Actor()


@dataclass(frozen=True)
class Receipt:
    """What a command returns: the new id (if any) and where its last event sits in the log."""

    position: int
    recorded_at: datetime
    id: UUID | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class PersonDirectory(Protocol):
    """Erasable personal details (name, e-mail) kept outside the event log."""

    def record(self, details: PersonDetails, position: int) -> None: ...
    def emails(self) -> list[tuple[UUID, str | None, str]]: ...  # (id, name, e-mail) of everyone with one
    def get(self, person_id: UUID) -> dict[str, Any] | None: ...
    def forget(self, person_id: UUID) -> bool | None: ...


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def command(method: Callable[P, R]) -> Callable[P, R]:
    """Marks a public command: the events it records are stamped by the application's clock."""

    @functools.wraps(method)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        self = args[0]
        with recording_with(self.clock):  # type: ignore[attr-defined]
            return method(*args, **kwargs)

    return run


class Commands(Application[UUID]):

    def __init__(self, env: dict[str, str] | None = None, *, clock: Clock, directory: PersonDirectory | None = None) -> None:
        super().__init__(env)
        self.clock = clock
        self.directory = directory
        self.on_saved: Callable[[], None] | None = None  # wakes the in-process projection worker
        # Extra keyword arguments for the recorder on every save (infra sets it: idempotency keys).
        self.save_options: Callable[[], dict[str, Any]] | None = None
        # What names look like (domain/identity.py): the composition root hands in Unicode's
        # confusables (infra/confusables.py), and the names of the systems an org unit already has
        # (the register's view: systems registered before look-alikes were reserved).
        self.skeleton: Skeleton = no_confusables
        self.systems_in_unit: Callable[[UUID], list[tuple[UUID, str]]] | None = None

    def today(self) -> date:
        return self.clock.today()

    def construct_repository(self) -> CachingRepository:
        """The library's repository with its aggregate cache (`AGGREGATE_CACHE_MAXSIZE`, none if
        unset), always fast-forwarded (domain/loading.py: why it is safe with several processes)."""
        size = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)
        return CachingRepository(self.events, snapshot_store=self.snapshots, cache_maxsize=int(size) if size else None)

    @staticmethod
    def _dates(**fields: date | None) -> None:
        """Refuse a business date the system cannot compute with (domain/periods.py's range)."""
        for name, day in fields.items():
            if day is not None and not EARLIEST <= day <= LATEST:
                raise InvalidValue("date-out-of-range", field=name, given=day.isoformat(),
                                   earliest=EARLIEST.isoformat(), latest=LATEST.isoformat())

    def recording(self) -> AbstractContextManager[Clock]:
        """For code that builds aggregates itself (the demo, bulk loads): their events are
        stamped by this application's clock, as a command's are."""
        return recording_with(self.clock)

    def save(self, *objs: Any, people: Sequence[PersonDetails] = (), **kwargs: Any) -> list:
        """Save the aggregates' new events in one transaction, and with them the `people`'s details
        and the salts their events' digests were made with, where the recorder can (the SQL ones: a
        crash leaves neither without the other)."""
        if self.save_options is not None:
            kwargs = {**self.save_options(), **kwargs}
        in_transaction = getattr(self.recorder, "stores_person_details", False)
        if people and in_transaction:
            kwargs["people"] = people
        recordings = super().save(*objs, **kwargs)
        if people and not in_transaction and self.directory is not None:  # in memory: nothing survives a crash
            positions = {(r.domain_event.originator_id, r.domain_event.originator_version): r.notification.id
                         for r in recordings}
            for p in people:
                self.directory.record(p, positions[(p.person_id, p.version)])
        if self.on_saved is not None:
            self.on_saved()
        return recordings

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def _email_unused(self, email: str | None, field: str = "email", besides: UUID | None = None) -> None:
        """One e-mail address, one person: compared as domain/identity.py compares names (case,
        compatibility forms, invisible characters, look-alike letters), so Bo@Kommune.dk and
        bo@kommune.dk are the same address."""
        self._emails_unused([email], field, besides)

    def _emails_unused(self, emails: Sequence[str | None], field: str = "email", besides: UUID | None = None) -> None:
        """`_email_unused` for several people registered together: none taken, none given twice."""
        wanted: dict[str, str] = {}
        for email in emails:
            if email:
                key = identity_key(email, self.skeleton)
                if key in wanted:
                    raise EmailTaken("email-given-twice", field=field, email=email, other=wanted[key])
                wanted[key] = email
        if not wanted or self.directory is None:
            return
        for person_id, name, other in self.directory.emails():
            if person_id != besides and identity_key(other, self.skeleton) in wanted:
                raise EmailTaken(field=field, existing_id=str(person_id), existing_name=name, email=other)

    # Loading ----------------------------------------------------------------------------------

    def _maybe(self, aggregate_id: UUID) -> Any:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def _existing(self, cls: type[A], aggregate_id: UUID, error: type[Exception], field: str | None = None) -> A:
        aggregate = self._maybe(aggregate_id)
        if not isinstance(aggregate, cls):
            what = cls.__name__.replace("OrgUnit", "org unit").lower()
            raise error(field=field, kind=what, id=str(aggregate_id))
        return aggregate

    def _existing_person(self, person_id: UUID, field: str) -> Person:
        person = self._existing(Person, person_id, UnknownReference, field)
        if person.merged_into is not None:  # new facts go to the record that stands for the person
            raise PersonMerged(field=field, person_id=str(person_id), merged_into=str(person.merged_into))
        return person

    def identities(self, person_id: UUID | None) -> frozenset[UUID]:
        """The person and every record merged into them (and into those): whose roles are theirs."""
        if person_id is None:
            return frozenset()
        seen, todo = {person_id}, [person_id]
        while todo:
            found = self._maybe(todo.pop())
            for merged in getattr(found, "absorbed", ()) if isinstance(found, Person) else ():
                if merged not in seen:
                    seen.add(merged)
                    todo.append(merged)
        return frozenset(seen)

    def survivor(self, person_id: UUID) -> UUID:
        """The record that stands for the person now: theirs, or the one it was merged into."""
        seen = {person_id}
        while isinstance(found := self._maybe(person_id), Person) and found.merged_into not in (None, *seen):
            person_id = found.merged_into
            seen.add(person_id)
        return person_id

    def _assignable(self, person_id: UUID, on: date, field: str = "person_id") -> Person:
        """A registered person who has not left by `on`: someone a role, a claim or a duty can go to."""
        person = self._existing_person(person_id, field)
        if person.departed_by(on):
            raise PersonDeparted(field=field, person_id=str(person_id), departed_on=str(person.departed_on))
        return person

    def _open_unit(self, org_unit_id: UUID, field: str) -> OrgUnit:
        """An org unit that exists and has not been dissolved by today: somewhere to place things."""
        unit = self._existing(OrgUnit, org_unit_id, UnknownReference, field)
        if unit.dissolved_by(self.today()):
            raise OrgUnitDissolved(field=field, org_unit_id=str(org_unit_id), dissolved_on=str(unit.dissolved_on))
        return unit

    # Saving -----------------------------------------------------------------------------------

    def _save_new(self, aggregate: Aggregate) -> Receipt:
        return self._receipt(self.save(aggregate), aggregate.id)

    def _update(self, cls: type[A], aggregate_id: UUID, missing: type[Exception], change: Callable[[A], None]) -> Receipt:
        """Load one aggregate, change it, save it; re-run on the fresh state if the save lost a race."""

        def attempt() -> Receipt:
            aggregate = self._existing(cls, aggregate_id, missing)
            change(aggregate)
            return self._receipt(self.save(aggregate))

        return self._retrying(attempt, "kept-changing", kind=cls.__name__, id=str(aggregate_id))

    def _atomically(self, build: Callable[[], tuple[list[Aggregate], UUID | None]]) -> Receipt:
        """Save every aggregate `build` returns in ONE save (one transaction): all or nothing.
        `build` loads fresh state and re-checks every rule on each attempt."""

        def attempt() -> Receipt:
            aggregates, new_id = build()
            return self._receipt(self.save(*aggregates), new_id)

        return self._retrying(attempt)

    @staticmethod
    def _retrying(attempt: Callable[[], R], code: str = "records-kept-changing", **params: object) -> R:
        # Optimistic concurrency: a command that loses a race is re-run on the fresh state, so it
        # either still applies (nothing lost) or fails on the rule that now forbids it (409/422).
        for _ in range(ATTEMPTS):
            try:
                return attempt()
            except IntegrityError:
                continue
        raise ConcurrentChange(code, **params)

    @staticmethod
    def _receipt(recordings: list, new_id: UUID | None = None) -> Receipt:
        last = recordings[-1]
        return Receipt(last.notification.id, last.domain_event.timestamp, new_id)

