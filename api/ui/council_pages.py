"""The council's pages: proposals and every step of their life, the council's meetings and their
minutes, and the decision log with the form that records a decision, one kind at a time.

Every form's field names are the API request's JSON field names (api/ui/form_body.py says how a
nested or listed field is named), it runs the command the API's route runs, under the access
table's rule of that route, and redirects (303) to the proposal's, meeting's or decision's page
with a notice. A form the command refuses renders its page again, with the problem in Danish
naming the field by its label, and the values sent; nothing is written."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any
from uuid import UUID

import anyio.to_thread
from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template

from api import council_schemas as c
from api.context import provide_actor
from api.council import decision, decisions, in_order, meetings, record
from api.problems import on_domain_error
from api.proposals import content, proposal_detail, proposals
from api.ui import UI_HANDLERS, words
from api.ui.decision_form import body_from_form, form_context, subjects_sent
from api.ui.form_body import body_of, convert
from api.ui.minutes import effects, minutes_log
from api.ui.pages import PAGE, After, _context, _page, _people, done
from api.ui.people_pages import open_units
from api.ui.session import csrf_guard
from domain.council import DecisionKind, DecisionNotFound, MeetingNotFound
from domain.errors import DomainError
from domain.portfolio import Portfolio
from domain.proposals import ChangeKind, Driver, Marker, ProblemCategory, Purpose, Status, TRANSITIONS
from domain.vocabulary import Criticality, Lifecycle
from infra.phrasebook.da import council as council_words
from infra.transparency import TransparencyLog
from projections.read_side import ReadSide

Done = Annotated[str | None, Parameter(pattern=r"^[a-z_]{1,30}$")]
Query = Annotated[str | None, Parameter(max_length=200, pattern=r"^[^\x00]*$")]
Again = Callable[[dict[str, Any], int], Awaitable[Template]]


def problem_of(request: Request, exc: DomainError) -> tuple[dict[str, Any], int]:
    """What the API would have answered, in the words every page says a problem in (the Danish
    phrasebook: what went wrong, what to do), and the field by the label this form gives it."""
    from api.ui import _name_of
    from infra.phrasebook.da.problems import said

    answer = on_domain_error(request, exc)
    body = answer.content if isinstance(answer.content, dict) else {}
    field = body.get("field")
    words_for = said(body, _name_of(request))
    return {"lead": words_for.what, "todo": words_for.todo, "field": field, "type": words_for.type,
            "label": council_words.field_label(field)}, answer.status_code


async def attempt(request: Request, run: Callable[[], Awaitable[Redirect]], again: Again) -> Response[Any]:
    """The form's command, or its page again with the problem (and the status the API would answer)."""
    try:
        return await run()
    except DomainError as exc:
        problem, status = problem_of(request, exc)
        return await again(problem, status)


async def sent(request: Request) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """The form's (name, value) pairs, and the same by name (lists where a name repeats) for refilling it."""
    form = await request.form()
    pairs = [(k, str(v)) for k, v in form.multi_items() if isinstance(v, str)]
    by_name: dict[str, Any] = {}
    for k, v in pairs:
        by_name[k] = [*by_name[k], v] if isinstance(by_name.get(k), list) else ([by_name[k], v] if k in by_name else v)
    return pairs, by_name


def _steps(p: c.ProposalDetail, may: Callable[..., bool], me: UUID) -> dict[str, bool]:
    """The steps of the proposal's life this person may take now: the lifecycle's table, and the
    access table's rule of the API operation behind each."""
    after = TRANSITIONS[Status(p.status)]
    decides = may("recordDecision", True)
    return {
        "assessment": Status.UNDER_ASSESSMENT in after and may("startAssessment", True),
        "withdrawal": Status.WITHDRAWN in after and p.proposer_id == me and may("withdrawProposal", True),
        "revision": p.status in (Status.SUBMITTED, Status.UNDER_ASSESSMENT) and may("reviseProposal", True)
        and (p.proposer_id == me or may("startAssessment", True)),
        "approval": Status.APPROVED in after and decides, "rejection": Status.REJECTED in after and decides,
        "deferral": Status.DEFERRED in after and decides, "prioritisation": Status.PRIORITISED in after and decides,
        "implementation": Status.IN_IMPLEMENTATION in after and may("startImplementation", True),
        "completion": Status.IMPLEMENTED in after and may("completeImplementation", True),
        "benefit_review": p.status == Status.IMPLEMENTED and decides,
        "abandonment": Status.ABANDONED in after and may("abandonProposal", True),
    }


