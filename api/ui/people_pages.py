"""The administration's people pages: find people, register and correct one, record a departure, erase a
person's details on a basis, and issue a one-time sign-in link. Each form runs the command the
API's route runs (api/org.py), with the request's field names, under the same rule."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import anyio.to_thread
from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template

from api import schemas as s
from api.context import provide_actor
from api.org import person as person_of
from api.ui import UI_HANDLERS
from api.ui.pages import After, Done, _context, _page, convert, done, form_of
from api.ui.reading import units
from api.ui.register_pages import Asked, PageNumber, choice, given, pages, tidy, unit_tree
from api.ui.session import csrf_guard, store
from domain.errors import InvalidValue, PersonNotFound
from domain.portfolio import Portfolio
from domain.vocabulary import AccessRole
from infra.settings import Settings
from infra.ui_sessions import CODE_TTL
from projections.read_side import ReadSide
from projections.register_page import RegisterPageQueries

PAGE = 50
Query = Annotated[str | None, Parameter(max_length=200, pattern=r"^[^\x00]*$")]
#: Whom the list shows by whether they have left (the filter's values and their Danish words).
STATUS = {"present": "Ansat", "departed": "Fratrådt"}
#: The roles a sign-in link may carry besides being a person (every person is an owner).
LINK_ROLES = (AccessRole.ADMIN, AccessRole.COUNCIL, AccessRole.AUDITOR)


async def open_units(reads: ReadSide) -> list[dict[str, Any]]:
    """Units a person or a unit can be placed in today, by name, with their forvaltning."""
    tree = await units(reads)
    today = reads.today()
    rows = [r for r in await reads.directory.org_units() if r["dissolved_on"] is None or r["dissolved_on"] > today]
    for r in rows:
        above = tree.forvaltning_of.get(UUID(str(r["id"])))
        r["forvaltning"] = tree.names.get(above) if above and above != UUID(str(r["id"])) else None
    return sorted(rows, key=lambda r: (r["forvaltning"] or "", r["name"]))


class PeoplePageController(Controller):
    path = "/ui/people"
    include_in_schema = False
    guards = [csrf_guard]
    exception_handlers = UI_HANDLERS

    @get("/", operation_id="uiPeople")
    async def people(self, request: Request, reads: ReadSide, q: Query = None, org_unit_id: Query = None,
                     status: Query = None, page: PageNumber = 1, after: After = None,
                     done: Done = None) -> Template | Redirect:
        """People by name, found by name or e-mail, by unit (with the units below) and by whether
        they have left, a page at a time; and the form that registers a person."""
        await reads.caught_up(after)
        unit = choice(org_unit_id, UUID, "org_unit_id")
        shown_status = choice(status, str, "status")
        if shown_status not in (None, *STATUS):
            raise InvalidValue("not-a-choice", field="status", allowed=list(STATUS))
        tree, narrowing = await units(reads), await unit_tree(reads)
        query = {k: v for k, v in (("q", given(q)), ("org_unit_id", unit and str(unit)), ("status", shown_status)) if v}
        if (again := tidy(request, Asked(query, []), page)) is not None:
            return again
        found = await RegisterPageQueries(reads.reader).people(
            limit=PAGE, offset=(page - 1) * PAGE, q=given(q), org_unit_ids=narrowing.within(unit) if unit else None,
            status=shown_status, today=reads.today())
        items = [{**r, "unit": tree.names.get(UUID(str(r["org_unit_id"]))), "erased": r["erased_at"] is not None}
                 for r in found.rows]
        return _page("people.html", await _context(
            request, reads, items=items, q=given(q) or "", org_unit_id=unit, status=shown_status, statuses=STATUS,
            unit_choices=narrowing.choices, asked=Asked(query, []), paging=pages(page, found.total, PAGE),
            units=await open_units(reads)))

    @get("/{person_id:uuid}", operation_id="uiPerson")
    async def person(self, request: Request, person_id: UUID, reads: ReadSide, after: After = None,
                     done: Done = None) -> Template:
        """One person: their details, and the forms for a departure, an erasure and a sign-in link."""
        await reads.caught_up(after)
        return _page("person.html", await _context(request, reads, **await _person(reads, person_id), link=None))

    @post("/", operation_id="uiRegisterPerson")
    async def register(self, request: Request, portfolio: Portfolio) -> Redirect:
        """Register a person: name and e-mail go to the erasable directory, never to the log."""
        form = await form_of(request)
        data = convert({k: form[k] for k in ("name", "org_unit_id", "title", "email") if form.get(k)}, s.RegisterPerson)
        actor = provide_actor(request)
        r = await anyio.to_thread.run_sync(lambda: portfolio.register_person(
            data.name, data.org_unit_id, data.title, data.email, actor=actor))
        return done(f"/ui/people/{r.id}", "registered", r.position)

    @post("/{person_id:uuid}/correction", operation_id="uiCorrectPerson")
    async def correct(self, request: Request, person_id: UUID, portfolio: Portfolio) -> Redirect:
        """Correct the person's name, e-mail, title or unit (an empty title removes it; an empty
        name or e-mail leaves it as it is)."""
        form = await form_of(request)
        body: dict[str, Any] = {k: form[k] for k in ("name", "email", "org_unit_id") if form.get(k)}
        if "title" in form:
            body["title"] = form["title"]
        data = convert(body, s.CorrectPerson)
        actor = provide_actor(request)
        r = await anyio.to_thread.run_sync(lambda: portfolio.correct_person(
            person_id, name=data.name, email=data.email if isinstance(data.email, str) else None, title=data.title,
            org_unit_id=data.org_unit_id, actor=actor))
        return done(f"/ui/people/{person_id}", "corrected", r.position)

    @post("/{person_id:uuid}/departure", operation_id="uiRecordDeparture")
    async def depart(self, request: Request, person_id: UUID, portfolio: Portfolio) -> Redirect:
        """Record that the person leaves the organisation on `effective`."""
        form = await form_of(request)
        data = convert({"effective": form.get("effective") or None}, s.Depart)
        actor = provide_actor(request)
        r = await anyio.to_thread.run_sync(lambda: portfolio.record_departure(person_id, data.effective, actor=actor))
        return done(f"/ui/people/{person_id}", "departed", r.position)

    @post("/{person_id:uuid}/erasure", operation_id="uiErasePerson")
    async def erase(self, request: Request, person_id: UUID, portfolio: Portfolio) -> Redirect:
        """Erase the person's name and e-mail on a `basis`; their id, roles and history stay."""
        form = await form_of(request)
        data = convert({"basis": form.get("basis", "")}, s.Erase)
        actor = provide_actor(request)
        r = await anyio.to_thread.run_sync(lambda: portfolio.erase_person_details(person_id, data.basis, actor=actor))
        return done(f"/ui/people/{person_id}", "erased", r.position)

    @post("/{person_id:uuid}/sign-in-link", operation_id="uiIssueSignInLink", status_code=200)
    async def sign_in_link(self, request: Request, person_id: UUID, reads: ReadSide, settings: Settings) -> Template:
        """Issue a one-time sign-in link for the person (valid 15 minutes, once), with the access
        `roles` chosen; shown once, on this page, never stored in a URL of ours."""
        raw = await request.form()
        roles = [str(r) for r in raw.getall("roles", []) if r]
        unknown = [r for r in roles if r not in {str(x) for x in LINK_ROLES}]
        if unknown:
            raise InvalidValue("not-a-choice", field="roles", given=unknown[0], allowed=[str(r) for r in LINK_ROLES])
        shown = await _person(reads, person_id)
        p = shown["p"]
        if p.erased or (p.departed_on is not None and p.departed_on <= reads.today()):
            raise InvalidValue("no-link-for-person", field="person_id")
        code = await anyio.to_thread.run_sync(store(request).issue_code, person_id, frozenset(roles))
        base = (settings.oidc.public_url or str(request.base_url)).rstrip("/")
        link = f"{base}/ui/login/code?code={code}"
        return _page("person.html", await _context(request, reads, **shown, link=link, link_roles=roles,
                                                   link_minutes=int(CODE_TTL.total_seconds() // 60)))


async def _person(reads: ReadSide, person_id: UUID) -> dict[str, Any]:
    row = await reads.directory.person(person_id)
    if row is None:
        raise PersonNotFound(id=person_id)
    tree = await units(reads)
    choices = await open_units(reads)
    if all(str(u["id"]) != str(row["org_unit_id"]) for u in choices):  # their unit was dissolved: still shown
        choices.insert(0, {"id": row["org_unit_id"], "name": tree.names.get(UUID(str(row["org_unit_id"]))),
                           "forvaltning": None})
    return {"p": person_of(row), "unit": tree.names.get(UUID(str(row["org_unit_id"]))), "units": choices,
            "link_role_choices": [str(r) for r in LINK_ROLES]}
