"""The web pages under /ui: server-rendered (Jinja2), plain forms with htmx only where it helps,
Danish text. Every page reads through the API's own functions and the read store; every form
runs the portfolio's own command, as the API's handler for the same thing does, under the
access table's rule for that command (api/access.py names each page's rule).

A form that succeeds redirects (303) to the page it belongs to with `after=<position>`, so the
page shows the change at once (read-your-writes); one that fails shows the problem, naming the
field, with the status the API would have answered.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

import anyio.to_thread
import msgspec
from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template

from api import explain
from api import schemas as s
from api.access import ACCESS
from api.context import provide_actor
from api.council import decisions, decommissionings
from api.org import responsibilities_of
from api.responsibility import as_known_at, timeline_of
from api.ui import UI_HANDLERS, words
from api.ui.menu import landing, menu
from api.ui.reading import DUE_SOON_DAYS, may, overview, units
from api.ui.session import CSRF_FIELD, csrf_guard, session_of
from domain.errors import InvalidValue, SystemNotFound
from domain.gaps import RULES
from infra.phrasebook.da.labels import RULE_LABEL
from domain.portfolio import Portfolio
from domain.vocabulary import Role
from infra.settings import Settings
from infra.tokens import Principal
from infra.transparency import TransparencyLog
from projections.read_side import ReadSide

After = Annotated[int | None, Parameter(ge=0, le=2**62, description="A log position the page must show.")]
#: What a form that redirected here did (the page shows it as a notice).
Done = Annotated[str | None, Parameter(pattern=r"^[a-z_]{1,30}$")]
PAGE = 100


async def _context(request: Request, reads: ReadSide, **values: Any) -> dict[str, Any]:
    principal: Principal = request.user
    names = await reads.directory.names([principal.person_id])
    name, erased = names.get(principal.person_id, (None, False))
    session = session_of(request)
    nav = menu(principal)
    return {
        "me": principal, "my_name": name or ("(slettet)" if erased else "ukendt person"), "csrf_field": CSRF_FIELD,
        "csrf": session.csrf if session else "", "nav": nav, "path": request.url.path, "today": reads.today(),
        "done": request.query_params.get("done"), "may": lambda op, writes=False: may(principal, op, writes),
        "rule_label": RULE_LABEL, "roles": list(Role), **values,
    }


def _page(name: str, context: dict[str, Any], status_code: int = 200) -> Template:
    return Template(template_name=name, context=context, status_code=status_code,
                    headers={"Cache-Control": "no-store"})


def done(path: str, message: str, position: int | None) -> Redirect:
    query = {"done": message, **({"after": str(position)} if position else {})}
    return Redirect(f"{path}?{urlencode(query)}", status_code=303)


async def form_of(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(v).strip() for k, v in form.items() if k != CSRF_FIELD and isinstance(v, str)}


def convert(data: dict[str, Any], type_: Any) -> Any:
    """The form as the API's request body type, so a page refuses what the API refuses, by field."""
    try:
        return msgspec.convert(data, type_, strict=False)
    except msgspec.ValidationError as exc:
        text = str(exc)
        named = re.search(r"(?:required field|unknown field) `([^`]+)`|`\$\.([A-Za-z_]\w*)", text)
        field = (named.group(1) or named.group(2)) if named else None
        raise InvalidValue("request-refused", field=field, message=text) from None