class CouncilPageController(Controller):
    path = "/ui"
    include_in_schema = False
    guards = [csrf_guard]
    exception_handlers = UI_HANDLERS

    # ------------------------------------------------------------------ proposals
    @get("/proposals", operation_id="uiProposals")
    async def proposals_page(self, request: Request, reads: ReadSide, status: Status | None = None,
                             after: After = None) -> Template:
        """The proposals pipeline, by status."""
        await reads.caught_up(after)
        rows = await reads.proposals.page(500, status=status or None)
        return _page("proposals.html", await _context(
            request, reads, items=await proposals(reads, rows), status=status, statuses=list(words.STATUS),
            counts=await reads.proposals.by_status()))

    @get("/proposals/{proposal_id:uuid}", operation_id="uiProposal")
    async def proposal(self, request: Request, proposal_id: UUID, reads: ReadSide, after: After = None,
                       done: Done = None, q: Query = None) -> Template:
        """One proposal with its history, the decisions about it, and the forms for the steps open to
        the signed-in person now."""
        await reads.caught_up(after)
        return await self._proposal(request, reads, proposal_id, q=q)

    async def _proposal(self, request: Request, reads: ReadSide, proposal_id: UUID, problem: Any = None,
                        status_code: int = 200, form: Any = None, q: str | None = None) -> Template:
        detail = await proposal_detail(reads, proposal_id)
        rows = await reads.decisions.log(50, subject_id=proposal_id)
        context = await _context(request, reads, p=detail, decisions=await decisions(reads, rows), problem=problem,
                                 form=form or {}, notice=council_words.DONE.get(request.query_params.get("done", "")),
                                 done=None, q=q or "", said=council_words)
        steps = _steps(detail, context["may"], request.user.person_id)
        extra: dict[str, Any] = {"steps": steps}
        if steps["completion"]:
            approval = next((d for d in context["decisions"] if d.kind == DecisionKind.APPROVAL), None)
            owner = _uuid(approval.operations_owner_id) if approval else None  # the details hold it as text
            names = await reads.directory.names([owner] if owner else [])
            extra.update(named_owner=words.person(_ref(owner, names)) if owner else None, people=await _people(reads, q),
                         units=await open_units(reads), criticalities=list(Criticality),
                         systems=await _deliverable(reads))
        meeting_rows = (await reads.decisions.meetings())[-20:]
        extra["meetings"] = list(reversed(await meetings(reads, meeting_rows)))
        return _page("proposal.html", {**context, **extra}, status_code)

    @get("/proposals/new", operation_id="uiProposalForm")
    async def proposal_form(self, request: Request, reads: ReadSide, q: Query = None, after: After = None) -> Template:
        """The form that submits a proposal (the technology card)."""
        await reads.caught_up(after)
        return await self._card(request, reads, None, q=q)

    @get("/proposals/{proposal_id:uuid}/revision", operation_id="uiProposalRevisionForm")
    async def revision_form(self, request: Request, proposal_id: UUID, reads: ReadSide, after: After = None) -> Template:
        """The proposal's content in the same form, to be revised (only before any decision on it)."""
        await reads.caught_up(after)
        p = await proposal_detail(reads, proposal_id)
        return await self._card(request, reads, p)

    async def _card(self, request: Request, reads: ReadSide, p: c.ProposalDetail | None, problem: Any = None,
                    status_code: int = 200, form: Any = None, q: str | None = None) -> Template:
        if form is None and p is not None:
            form = _card_values(p)
        return _page("proposal_new.html", await _context(
            request, reads, p=p, problem=problem, form=form or {}, q=q or "", people=await _people(reads, q),
            said=council_words,
            purposes=list(Purpose), categories=list(ProblemCategory), change_kinds=list(ChangeKind),
            drivers=list(Driver), markers=list(Marker), units=await open_units(reads)), status_code)

    @post("/proposals", operation_id="uiSubmitProposal")
    async def submit(self, request: Request, portfolio: Portfolio, reads: ReadSide) -> Response[Any]:
        """Submit a proposal in one's own name (an admin or the council may name another proposer)."""
        pairs, form = await sent(request)

        async def run() -> Redirect:
            body = body_of(pairs, c.SubmitProposal)
            body.setdefault("proposer_id", str(request.user.person_id))
            data = convert(body, c.SubmitProposal)
            actor = provide_actor(request)
            r = await anyio.to_thread.run_sync(lambda: portfolio.submit_proposal(content(data), data.proposer_id, actor))
            return done(f"/ui/proposals/{r.id}", "submitted", r.position)

        return await attempt(request, run, lambda problem, status: self._card(request, reads, None, problem, status, form))

    @post("/proposals/{proposal_id:uuid}/revisions", operation_id="uiReviseProposal")
    async def revise(self, request: Request, proposal_id: UUID, portfolio: Portfolio, reads: ReadSide) -> Response[Any]:
        """Replace the proposal's content; only before any decision on it."""
        pairs, form = await sent(request)

        async def run() -> Redirect:
            data = convert(body_of(pairs, c.ProposalContent), c.ProposalContent)
            actor = provide_actor(request)
            r = await anyio.to_thread.run_sync(lambda: portfolio.revise_proposal(proposal_id, content(data), actor))
            return done(f"/ui/proposals/{proposal_id}", "revised", r.position)

        async def again(problem: Any, status: int) -> Template:
            return await self._card(request, reads, await proposal_detail(reads, proposal_id), problem, status, form)

        return await attempt(request, run, again)

    @post("/proposals/{proposal_id:uuid}/assessment", operation_id="uiStartAssessment")
    async def assess(self, request: Request, proposal_id: UUID, portfolio: Portfolio, reads: ReadSide) -> Response[Any]:
        """Take the proposal up for assessment."""
        return await self._step(request, proposal_id, reads, "assessed",
                                lambda actor, _: portfolio.start_assessment(proposal_id, actor))

    @post("/proposals/{proposal_id:uuid}/withdrawal", operation_id="uiWithdrawProposal")
    async def withdraw(self, request: Request, proposal_id: UUID, portfolio: Portfolio, reads: ReadSide) -> Response[Any]:
        """The proposer withdraws the proposal, before any decision on it."""
        def command(actor: Any, pairs: list[tuple[str, str]]) -> Any:
            body = body_of(pairs, c.Withdraw)
            body.setdefault("withdrawn_by", str(actor.person_id))
            data = convert(body, c.Withdraw)
            return portfolio.withdraw_proposal(proposal_id, data.withdrawn_by, data.reason, actor)

        return await self._step(request, proposal_id, reads, "withdrawn", command)

    @post("/proposals/{proposal_id:uuid}/implementation", operation_id="uiStartImplementation")
    async def implement(self, request: Request, proposal_id: UUID, portfolio: Portfolio, reads: ReadSide) -> Response[Any]:
        """An approved proposal goes into implementation."""
        return await self._step(request, proposal_id, reads, "implementing",
                                lambda actor, _: portfolio.start_implementation(proposal_id, actor))

    @post("/proposals/{proposal_id:uuid}/completion", operation_id="uiCompleteImplementation")
    async def complete(self, request: Request, proposal_id: UUID, portfolio: Portfolio, reads: ReadSide) -> Response[Any]:
        """Mark the proposal implemented: the delivered system registered (or an existing one linked)
        in phasing-in, with its teknisk ansvarlig."""
        def command(actor: Any, pairs: list[tuple[str, str]]) -> Any:
            data = convert(body_of(pairs, c.CompleteImplementation), c.CompleteImplementation)
            new = {f: getattr(data.system, f) for f in c.NewSystem.__struct_fields__} if data.system else None
            return portfolio.complete_implementation(proposal_id, data.operations_owner_id, actor,
                                                     system_id=data.system_id, new_system=new,
                                                     effective_from=data.effective_from)

        return await self._step(request, proposal_id, reads, "completed", command)

    @post("/proposals/{proposal_id:uuid}/abandonment", operation_id="uiAbandonProposal")
    async def abandon(self, request: Request, proposal_id: UUID, portfolio: Portfolio, reads: ReadSide) -> Response[Any]:
        """Give up an approved or in-progress proposal, with the reason."""
        def command(actor: Any, pairs: list[tuple[str, str]]) -> Any:
            data = convert(body_of(pairs, c.Abandon), c.Abandon)
            return portfolio.abandon_proposal(proposal_id, data.reason, actor)

        return await self._step(request, proposal_id, reads, "abandoned", command)

    async def _step(self, request: Request, proposal_id: UUID, reads: ReadSide, what: str,
                    command: Callable[[Any, list[tuple[str, str]]], Any]) -> Response[Any]:
        pairs, form = await sent(request)
        actor = provide_actor(request)

        async def run() -> Redirect:
            r = await anyio.to_thread.run_sync(lambda: command(actor, pairs))
            return done(f"/ui/proposals/{proposal_id}", what, r.position)

        return await attempt(request, run, lambda problem, status: self._proposal(
            request, reads, proposal_id, problem, status, {**form, "step": request.url.path.rsplit("/", 1)[-1]}))

    # ------------------------------------------------------------------ meetings
    @get("/meetings", operation_id="uiMeetings")
    async def meetings_page(self, request: Request, reads: ReadSide, after: After = None, done: Done = None) -> Template:
        """The council's meetings, newest first, each with its attendees and how many decisions it took."""
        await reads.caught_up(after)
        rows = list(reversed(await reads.decisions.meetings()))
        shown = await meetings(reads, rows)
        taken = await reads.decisions.meeting_counts()
        counts = {m.id: taken.get(UUID(str(m.id)), 0) for m in shown}
        return _page("meetings.html", await _context(request, reads, items=shown, counts=counts,
                                                     notice=council_words.DONE.get(done or ""), done=None))

    @get("/meetings/new", operation_id="uiMeetingForm")
    async def meeting_form(self, request: Request, reads: ReadSide, q: Query = None, after: After = None) -> Template:
        """The form that records a council meeting: date, attendees, quorum, the proposals on its agenda."""
        await reads.caught_up(after)
        return await self._meeting_form(request, reads, q=q)

    async def _meeting_form(self, request: Request, reads: ReadSide, problem: Any = None, status_code: int = 200,
                            form: Any = None, q: str | None = None) -> Template:
        earlier = await meetings(reads, (await reads.decisions.meetings())[-10:])
        regulars = {a.id: a for m in earlier for a in m.attendees if not a.erased}
        me = request.user.person_id
        names = await reads.directory.names([me])
        regulars.setdefault(me, _ref(me, names))
        found = [p for p in await _people(reads, q) if UUID(str(p["id"])) not in regulars]
        form = form if form is not None else {"attendee_ids": [str(me)], "held_on": reads.today().isoformat()}
        # The agenda may hold any proposal not yet in an end state, by title, in submission order.
        open_proposals = [r for r in await reads.proposals.page(500) if TRANSITIONS[Status(r["status"])]]
        return _page("meeting_new.html", await _context(
            request, reads, regulars=sorted(regulars.values(), key=lambda r: r.name or ""), people=found, q=q or "",
            open_proposals=open_proposals, problem=problem, form=form), status_code)

    @post("/meetings", operation_id="uiHoldMeeting")
    async def hold_meeting(self, request: Request, portfolio: Portfolio, reads: ReadSide) -> Response[Any]:
        """Record a council meeting: its date, who attended and whether it had a quorum."""
        pairs, form = await sent(request)

        async def run() -> Redirect:
            data = convert(body_of(pairs, c.HoldMeeting), c.HoldMeeting)
            actor = provide_actor(request)
            r = await anyio.to_thread.run_sync(lambda: portfolio.hold_meeting(
                data.held_on, data.attendee_ids, data.quorum, actor, data.agenda))
            return done(f"/ui/meetings/{r.id}", "meeting_held", r.position)

        return await attempt(request, run, lambda problem, status: self._meeting_form(
            request, reads, problem, status, {**form, "attendee_ids": _listed(form.get("attendee_ids")),
                                              "agenda": _listed(form.get("agenda"))}))

    @get("/meetings/{meeting_id:uuid}", operation_id="uiMeeting")
    async def meeting_page(self, request: Request, meeting_id: UUID, reads: ReadSide,
                           transparency: TransparencyLog, after: After = None, done: Done = None) -> Template:
        """A meeting: its date, attendees and quorum, its agenda (each proposal's state now and what the
        meeting decided about it), the proposals it decided on that were not on the agenda, its
        decisions as minutes (each in names), and where the log stood when the minutes were taken."""
        await reads.caught_up(after)
        rows = await reads.decisions.meetings(meeting_id)
        if not rows:
            raise MeetingNotFound(id=meeting_id)
        shown = (await meetings(reads, rows[:1]))[0]
        taken = await decisions(reads, await reads.decisions.of_meeting(meeting_id))
        minutes = [(d, await effects(reads, d)) for d in taken]
        decided: dict[str, list[Any]] = {}
        for d in taken:
            for sj in d.subjects:
                if sj.kind == "proposal":
                    decided.setdefault(str(sj.id), []).append(d)
        on_agenda = {str(a.proposal_id) for a in shown.agenda}
        dealt = {sj.id: sj.name for d in taken for sj in d.subjects
                 if sj.kind == "proposal" and str(sj.id) not in on_agenda}
        agenda = [(a, decided.get(str(a.proposal_id), [])) for a in shown.agenda]
        log = await minutes_log(transparency, rows[0], taken)
        return _page("meeting.html", await _context(
            request, reads, m=shown, minutes=minutes, agenda=agenda, dealt=dealt, log=log, notice=council_words.DONE.get(done or ""),
            done=None))

    # ------------------------------------------------------------------ decisions
    @get("/decisions", operation_id="uiDecisions")
    async def decision_log(
        self, request: Request, reads: ReadSide, kind: DecisionKind | None = None, decided_from: date | None = None,
        decided_to: date | None = None, subject_id: UUID | None = None, after: After = None,
    ) -> Template:
        """The decision log, newest first, with filters."""
        await reads.caught_up(after)
        in_order(decided_from, decided_to)
        rows = await reads.decisions.log(PAGE * 2, kind=kind, decided_from=decided_from, decided_to=decided_to,
                                         subject_id=subject_id, newest_first=True)
        return _page("decisions.html", await _context(
            request, reads, items=await decisions(reads, rows), kind=kind, decided_from=decided_from,
            decided_to=decided_to, kinds=list(DecisionKind), subject_id=subject_id))

    @get("/decisions/{decision_id:uuid}", operation_id="uiDecision")
    async def decision_page(self, request: Request, decision_id: UUID, reads: ReadSide, after: After = None,
                            done: Done = None) -> Template:
        """One decision: what it did, in names (roles given and taken, claims confirmed and rejected,
        proposals moved, a prioritisation's period and ranks), its rationale, meeting and deciders."""
        await reads.caught_up(after)
        row = await reads.decisions.get(decision_id)
        if row is None:
            raise DecisionNotFound(id=decision_id)
        shown = await decision(reads, row)
        held = (await meetings(reads, await reads.decisions.meetings(shown.meeting_id)))[:1] if shown.meeting_id else []
        return _page("decision.html", await _context(
            request, reads, d=shown, did=await effects(reads, shown), meeting=held[0] if held else None,
            notice=council_words.DONE.get(done or ""), done=None))

    @get("/decisions/new", operation_id="uiDecisionForm")
    async def decision_form(
        self, request: Request, reads: ReadSide, kind: DecisionKind | None = None, proposal: UUID | None = None,
        system: UUID | None = None, claim: UUID | None = None, meeting: UUID | None = None, q: Query = None,
        after: After = None,
    ) -> Template:
        """The form that records a council decision: first its kind, then only the fields that kind needs
        (`proposal`, `system`, `claim` and `meeting` choose what it starts with)."""
        await reads.caught_up(after)
        prefill = {"subjects": [str(proposal)] if proposal else [], "confirmed_claim_id": str(claim) if claim else "",
                   "meeting_id": str(meeting) if meeting else "", "proposal": str(proposal) if proposal else ""}
        return _page("decide.html", await _context(
            request, reads, **await form_context(reads, kind, system, q, prefill)))

    @post("/decisions", operation_id="uiRecordDecision")
    async def record_decision(self, request: Request, portfolio: Portfolio, reads: ReadSide) -> Response[Any]:
        """Record a council decision with its rationale and meeting (or as the recording member's own)."""
        pairs, form = await sent(request)

        async def run() -> Redirect:
            data = convert(body_from_form(pairs, request.user.person_id), c.RecordDecision)
            actor = provide_actor(request)
            r = await anyio.to_thread.run_sync(record, portfolio, data, actor)
            return done(f"/ui/decisions/{r.id}", "decided", r.position)

        async def again(problem: Any, status: int) -> Template:
            kind = form.get("kind") if form.get("kind") in {str(k) for k in DecisionKind} else None
            subjects = subjects_sent(pairs)
            system = next((_uuid(i) for k, i in subjects if k == "system"), None)
            refill = {**form, "subject_ids": [i for _, i in subjects]}
            context = await form_context(reads, DecisionKind(kind) if kind else None, system, None, refill)
            return _page("decide.html", await _context(request, reads, **{**context, "problem": problem}), status)

        return await attempt(request, run, again)


