"""The portfolio application: every command, one event log in one total order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Protocol, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding

from domain.errors import (
    ActingForAnother, BackdatedHandover, ConcurrentChange, OrgUnitDissolved, OrgUnitNotFound, OwnClaim,
    PersonDeparted, PersonNotFound, NotRoleHolder, SystemNameTaken, SystemNotFound, UnknownReference, InvalidValue,
    NotFound,
)
from domain.import_model import Plan
from domain.council_commands import CouncilCommands
from domain.org import OrgUnit, Person
from domain.systems import System, SystemName
from domain.vocabulary import AccessRole, OrgLevel

A = TypeVar("A", bound=Aggregate)
_ATTEMPTS = 5


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


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

    def put(self, person_id: UUID, name: str, email: str | None) -> None: ...


def utc_today() -> date:
    return datetime.now(timezone.utc).date()


class Portfolio(CouncilCommands, Application[UUID]):  # council commands: domain/council_commands.py
    name = "ansvar"  # names the tables: never change it

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        directory: PersonDirectory | None = None,
        today: Callable[[], date] = utc_today,
    ) -> None:
        super().__init__(env)
        self.directory = directory
        self.today = today
        self.on_saved: Callable[[], None] | None = None
        # Extra keyword arguments for the recorder on every save (infra sets it: idempotency keys).
        self.save_options: Callable[[], dict[str, Any]] | None = None

    def save(self, *objs: Any, **kwargs: Any) -> list:
        if self.save_options is not None:
            kwargs = {**self.save_options(), **kwargs}
        recordings = super().save(*objs, **kwargs)
        if self.on_saved is not None:
            self.on_saved()  # wake the in-process projection worker
        return recordings

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    # Org units and people -------------------------------------------------------------------

    def establish_org_unit(self, name: str, level: str, parent_id: UUID | None, actor: Actor = SYSTEM) -> Receipt:
        """Record a kommune, forvaltning, afdeling or team, under its parent."""
        if parent_id is not None:
            parent = self._existing(OrgUnit, parent_id, UnknownReference, "parent_id")
            if OrgLevel(parent.level).depth >= OrgLevel(level).depth:
                raise InvalidValue(
                    f"a {level} cannot sit under a {parent.level}", field="parent_id", parent_level=parent.level
                )
            if parent.dissolved_by(self.today()):
                raise OrgUnitDissolved(f"org unit {parent_id} was dissolved on {parent.dissolved_on}", field="parent_id")
        unit = OrgUnit(name=name, level=level, parent_id=parent_id, meta=actor.meta())
        return self._save_new(unit)

    def dissolve_org_unit(self, org_unit_id: UUID, effective: date, actor: Actor = SYSTEM) -> Receipt:
        """Record that an org unit stops existing on `effective`."""
        return self._update(OrgUnit, org_unit_id, OrgUnitNotFound, lambda u: u.dissolve(effective, actor.meta()))

    def register_person(
        self, name: str, org_unit_id: UUID, title: str | None, email: str | None, actor: Actor = SYSTEM
    ) -> Receipt:
        """Register a person; the name and e-mail go to the erasable directory, not the log."""
        unit = self._existing(OrgUnit, org_unit_id, UnknownReference, "org_unit_id")
        if unit.dissolved_by(self.today()):
            raise OrgUnitDissolved(f"org unit {org_unit_id} was dissolved on {unit.dissolved_on}", field="org_unit_id")
        person = Person(org_unit_id=org_unit_id, title=title, meta=actor.meta())
        if self.directory is not None:
            # Written first: a details row without its event is invisible; the reverse would lose data.
            self.directory.put(person.id, name, email)
        return self._save_new(person)

    def record_departure(self, person_id: UUID, effective: date, actor: Actor = SYSTEM) -> Receipt:
        """Record that a person leaves the organisation on `effective`."""
        return self._update(Person, person_id, PersonNotFound, lambda p: p.depart(effective, actor.meta()))

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

    # Systems ---------------------------------------------------------------------------------

    def register_system(
        self, name: str, vendor: str | None, org_unit_id: UUID, criticality: str, personal_data: bool,
        lifecycle: str, lifecycle_from: date | None = None, actor: Actor = SYSTEM,
    ) -> Receipt:
        """Register a system; a second system of the same name in the same org unit is refused."""
        unit = self._existing(OrgUnit, org_unit_id, UnknownReference, "org_unit_id")
        if unit.dissolved_by(self.today()):
            raise OrgUnitDissolved(f"org unit {org_unit_id} was dissolved on {unit.dissolved_on}", field="org_unit_id")
        system = System(
            name=name.strip(), vendor=vendor, org_unit_id=org_unit_id, criticality=criticality,
            personal_data=personal_data, lifecycle=lifecycle, lifecycle_from=lifecycle_from or self.today(),
            meta=actor.meta(),
        )
        reservation = SystemName(org_unit_id=org_unit_id, name=name, system_id=system.id, meta=actor.meta())
        try:
            return self._receipt(self.save(system, reservation), system.id)
        except IntegrityError:
            taken = self.repository.get(reservation.id)
            raise SystemNameTaken(
                f"org unit {org_unit_id} already has a system named {name!r}",
                field="name", existing_id=str(taken.system_id),
            ) from None

    def system(self, system_id: UUID) -> System:
        return self._existing(System, system_id, SystemNotFound)

    def change_lifecycle(self, system_id: UUID, lifecycle: str, effective_from: date, actor: Actor = SYSTEM) -> Receipt:
        """Move a system to a lifecycle state from a date (which may be past or future)."""
        return self._update(
            System, system_id, SystemNotFound, lambda s: s.change_lifecycle(lifecycle, effective_from, actor.meta())
        )

    def assign_role(
        self, system_id: UUID, role: str, person_id: UUID, effective_from: date, effective_to: date | None = None,
        basis: str | None = None, decision_id: UUID | None = None, actor: Actor = SYSTEM,
    ) -> Receipt:
        """Record that `person_id` holds `role` on the system over a valid-time period."""
        self._assignable(person_id, effective_from)
        return self._update(
            System, system_id, SystemNotFound,
            lambda s: s.assign(role, person_id, effective_from, effective_to, basis, decision_id, actor.meta()),
        )

    def record_vacancy(
        self, system_id: UUID, role: str, effective_from: date, effective_to: date | None, reason: str,
        actor: Actor = SYSTEM,
    ) -> Receipt:
        """Record that nobody holds `role` over a period: a fact, not the absence of one."""
        return self._update(
            System, system_id, SystemNotFound,
            lambda s: s.vacate(role, effective_from, effective_to, reason, actor.meta()),
        )

    def make_claim(self, system_id: UUID, role: str, person_id: UUID, statement: str, actor: Actor = SYSTEM) -> Receipt:
        """Record that a person claims a role; the claim waits to be confirmed or rejected.

        A person acting as owner claims only for themself."""
        if actor.as_owner and person_id != actor.person_id:
            raise ActingForAnother(
                f"you ({actor.person_id}) may claim a role only for yourself, not for {person_id}", field="person_id"
            )
        self._assignable(person_id, self.today())
        claim_id = uuid4()
        receipt = self._update(
            System, system_id, SystemNotFound,
            lambda s: s.make_claim(claim_id, role, person_id, statement, actor.meta()),
        )
        return Receipt(receipt.position, receipt.recorded_at, claim_id)

    def confirm_claim(
        self, system_id: UUID, claim_id: UUID, effective_from: date | None = None,
        decision_id: UUID | None = None, actor: Actor = SYSTEM,
    ) -> Receipt:
        """Confirm an open claim: it becomes an assignment from `effective_from` (default today)."""
        start = effective_from or self.today()
        claim = self.system(system_id).open_claim(claim_id)
        if actor.person_id is not None and actor.person_id == claim.person_id:
            # Separation of duties: another council member must answer a member's own claim.
            raise OwnClaim(f"claim {claim_id} is your own; another council member must confirm it", field="claim_id")
        self._assignable(claim.person_id, start, field="claim_id")
        return self._update(
            System, system_id, SystemNotFound, lambda s: s.confirm_claim(claim_id, start, decision_id, actor.meta())
        )

    def reject_claim(
        self, system_id: UUID, claim_id: UUID, reason: str, decision_id: UUID | None = None, actor: Actor = SYSTEM
    ) -> Receipt:
        """Reject an open claim, with the reason."""
        return self._update(
            System, system_id, SystemNotFound, lambda s: s.reject_claim(claim_id, reason, decision_id, actor.meta())
        )

    def attest(self, system_id: UUID, role: str, person_id: UUID, actor: Actor = SYSTEM) -> Receipt:
        """The current holder re-confirms a role (periodic attestation); a person attests only their own."""
        if actor.as_owner and person_id != actor.person_id:
            raise ActingForAnother(
                f"you ({actor.person_id}) may attest only roles you hold yourself, not for {person_id}",
                field="person_id",
            )
        self.person(person_id)
        today = self.today()

        def change(system: System) -> None:
            if actor.as_owner:
                self._require_holder(system, role, actor, today)
            system.attest(role, person_id, today, actor.meta())

        return self._update(System, system_id, SystemNotFound, change)

    def hand_over(
        self, system_id: UUID, role: str, to_person_id: UUID, effective_from: date, note: str | None = None,
        actor: Actor = SYSTEM,
    ) -> Receipt:
        """The holder of a role hands it to another person from `effective_from` (today or later).

        Recorded as an assignment with basis "handover"; the acting person must hold the role both
        today and on `effective_from`. Backdating is the council's business (an assignment)."""
        if actor.person_id is None:
            raise NotRoleHolder("a hand-over is made by the person holding the role", field="role")
        if to_person_id == actor.person_id:
            raise InvalidValue("you cannot hand a role over to yourself", field="to_person_id")
        today = self.today()
        if effective_from < today:
            raise BackdatedHandover(
                f"a hand-over takes effect today ({today}) or later, not {effective_from};"
                " ask the council to record a past change", field="effective_from",
            )
        self._assignable(to_person_id, effective_from, field="to_person_id")
        basis = f"handover: {note}" if note else "handover"

        def change(system: System) -> None:
            for day in sorted({today, effective_from}):
                self._require_holder(system, role, actor, day)
            system.assign(role, to_person_id, effective_from, None, basis, None, actor.meta())

        return self._update(System, system_id, SystemNotFound, change)

    # Inventory import -----------------------------------------------------------------------

    def import_inventory(self, plan: Plan, source: dict[str, Any], actor: Actor = SYSTEM) -> Receipt | None:
        """Write an import plan (domain/import_plan.py) all or nothing; None if it changes nothing."""
        from domain.import_apply import apply_plan

        recordings = apply_plan(self, plan, actor, source)
        return self._receipt(recordings) if recordings else None

    # Plumbing --------------------------------------------------------------------------------

    @staticmethod
    def _require_holder(system: System, role: str, actor: Actor, day: date) -> None:
        holder = system.holder(role, day)
        if holder != actor.person_id:
            raise NotRoleHolder(
                f"you ({actor.person_id}) do not hold {role} on system {system.id} on {day}", field="role"
            )

    def _assignable(self, person_id: UUID, on: date, field: str = "person_id") -> Person:
        person = self._existing(Person, person_id, UnknownReference, field)
        if person.departed_by(on):
            raise PersonDeparted(f"person {person_id} left the organisation on {person.departed_on}", field=field)
        return person

    def _existing(self, cls: type[A], aggregate_id: UUID, error: type[Exception], field: str | None = None) -> A:
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            aggregate = None
        if not isinstance(aggregate, cls):
            what = cls.__name__.replace("OrgUnit", "org unit").lower()
            if issubclass(error, NotFound) and field is None:
                raise error(f"no {what} with id {aggregate_id}")
            raise error(f"no {what} with id {aggregate_id}", field=field)
        return aggregate

    def _save_new(self, aggregate: Aggregate) -> Receipt:
        return self._receipt(self.save(aggregate), aggregate.id)

    def _update(self, cls: type[A], aggregate_id: UUID, missing: type[Exception], change: Callable[[A], None]) -> Receipt:
        # Optimistic concurrency: a command that loses a race is re-run on the fresh state, so it
        # either still applies (nothing lost) or fails on the rule that now forbids it (409/422).
        for _ in range(_ATTEMPTS):
            aggregate = self._existing(cls, aggregate_id, missing)
            change(aggregate)
            try:
                return self._receipt(self.save(aggregate))
            except IntegrityError:
                continue
        raise ConcurrentChange(f"{cls.__name__} {aggregate_id} kept changing; retry")

    @staticmethod
    def _receipt(recordings: list, new_id: UUID | None = None) -> Receipt:
        last = recordings[-1]
        return Receipt(last.notification.id, last.domain_event.timestamp, new_id)