class PageController(Controller):
    path = "/ui"
    include_in_schema = False
    guards = [csrf_guard]  # after the access table's rule (the app's guard)
    exception_handlers = UI_HANDLERS

    # ------------------------------------------------------------------ the council's overview
    @get(["/", ""], operation_id="uiOverview")
    async def home(self, request: Request, reads: ReadSide, transparency: TransparencyLog, after: After = None) -> Template | Redirect:
        """The council's overview: unclear responsibility, attestations, claims, proposals, decisions."""
        await reads.caught_up(after)
        if (target := landing(request.user)) != "/ui/":
            return Redirect(target, status_code=303)
        day = reads.today()
        view = await overview(reads, transparency, day)
        return _page("overview.html", await _context(request, reads, view=view, due_soon_days=DUE_SOON_DAYS,
                                                       words=words, rules=RULES))

    # /ui/gaps and /ui/systems (the lists) are api/ui/register_pages.py's

    # ------------------------------------------------------------------ the register
    @get("/systems/{system_id:uuid}", operation_id="uiSystem")
    async def system(
        self, request: Request, system_id: UUID, reads: ReadSide, at: date | None = None,
        known_at: Annotated[str | None, Parameter(max_length=40)] = None, after: After = None, done: Done = None,
    ) -> Template:
        """A system: who holds each role and why, its timeline, decisions and decommissioning; the as-of question."""
        await reads.caught_up(after)
        today = reads.today()
        row = await reads.systems.get(system_id, today)
        if row is None:
            raise SystemNotFound(id=system_id)
        principal: Principal = request.user
        now_answer = await explain.accountability(reads, system_id, today, reads.now())
        holds = [r.role for r in (now_answer.roles if now_answer else []) if r.holder and r.holder.id == principal.person_id]
        sees = await ACCESS["getTimeline"].admits(request, principal)  # as the API's timeline: holder, council, auditor
        context: dict[str, Any] = {"system": row, "holds": holds, "sees": sees, "asked": None, "timeline": None,
                                   "answer": now_answer, "decisions": [], "decommissioning": None, "why": words.why}
        if sees:
            if at is not None or known_at:
                day, when = at or today, as_known_at(known_at or None, reads)
                context["asked"] = {"at": day, "known_at": when, "given_known_at": known_at or "",
                                    "answer": await explain.accountability(reads, system_id, day, when)}
            context["timeline"] = await timeline_of(reads, system_id, reads.now())
            rows = await reads.decisions.log(50, subject_id=system_id)
            context["decisions"] = await decisions(reads, rows)
            found = await reads.decommissionings.of_system(system_id)
            context["decommissioning"] = (await decommissionings(reads, [found]))[0] if found else None
        claims = [cl for cl in await reads.accountability.claims(system_id) if cl["person_id"] == principal.person_id]
        context["my_claims"] = claims
        context["offers"] = await reads.handovers.open_on(system_id)
        return _page("system.html", await _context(request, reads, **context))

    # /ui/systems/{id}/evidence: api/ui/exports.py

    # ------------------------------------------------------------------ an owner's tasks
    @get("/me", operation_id="uiMe")
    async def me(
        self, request: Request, reads: ReadSide, settings: Settings, after: After = None, done: Done = None,
    ) -> Template:
        """What I hold, attestations due, hand-overs offered to me and by me, my open claims and their answers."""
        await reads.caught_up(after)
        principal: Principal = request.user
        mine = await responsibilities_of(reads, settings, principal.person_id, reads.today(), reads.now())
        answered = [cl for cl in await reads.accountability.claims_of(principal.person_id) if cl["status"] != "open"]
        return _page("me.html", await _context(request, reads, mine=mine, answered=answered,
                                                 due_soon=timedelta(days=DUE_SOON_DAYS),
                                                 offers=await offers_of(reads, principal.person_id)))

    @get("/systems/{system_id:uuid}/handover", operation_id="uiHandOverForm")
    async def handover_form(
        self, request: Request, system_id: UUID, reads: ReadSide, role: Role,
        q: Annotated[str | None, Parameter(max_length=200, pattern=r"^[^\x00]*$")] = None, after: After = None,
    ) -> Template:
        """Choose the colleague to hand a role over to, searching by name."""
        await reads.caught_up(after)
        row = await reads.systems.get(system_id, reads.today())
        if row is None:
            raise SystemNotFound(id=system_id)
        people = await _people(reads, q)
        return _page("handover.html", await _context(request, reads, system=row, role=role, q=q or "", people=people))

    @get("/people/search", operation_id="uiPeopleSearch")
    async def people(
        self, request: Request, reads: ReadSide, field: Annotated[str, Parameter(pattern=r"^[a-z_]{1,40}$")] = "person_id",
        q: Annotated[str | None, Parameter(max_length=200, pattern=r"^[^\x00]*$")] = None,
    ) -> Template:
        """People matching a name (the search beside a form's person field; an htmx fragment)."""
        return _page("people_fragment.html", await _context(request, reads, people=await _people(reads, q), field=field,
                                                              q=q or ""))

    @post("/systems/{system_id:uuid}/attestation", operation_id="uiAttest")
    async def attest(self, request: Request, system_id: UUID, portfolio: Portfolio) -> Redirect:
        """Re-confirm a role I hold on the system today."""
        form = await form_of(request)
        data = convert({"role": form.get("role"), "person_id": str(request.user.person_id)}, s.Attest)
        actor = provide_actor(request)
        r = await anyio.to_thread.run_sync(lambda: portfolio.attest(system_id, data.role, data.person_id, actor=actor))
        return done(form.get("back") if form.get("back") in ("/ui/me",) else f"/ui/systems/{system_id}",
                    "attested", r.position)

    @post("/systems/{system_id:uuid}/handover", operation_id="uiHandOver")
    async def hand_over(self, request: Request, system_id: UUID, portfolio: Portfolio, reads: ReadSide) -> Redirect:
        """Offer a role I hold to a colleague; it moves when they accept."""
        form = await form_of(request)
        if not form.get("to_person_id"):
            raise InvalidValue("colleague-missing", field="to_person_id")
        data = convert({"role": form.get("role"), "to_person_id": form.get("to_person_id"),
                        "effective_from": form.get("effective_from") or reads.today().isoformat(),
                        **({"note": form["note"]} if form.get("note") else {})}, s.HandOver)
        actor = provide_actor(request)
        r = await anyio.to_thread.run_sync(lambda: portfolio.hand_over(
            system_id, data.role, data.to_person_id, data.effective_from, data.note, actor=actor))
        return done(f"/ui/systems/{system_id}", "handover_offered", r.position)

    @post("/systems/{system_id:uuid}/claim", operation_id="uiClaim")
    async def claim(self, request: Request, system_id: UUID, portfolio: Portfolio) -> Redirect:
        """Claim a role on a system for myself; the council answers."""
        form = await form_of(request)
        data = convert({"role": form.get("role"), "person_id": str(request.user.person_id),
                        "statement": form.get("statement", "")}, s.MakeClaim)
        actor = provide_actor(request)
        r = await anyio.to_thread.run_sync(lambda: portfolio.make_claim(
            system_id, data.role, data.person_id, data.statement, actor=actor))
        return done(f"/ui/systems/{system_id}", "claimed", r.position)


async def offers_of(reads: ReadSide, person_id: UUID) -> dict[str, list[dict[str, Any]]]:
    """The hand-overs waiting for my answer, and my own offers waiting for someone else's."""
    return {"to_me": await reads.handovers.open_to(person_id), "from_me": await reads.handovers.open_from(person_id)}


async def _people(reads: ReadSide, q: str | None) -> list[dict[str, Any]]:
    if not q or len(q.strip()) < 2:
        return []
    rows = await reads.directory.people(25, None, None, q.strip())
    tree = await units(reads)
    return [{**r, "unit": tree.names.get(UUID(str(r["org_unit_id"]))), "name": None if r["erased_at"] else r["name"]}
            for r in rows if r["departed_on"] is None and r["erased_at"] is None]

