"""The portfolio council: meetings, decisions (immutable, with their consequences), the decision
log, the priority list, and decommissioning from proposal to sign-off."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, get, post
from litestar.params import Parameter

from api import council_schemas as c
from api import schemas as s
from api.dependencies import Cursor, Position, decode_cursor, encode_cursor
from api.proof import WithProof, proof_of
from api.responsibility import At
from api.systems import After, Limit, receipt
from api.shown import decisions
from domain.commands import Actor
from domain.council import DecisionKind, DecisionNotFound, MeetingNotFound
from domain.errors import InvalidValue, SystemNotFound
from domain.portfolio import Portfolio
from infra.transparency import TransparencyLog
from projections.decommissioning_view import lacking
from projections.read_side import ReadSide


def in_order(decided_from: date | None, decided_to: date | None) -> None:
    """A filter on the decision log's dates runs forwards (422 naming `decided_to` otherwise)."""
    if decided_from and decided_to and decided_to < decided_from:
        raise InvalidValue("to-before-from", field="decided_to", earlier="decided_from")


def record(portfolio: Portfolio, data: c.RecordDecision, actor: Actor) -> Any:
    """The decision command with a request's body (the API's and the decision form's)."""
    return portfolio.record_decision(
        data.kind, data.rationale, actor, subjects=[msgspec.structs.asdict(x) for x in data.subjects],
        meeting_id=data.meeting_id, decided_by=data.decided_by, decided_on=data.decided_on,
        effective_from=data.effective_from, supersedes=data.supersedes,
        priorities=[msgspec.structs.asdict(p) for p in data.priorities], period_from=data.period_from,
        period_to=data.period_to, responsible_id=data.responsible_id, confirmed_claim_id=data.confirmed_claim_id,
        operations_owner_id=data.operations_owner_id,
    )


async def decision(reads: ReadSide, row: dict[str, Any]) -> c.Decision:
    return (await decisions(reads, [row]))[0]


async def meetings(reads: ReadSide, rows: list[dict[str, Any]]) -> list[c.Meeting]:
    """The meetings, each attendee with their name beside the id."""
    attending = [[UUID(a) for a in msgspec.json.decode(r["attendee_ids"])] for r in rows]
    names = await reads.directory.names(a for ids in attending for a in ids)
    agendas = await reads.decisions.agendas_of([UUID(str(r["id"])) for r in rows])
    return [
        c.Meeting(
            id=row["id"], held_on=row["held_on"], attendee_ids=ids, quorum=row["quorum"], recorded_at=row["recorded_at"],
            attendees=[s.PersonRef(a, *names.get(a, (None, False))) for a in ids],
            agenda=[c.AgendaItem(proposal_id=a["proposal_id"], title=a["title"], status=a["status"])
                    for a in agendas.get(UUID(str(row["id"])), [])],
        )
        for row, ids in zip(rows, attending)
    ]


_DECOMMISSIONING_PEOPLE = ("proposed_by", "responsible_id", "signed_off_by")


async def decommissionings(reads: ReadSide, rows: list[dict[str, Any]]) -> list[c.Decommissioning]:
    """The decommissionings, the people they name each with their name beside the id."""
    names = await reads.directory.names(r[f] for r in rows for f in _DECOMMISSIONING_PEOPLE)
    shown = []
    for r in rows:
        people = {f: s.PersonRef(UUID(str(r[f])), *names.get(UUID(str(r[f])), (None, False)))
                  for f in _DECOMMISSIONING_PEOPLE if r[f]}
        shown.append(c.Decommissioning(**r, lacking=lacking(r), people=people))
    return shown


async def priority_list(reads: ReadSide, day: date) -> c.PriorityList:
    """The priority list in force on `day`."""
    row = await reads.decisions.priority_list_at(day)
    if row is None:
        return c.PriorityList(at=day, decision=None, items=[])
    current = await decision(reads, row)
    return c.PriorityList(at=day, decision=current, items=current.priorities)


