"""Provisioning from an identity provider (SCIM 2.0): its users become people, and a user set
inactive or deleted is a departure recorded that day; set active again, the departure ends.

A new user is matched to a person already registered before one is made: by externalId (a user
the provider deleted and sends again), then by e-mail (any case), then when the address spells the
name of exactly one person without an address (domain/person_match.py: ø as oe or o, and so on, in
the municipality's domain), then by name when exactly one person of that name has no e-mail or one
in the same domain; never a person provisioned already, and a merged record stands for its survivor.
Repeating a request changes nothing and records nothing. The events are the portfolio's own
commands (registration, departure, return), acted by the SCIM credential, with the provisioning
as their basis (meta.source); the user's attributes stay in the store, out of the log."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from domain.basis import BasisCode
from domain.clock import Clock
from domain.commands import Actor
from domain.person_match import candidates, domain_of
from domain.scim_user import ScimError, UserFacts, facts, patched, read_user

ROLE = "scim"  # the actor_role of every event the provisioning writes


class Store(Protocol):
    def get(self, scim_id: UUID) -> dict[str, Any] | None: ...
    def by_user_name(self, user_name: str) -> dict[str, Any] | None: ...
    def by_external_id(self, external_id: str) -> dict[str, Any] | None: ...
    def linked(self, person_id: UUID) -> bool: ...
    def people_by_email(self, email: str) -> list[UUID]: ...
    def people_by_name(self, name: str, domain: str | None) -> list[UUID]: ...
    def people_without_email(self) -> list[tuple[UUID, str]]: ...
    def domain_in_use(self, domain: str) -> bool: ...
    def details(self, person_id: UUID) -> dict[str, Any] | None: ...
    def org_unit_named(self, name: str) -> UUID | None: ...
    def top_org_unit(self) -> UUID | None: ...
    def put(self, scim_id: UUID, person_id: UUID, attrs: dict[str, Any], version: int, now: Any, email: str | None) -> None: ...
    def update(self, scim_id: UUID, attrs: dict[str, Any], version: int, now: Any, email: str | None) -> None: ...
    def mark_deleted(self, scim_id: UUID, now: Any) -> None: ...


class People(Protocol):
    """The portfolio's commands this use case calls (domain/org_commands.py)."""

    def register_people(self, people: Any) -> list[Any]: ...
    def record_departure(self, person_id: UUID, effective: Any, actor: Actor = ...) -> Any: ...
    def record_return(self, person_id: UUID, effective: Any, actor: Actor = ...) -> Any: ...
    def person(self, person_id: UUID) -> Any: ...
    def survivor(self, person_id: UUID) -> UUID: ...


class NoOrgUnit(ScimError):
    """No org unit to place a new person in, as far as the views know (they may not have caught up)."""


@dataclass(frozen=True)
class Outcome:
    """The user as stored now, and the log position of the last event it recorded (None: none)."""

    user: dict[str, Any]
    position: int | None = None
    person_id: UUID | None = None


@dataclass(eq=False)
class _New:
    """A user to be registered as a new person, waiting for its batch."""

    scim_id: UUID
    attrs: dict[str, Any]
    user: UserFacts
    unit: UUID
    actor: Actor
    done: bool = False
    error: Exception | None = None
    person_id: UUID | None = None
    position: int | None = None
    row: dict[str, Any] = field(default_factory=dict)


def _keys(user: UserFacts) -> set[str]:
    keys = {f"userName:{user.user_name.lower()}"}
    if user.external_id:
        keys.add(f"externalId:{user.external_id}")
    if user.email:
        keys.add(f"email:{user.email.lower()}")
    return keys


def _row(scim_id: UUID, person_id: UUID, attrs: dict[str, Any], now: Any) -> dict[str, Any]:
    return {"id": scim_id, "person_id": person_id, "external_id": attrs.get("externalId"),
            "user_name": attrs["userName"], "attributes": attrs, "version": 1, "created_at": now,
            "modified_at": now, "deleted": False}