async def _deliverable(reads: ReadSide) -> list[dict[str, Any]]:
    """Systems a proposal may deliver that are not yet in operation (the register's first page of each)."""
    found = []
    for lifecycle in (Lifecycle.NOT_IN_OPERATION, Lifecycle.PILOT, Lifecycle.PHASING_IN):
        found += await reads.systems.page(reads.today(), PAGE, lifecycle=lifecycle)
    return sorted(found, key=lambda r: r["name"])


def _ref(person_id: UUID | None, names: dict[UUID, tuple[str | None, bool]]) -> Any:
    from api.schemas import PersonRef

    return PersonRef(person_id, *names.get(person_id, (None, False))) if person_id else None


def _listed(value: Any) -> list[str]:
    return value if isinstance(value, list) else ([value] if value else [])


def _uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value)) if value else None
    except ValueError:
        return None


def _card_values(p: c.ProposalDetail) -> dict[str, Any]:
    """A proposal's content as the form's fields, for revising it."""
    values: dict[str, Any] = {
        "title": p.title, "problem": p.problem, "purposes": [str(x) for x in p.purposes], "category": str(p.category),
        "change_kind": str(p.change_kind), "driver": str(p.driver), "benefits.text": p.benefits.text,
        "driver_org_unit_id": str(p.driver_org_unit_id or ""), "follow_up_on": str(p.follow_up_on or ""),
        "related_system_ids": [str(x) for x in p.related_system_ids],
        **{f"markers.{m}": getattr(p.markers, m) for m in c.Markers.__struct_fields__},
    }
    for i, f in enumerate(p.benefits.figures):
        values.update({f"benefits.figures[{i}].label": f.label, f"benefits.figures[{i}].amount": f"{f.amount:g}",
                       f"benefits.figures[{i}].unit": f.unit or ""})
    return values