class CouncilController(Controller):
    path = "/"
    tags = ["council"]

    @post("/meetings", operation_id="holdMeeting", status_code=201, sync_to_thread=True)
    def hold_meeting(self, data: c.HoldMeeting, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Record a council meeting: date, attendees (person ids), quorum met or not, and the proposals
        on its agenda (`agenda`: proposal ids in order, each once)."""
        return receipt(portfolio.hold_meeting(data.held_on, data.attendee_ids, data.quorum, actor, data.agenda))

    @get("/meetings", operation_id="listMeetings")
    async def list_meetings(self, reads: ReadSide, after: After = None) -> c.MeetingList:
        """Every council meeting, by date, with its attendees and whether it had a quorum."""
        await reads.caught_up(after)
        return c.MeetingList(items=await meetings(reads, await reads.decisions.meetings()))

    @get("/meetings/{meeting_id:uuid}", operation_id="getMeeting")
    async def get_meeting(self, meeting_id: UUID, reads: ReadSide, after: After = None) -> c.Meeting:
        """One council meeting: its date, who attended (by id), whether it had a quorum, and the
        proposals on its agenda with their titles."""
        await reads.caught_up(after)
        rows = await reads.decisions.meetings(meeting_id)
        if not rows:
            raise MeetingNotFound(id=meeting_id)
        return (await meetings(reads, rows[:1]))[0]

    @post("/decisions", operation_id="recordDecision", status_code=201, sync_to_thread=True)
    def record_decision(self, data: c.RecordDecision, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Record an immutable decision with its rationale; its consequences (proposals moved, claims
        ruled, a system phased out) are recorded in the same transaction, citing it."""
        return receipt(record(portfolio, data, actor))

    @get("/decisions", operation_id="listDecisions")
    async def log(
        self, reads: ReadSide, after: After = None, limit: Limit = 50, cursor: Cursor = None,
        subject_id: UUID | None = None, kind: DecisionKind | None = None,
        decided_from: Annotated[date | None, Parameter(description="Decided on or after.")] = None,
        decided_to: Annotated[date | None, Parameter(description="Decided on or before.")] = None,
        decider_id: Annotated[UUID | None, Parameter(description="A named decider or meeting attendee.")] = None,
    ) -> c.DecisionPage:
        """The decision log in the order decisions were taken, filterable; keyset-paginated."""
        await reads.caught_up(after)
        in_order(decided_from, decided_to)
        start = decode_cursor(cursor, tuple[date, Position])
        rows = await reads.decisions.log(
            limit + 1, start, subject_id=subject_id, kind=kind, decided_from=decided_from, decided_to=decided_to,
            decider_id=decider_id,
        )
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = encode_cursor([rows[-1]["decided_on"].isoformat(), rows[-1]["position"]]) if more else None
        return c.DecisionPage(items=await decisions(reads, rows), next_cursor=next_cursor)

    @get("/decisions/{decision_id:uuid}", operation_id="getDecision")
    async def get_decision(
        self, decision_id: UUID, reads: ReadSide, transparency: TransparencyLog, after: After = None,
        proof: WithProof = False,
    ) -> c.DecisionDetail:
        """One decision, the decision it superseded, and every consequence recorded with it as basis.
        With `proof=true`, the inclusion proofs of the decision, the one it superseded and every
        consequence, and the checkpoint they verify against."""
        await reads.caught_up(after)
        row = await reads.decisions.get(decision_id)
        if row is None:
            raise DecisionNotFound(id=decision_id)
        earlier = await reads.decisions.get(row["supersedes"]) if row["supersedes"] else None
        consequences = [c.Consequence(**r) for r in await reads.decisions.consequences(decision_id)]
        shown = None
        if proof:
            shown = await proof_of(transparency, [row["position"], earlier and earlier["position"],
                                                  *(x.position for x in consequences)])
        return c.DecisionDetail(
            **msgspec.structs.asdict(await decision(reads, row)),
            superseded=await decision(reads, earlier) if earlier else None, consequences=consequences, proof=shown,
        )

    @get("/priorities", operation_id="getPriorityList")
    async def priorities(self, reads: ReadSide, at: At = None, after: After = None) -> c.PriorityList:
        """The priority list in force on `at` (default today): the latest prioritisation effective then,
        whose period covers the date and which had not been superseded by then."""
        await reads.caught_up(after)
        return await priority_list(reads, at or reads.today())


class DecommissioningController(Controller):
    path = "/"
    tags = ["decommissioning"]

    @post("/systems/{system_id:uuid}/decommissioning", operation_id="proposeDecommissioning", status_code=201,
          sync_to_thread=True)
    def propose(self, system_id: UUID, data: c.ProposeDecommissioning, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Propose retiring the system, with the reason; the council decides: kind `decommission`, or
        `rejection` with the system as its only subject. After a rejection it may be proposed again."""
        return receipt(portfolio.propose_decommissioning(system_id, data.reason, data.proposed_by, actor))

    @post("/systems/{system_id:uuid}/decommissioning/archive-duty", operation_id="settleArchiveDuty", status_code=201,
          sync_to_thread=True)
    def archive(self, system_id: UUID, data: c.SettleArchiveDuty, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Record how the archive duty was met: B needs the archive's receipt, K the deletion record, B+K both."""
        return receipt(portfolio.settle_archive_duty(
            system_id, data.duty, data.archive_receipt, data.deletion_record, actor
        ))

    @post("/systems/{system_id:uuid}/decommissioning/contracts-ended", operation_id="endContracts", status_code=201,
          sync_to_thread=True)
    def contracts(self, system_id: UUID, data: c.EndContracts, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Record that the system's contracts have ended: one of the things a decommissioning needs before
        its sign-off."""
        return receipt(portfolio.end_contracts(system_id, data.ended_on, data.note, actor))

    @post("/systems/{system_id:uuid}/decommissioning/sign-off", operation_id="signOffDecommissioning", status_code=201,
          sync_to_thread=True)
    def sign_off(self, system_id: UUID, data: c.SignOff, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """The responsible person signs off; 409 naming what is missing, else the system is decommissioned."""
        return receipt(portfolio.complete_decommissioning(system_id, data.signed_off_by, actor))

    @get("/systems/{system_id:uuid}/decommissioning", operation_id="getDecommissioning")
    async def get_one(self, system_id: UUID, reads: ReadSide, after: After = None) -> c.Decommissioning:
        """Where the system's decommissioning stands and what it still lacks."""
        await reads.caught_up(after)
        row = await reads.decommissionings.of_system(system_id)
        if row is None:
            raise SystemNotFound("no-decommissioning", id=system_id)
        return (await decommissionings(reads, [row]))[0]

    @get("/decommissionings", operation_id="listDecommissioningsInProgress")
    async def in_progress(self, reads: ReadSide, after: After = None) -> c.DecommissioningList:
        """Every decommissioning proposed or decided and not yet completed (rejected ones are not in
        progress), with what each still lacks."""
        await reads.caught_up(after)
        rows = await reads.decommissionings.in_progress()
        return c.DecommissioningList(items=await decommissionings(reads, rows))