class Provisioning:
    def __init__(self, people: People, store: Store, clock: Clock,
                 update_details: Callable[[UUID, str, str | None], None] | None = None) -> None:
        self.people = people
        self.store = store
        self.clock = clock
        self.update_details = update_details
        self._lock = threading.Lock()  # one provisioning change at a time: matching then writing is one step
        self._commit_lock = threading.Lock()  # one batch of new people written at a time
        self._queue: list[_New] = []  # new users waiting to be registered
        self._pending: dict[str, _New] = {}  # their userName, externalId and e-mail: not to be created twice

    def get(self, scim_id: UUID) -> dict[str, Any]:
        user = self.store.get(scim_id)
        if user is None:
            raise ScimError(404, "user-not-found", id=str(scim_id))
        return user

    def create(self, body: Any, credential: UUID, request_id: str | None = None, views_current: bool = False) -> Outcome:
        """POST /Users: a person for the user, found or registered; 409 if the userName is taken.

        New people are registered by group commit: users arriving while another batch is being
        written are registered together, in one transaction (an identity provider sends many at
        once, and each transaction costs a flush to disk)."""
        # NoOrgUnit: the department, or any unit, is unknown to the views; asked again with
        # `views_current` once they have caught up, an unknown department places the person at the top.
        attrs = read_user(body)
        user = facts(attrs)
        with self._lock:
            keys = _keys(user)
            if self.store.by_user_name(user.user_name) is not None or keys & self._pending.keys():
                raise ScimError(409, "user-name-taken", "uniqueness", user_name=user.user_name)
            person_id = self._match(user)
            scim_id = uuid.uuid4()
            if person_id is not None:  # a person already registered: linked, and present or gone as the user says
                known = self.store.details(person_id)
                if known is not None and not known["email"] and user.email and self.update_details is not None:
                    self.update_details(person_id, known["name"], user.email)  # matched by name: now reachable
                now = self.clock.now()
                self.store.put([(scim_id, person_id, attrs, user.email)], now)
                position = self._presence(person_id, user.active is not False, credential, request_id, scim_id)
                return Outcome(_row(scim_id, person_id, attrs, now), position, person_id)
            unit = user.department and self.store.org_unit_named(user.department)
            if user.department and unit is None and not views_current:
                raise NoOrgUnit(400, "no-such-department", "invalidValue", department=user.department)
            unit = unit or self.store.top_org_unit()
            if unit is None:
                raise NoOrgUnit(400, "no-org-unit-at-all", "invalidValue")
            new = _New(scim_id, attrs, user, unit, self._actor(credential, request_id, scim_id, BasisCode.SCIM_USER_CREATED))
            self._pending.update(dict.fromkeys(keys, new))
            self._queue.append(new)
        try:
            self._commit(new)
        finally:
            with self._lock:
                for key in keys:
                    self._pending.pop(key, None)
        if new.error is not None:
            raise new.error
        position = None
        if user.active is False:  # created inactive: registered, and gone today
            position = self._presence(new.person_id, False, credential, request_id, scim_id)
        return Outcome(new.row, position or new.position, new.person_id)

    def _commit(self, mine: _New) -> None:
        """Register `mine` and whatever else is waiting, unless an earlier batch already took it."""
        with self._commit_lock:
            if mine.done:
                return
            with self._lock:
                batch, self._queue = self._queue, []
            try:
                self._register(batch)
            except Exception as exc:  # a batch is all or nothing: alone, only the one at fault fails
                if len(batch) == 1:
                    batch[0].error = exc
                else:
                    for new in batch:
                        try:
                            self._register([new])
                        except Exception as alone:
                            new.error = alone
            for new in batch:
                new.done = True

    def _register(self, batch: list[_New]) -> None:
        receipts = self.people.register_people(
            [(n.user.name, n.unit, n.user.title, n.user.email, n.actor) for n in batch])
        now = self.clock.now()
        self.store.put([(n.scim_id, r.id, n.attrs, n.user.email) for n, r in zip(batch, receipts, strict=True)], now)
        for new, receipt in zip(batch, receipts, strict=True):
            new.person_id, new.position = receipt.id, receipt.position
            new.row = _row(new.scim_id, receipt.id, new.attrs, now)

    def replace(self, scim_id: UUID, body: Any, credential: UUID, request_id: str | None = None,
                if_match: int | None = None) -> Outcome:
        """PUT /Users/{id}: the user's attributes replaced whole."""
        return self._change(scim_id, lambda _: read_user(body), credential, request_id, if_match)

    def patch(self, scim_id: UUID, body: Any, credential: UUID, request_id: str | None = None,
              if_match: int | None = None) -> Outcome:
        """PATCH /Users/{id}: RFC 7644's operations, Entra ID's dialect included."""
        return self._change(scim_id, lambda attrs: patched(attrs, body), credential, request_id, if_match)

    def delete(self, scim_id: UUID, credential: UUID, request_id: str | None = None) -> Outcome:
        """DELETE /Users/{id}: the user is gone here, and the person has left (today, unless already)."""
        with self._lock:
            stored = self.get(scim_id)
            position = self._presence(stored["person_id"], False, credential, request_id, scim_id,
                                      BasisCode.SCIM_USER_DELETED)
            self.store.mark_deleted(scim_id, self.clock.now())
            return Outcome(stored, position, stored["person_id"])

    # ------------------------------------------------------------------------------------------

    def _change(self, scim_id: UUID, change: Callable[[dict[str, Any]], dict[str, Any]], credential: UUID,
                request_id: str | None, if_match: int | None) -> Outcome:
        with self._lock:
            stored = self.get(scim_id)
            if if_match is not None and if_match != stored["version"]:
                raise ScimError(412, "version-mismatch", version=stored["version"], if_match=if_match)
            attrs = change(stored["attributes"])
            user = facts(attrs)
            if user.user_name.lower() != stored["user_name"].lower():
                other = self.store.by_user_name(user.user_name)
                if other is not None and other["id"] != scim_id:
                    raise ScimError(409, "user-name-taken", "uniqueness", user_name=user.user_name)
            position = None
            if attrs != stored["attributes"]:
                before = facts(stored["attributes"])
                if (user.name, user.email) != (before.name, before.email) and self.update_details is not None:
                    self.update_details(stored["person_id"], user.name, user.email)
                self.store.update(scim_id, attrs, stored["version"] + 1, self.clock.now(), user.email)
            if user.active is not None:
                position = self._presence(stored["person_id"], user.active, credential, request_id, scim_id)
            return Outcome(self.get(scim_id), position, stored["person_id"])

    def _match(self, user: UserFacts) -> UUID | None:
        """The person a new user is, if one is registered (never a second record of one person):
        by externalId, then by e-mail address, then by domain/person_match.py's rule (the address
        spells the name of exactly one person without an address of their own, in the municipality's
        domain), then by the same name once. A record merged into another stands for its survivor."""
        found = self._match_record(user)
        return self.people.survivor(found) if found is not None else None

    def _match_record(self, user: UserFacts) -> UUID | None:
        if user.external_id:
            earlier = self.store.by_external_id(user.external_id)
            if earlier is not None:
                return earlier["person_id"]
        if user.email:
            found = [p for p in self.store.people_by_email(user.email) if not self.store.linked(p)]
            if len(found) == 1:
                return found[0]
        domain = domain_of(user.email) if user.email and "@" in user.email else None
        if user.email and domain:
            named = [(p, name) for p, name in self.store.people_without_email() if not self.store.linked(p)]
            domains = frozenset({domain}) if named and self.store.domain_in_use(domain) else frozenset()
            spelt = candidates(user.email, named, domains)
            if len(spelt) == 1:
                return spelt[0]
            if spelt:  # several fit: nothing is guessed
                return None
        found = [p for p in self.store.people_by_name(user.name, domain) if not self.store.linked(p)]
        return found[0] if len(found) == 1 else None

    def _presence(self, person_id: UUID, active: bool, credential: UUID, request_id: str | None,
                  scim_id: UUID, why: BasisCode | None = None) -> int | None:
        """Departure or return as `active` says, when the person's record says otherwise."""
        today = self.clock.today()
        person = self.people.person(person_id)
        if active and person.departed_on is not None:
            actor = self._actor(credential, request_id, scim_id, BasisCode.SCIM_USER_REACTIVATED)
            return self.people.record_return(person_id, today, actor=actor).position
        if not active and person.departed_on is None:
            actor = self._actor(credential, request_id, scim_id, why or BasisCode.SCIM_USER_DEACTIVATED)
            return self.people.record_departure(person_id, today, actor=actor).position
        return None

    @staticmethod
    def _actor(credential: UUID, request_id: str | None, scim_id: UUID, basis: BasisCode) -> Actor:
        return Actor(person_id=credential, role=ROLE, request_id=request_id,
                     source={"provisioning": "scim", "basis": basis.value, "scim_id": str(scim_id)})
