"""Org units and people. Names and e-mail addresses are kept out of the event log."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import Parameter

from api import schemas as s
from api.dependencies import Cursor, decode_cursor, encode_cursor
from api.responsibility import At, KnownAt, as_known_at
from api.systems import After, Limit, receipt
from domain.commands import Actor
from domain.errors import InvalidValue, OrgUnitNotFound, PersonNotFound
from domain.gaps import Attestation, attestation_due
from domain.portfolio import Portfolio
from domain.reminders import ATTESTATION_NOTICE_DAYS
from domain.responsibility import period_at
from infra.settings import Settings
from projections.read_side import ReadSide

#: Attestations falling due within this many days are listed as due.
DUE_SOON = timedelta(days=ATTESTATION_NOTICE_DAYS)  # the notice the reminders give


def _later(day: date, delta: timedelta) -> date:
    # ?at=9999-12-31 is a valid date; adding the attestation period to it was a 500 (overflow).
    try:
        return day + delta
    except OverflowError:
        return date.max


def person(row: dict) -> s.Person:
    return s.Person(
        id=row["id"], org_unit_id=row["org_unit_id"], title=row["title"], departed_on=row["departed_on"],
        registered_at=row["registered_at"], name=row["name"] if not row["erased_at"] else None,
        email=row["email"] if not row["erased_at"] else None, erased=row["erased_at"] is not None,
        merged_into=row.get("merged_into"),
    )


class OrgUnitController(Controller):
    path = "/org-units"
    tags = ["organisation"]

    @post("/", operation_id="establishOrgUnit", status_code=201, sync_to_thread=True)
    def establish(self, data: s.EstablishOrgUnit, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Record a kommune, forvaltning, afdeling or team under its parent."""
        return receipt(portfolio.establish_org_unit(data.name, data.level, data.parent_id, actor=actor))

    @post("/{org_unit_id:uuid}/dissolution", operation_id="dissolveOrgUnit", status_code=201, sync_to_thread=True)
    def dissolve(self, org_unit_id: UUID, data: s.Dissolve, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Record that the org unit is dissolved from `effective`. Roles held by its people are then
        flagged in the gap report (`holder_departed`)."""
        return receipt(portfolio.dissolve_org_unit(org_unit_id, data.effective, actor=actor))

    @post("/{org_unit_id:uuid}/name", operation_id="renameOrgUnit", status_code=201, sync_to_thread=True)
    def rename(self, org_unit_id: UUID, data: s.RenameOrgUnit, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Give the org unit a new name; its id, level, place and history stay. The same name again: 409."""
        return receipt(portfolio.rename_org_unit(org_unit_id, data.name, actor=actor))

    @post("/{org_unit_id:uuid}/parent", operation_id="moveOrgUnit", status_code=201, sync_to_thread=True)
    def move(self, org_unit_id: UUID, data: s.MoveOrgUnit, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Place the org unit under another parent (`parent_id`), of a higher level (a team under an
        afdeling or forvaltning, ...); its people and systems move with it."""
        return receipt(portfolio.move_org_unit(org_unit_id, data.parent_id, actor=actor))

    @get("/", operation_id="listOrgUnits")
    async def list_units(self, reads: ReadSide, after: After = None) -> s.OrgUnitList:
        """Every org unit, by name, with its level (kommune, forvaltning, afdeling, team) and parent."""
        await reads.caught_up(after)
        return s.OrgUnitList(items=[s.OrgUnit(**r) for r in await reads.directory.org_units()])

    @get("/{org_unit_id:uuid}", operation_id="getOrgUnit")
    async def get_unit(self, org_unit_id: UUID, reads: ReadSide, after: After = None) -> s.OrgUnit:
        """One org unit: its name, level, parent, and from when it is dissolved, if it is."""
        await reads.caught_up(after)
        row = await reads.directory.org_unit(org_unit_id)
        if row is None:
            raise OrgUnitNotFound(id=org_unit_id)
        return s.OrgUnit(**row)


class PeopleController(Controller):
    path = "/people"
    tags = ["organisation"]

    @post("/", operation_id="registerPerson", status_code=201, sync_to_thread=True)
    def register(self, data: s.RegisterPerson, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Register a person. The name and e-mail are stored apart from the events and can be erased."""
        return receipt(portfolio.register_person(data.name, data.org_unit_id, data.title, data.email, actor=actor))

    @post("/{person_id:uuid}/correction", operation_id="correctPerson", status_code=201, sync_to_thread=True)
    def correct(self, person_id: UUID, data: s.CorrectPerson, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Correct a person's name, e-mail, title or org unit; fields left out stay (`"email": null`
        removes the address). The name and e-mail go to the erasable directory and the log records
        their salted digests, so `ansvar verify` holds the directory to them. An erased person's
        details are not corrected: 409."""
        email = data.email if isinstance(data.email, str) else None
        if data.name is None and data.email is msgspec.UNSET and data.title is None and data.org_unit_id is None:
            raise InvalidValue("nothing-to-correct", field="name")
        return receipt(portfolio.correct_person(person_id, name=data.name, email=email, remove_email=data.email is None,
                                                title=data.title, org_unit_id=data.org_unit_id, actor=actor))

    @post("/{person_id:uuid}/departure", operation_id="recordDeparture", status_code=201, sync_to_thread=True)
    def depart(self, person_id: UUID, data: s.Depart, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Record that the person leaves the organisation on `effective`."""
        return receipt(portfolio.record_departure(person_id, data.effective, actor=actor))

    @post("/{person_id:uuid}/erasure", operation_id="erasePersonDetails", status_code=201, sync_to_thread=True)
    def erase(self, person_id: UUID, data: s.Erase, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Erase the person's name and e-mail (GDPR art. 17). Their id, roles and history stay;
        the log records that the details were erased, when, by whom and on what `basis`. Asked
        again once done: 409."""
        return receipt(portfolio.erase_person_details(person_id, data.basis, actor=actor))

    @post("/{person_id:uuid}/merge", operation_id="mergePerson", status_code=201, sync_to_thread=True)
    def merge(self, person_id: UUID, data: s.MergePerson, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Record that this person's record and `into` (the survivor) are one person. Afterwards every
        fact, claim, attestation, hand-over, reminder and session of this record reads as the
        survivor's; `GET /people/{person_id}` answers 200 with `merged_into` naming the survivor;
        both records' history (`merges`) shows the merge and who made it. Nothing recorded is
        rewritten: one event on each record, ids only, so every proof stays valid. Refused: into
        itself (422), into an unknown person (422, `into`), a record already merged or into a merged
        one (409 `person-merged`, with `merged_into`), into an erased person, or an active person
        into one who has left (409 `merge-refused`); a merge racing another over the same record
        (409)."""
        return receipt(portfolio.merge_person(person_id, data.into, actor=actor))

    @post("/{person_id:uuid}/digest", operation_id="chooseDigest", status_code=201, sync_to_thread=True,
          tags=["reminders"])
    def choose_digest(self, person_id: UUID, data: s.DigestChoice, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Switch the weekly digest of new gaps on or off, for yourself. Duties addressed to you
        (attestations, answers to your claims, decommissionings you are responsible for) still come."""
        return receipt(portfolio.choose_digest(person_id, data.receive, actor=actor))

    @get("/", operation_id="listPeople")
    async def list_people(
        self, reads: ReadSide, after: After = None, limit: Limit = 50, cursor: Cursor = None,
        org_unit_id: UUID | None = None,
        q: Annotated[str | None, Parameter(max_length=200, pattern=r"^[^\x00]*$",
                                           description="Part of a name or an e-mail address, in any case.")] = None,
    ) -> s.PersonPage:
        """People, paginated; `q` searches their names and e-mail addresses."""
        await reads.caught_up(after)
        rows = await reads.directory.people(limit + 1, decode_cursor(cursor, UUID), org_unit_id, q)
        more = len(rows) > limit
        rows = rows[:limit]
        return s.PersonPage(items=[person(r) for r in rows], next_cursor=encode_cursor(str(rows[-1]["id"])) if more else None)

    @get("/{person_id:uuid}", operation_id="getPerson")
    async def get_person(self, person_id: UUID, reads: ReadSide, after: After = None) -> s.Person:
        """One person; an erased person keeps their id and history, not their name. A record merged
        into another answers 200 as it was, with `merged_into` naming the survivor (the person now)
        and `merges` the merge: who made it and when (not a redirect, so a client sees both ids)."""
        await reads.caught_up(after)
        row = await reads.directory.person(person_id)
        if row is None:
            raise PersonNotFound(id=person_id)
        merges = [s.PersonMerge(**{**m, "actor_id": UUID(m["actor_id"]) if m["actor_id"] else None})
                  for m in await reads.directory.merges(person_id)]
        return msgspec.structs.replace(person(row), merges=merges)

    @get("/{person_id:uuid}/responsibilities", operation_id="getResponsibilities", tags=["responsibility"])
    async def responsibilities(
        self, person_id: UUID, reads: ReadSide, settings: Settings, at: At = None, known_at: KnownAt = None,
        after: After = None,
    ) -> s.Responsibilities:
        """What a person holds at `at` ("my systems"), their open claims, and attestations due. Asked
        of a record merged into another, the answer is the survivor's (its `person_id`)."""
        await reads.caught_up(after)
        if await reads.directory.person(person_id) is None:
            raise PersonNotFound(id=person_id)
        person_id = await reads.directory.survivor(person_id)
        day, when = at or reads.today(), as_known_at(known_at, reads)
        return await responsibilities_of(reads, settings, person_id, day, when)


class MeController(Controller):
    path = "/me"
    tags = ["organisation"]

    @get("/", operation_id="getMe")
    async def me(self, request: Request, reads: ReadSide, settings: Settings, after: After = None) -> s.Me:
        """Who your token speaks for: your person, the roles it lets you act in, and what you are
        responsible for today, so you never need to know your own id."""
        await reads.caught_up(after)
        principal = request.scope["user"]
        row = await reads.directory.person(principal.person_id)
        mine = await responsibilities_of(reads, settings, principal.person_id, reads.today(), reads.now())
        return s.Me(
            person_id=principal.person_id, registered=row is not None, person=person(row) if row else None,
            roles=sorted(principal.roles), responsibilities=mine,
        )


async def responsibilities_of(
    reads: ReadSide, settings: Settings, person_id: UUID, day: date, when: datetime,
) -> s.Responsibilities:
    """What a person holds at `day` as known at `when`, their open claims, attestations due, and the
    hand-over offers waiting for their answer or made by them."""
    policy = settings.gap_policy
    rows = await reads.accountability.held_by(person_id, day, when)
    attested = [r["system_id"] for r in rows if r["role"] in policy.attested_roles]
    facts = await reads.accountability.facts_of(attested)
    attestations: dict[UUID, list[Attestation]] = defaultdict(list)
    for a in await reads.accountability.attestations_of(attested):
        if a["recorded_at"] <= when:
            attestations[a["system_id"]].append(Attestation(a["role"], a["person_id"], a["attested_on"]))
    holds = []
    for r in rows:
        held = period_at(facts.get(r["system_id"], []), r["role"], day, when)
        due = None
        if r["role"] in policy.attested_roles and held is not None:
            due = attestation_due(held, attestations[r["system_id"]], policy.attestation_days, day)
        holds.append(s.HeldRole(**r, attestation_due=due))
    claims = [s.OpenClaim(**c) for c in await reads.accountability.open_claims_of(person_id)]
    due_soon = [h for h in holds if h.attestation_due is not None and h.attestation_due <= _later(day, DUE_SOON)]
    return s.Responsibilities(
        person_id=person_id, at=day, holds=holds, open_claims=claims, attestations_due=due_soon,
        handovers_offered_to_me=[_pending(o) for o in await reads.handovers.open_to(person_id)],
        handovers_i_offered=[_pending(o) for o in await reads.handovers.open_from(person_id)],
    )


def _pending(row: dict[str, Any]) -> s.PendingHandover:
    return s.PendingHandover(
        id=row["offer_id"], system_id=row["system_id"], system_name=row["system_name"], role=row["role"],
        from_person_id=row["from_person_id"], to_person_id=row["to_person_id"], effective_from=row["effective_from"],
        offered_on=row["offered_on"],
    )
