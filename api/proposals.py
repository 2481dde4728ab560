"""Proposals (forslag): intake, their lifecycle steps, the pipeline, the portfolio balance and
the benefit follow-ups due. The council's verdicts on them are decisions (api/council.py)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, get, post

from api import council_schemas as c
from api import schemas as s
from api.dependencies import Cursor, Position, decode_cursor, encode_cursor
from api.explain import Names, actor_person
from api.responsibility import At
from api.systems import After, Limit, receipt
from domain.commands import Actor
from domain.portfolio import Portfolio
from domain.proposal_commands import ProposalNotFound
from domain.proposals import ChangeKind, Driver, ProblemCategory, Purpose, Status
from projections.read_side import ReadSide

#: The proposals the portfolio balance is taken over: approved, and in progress.
BALANCE_STATUSES = (Status.APPROVED.value, Status.IN_IMPLEMENTATION.value)


def content(data: c.ProposalContent) -> dict[str, Any]:
    fields = {f: getattr(data, f) for f in c.ProposalContent.__struct_fields__}
    return msgspec.to_builtins(fields)


def proposal(row: dict[str, Any], names: Names) -> c.Proposal:
    stored = msgspec.json.decode(row["content"], type=c.ProposalContent)
    name, erased = names.get(UUID(str(row["proposer_id"])), (None, False))
    return c.Proposal(
        **msgspec.structs.asdict(stored), id=row["id"], status=row["status"], proposer_id=row["proposer_id"],
        forvaltning_id=row["forvaltning_id"], system_id=row["system_id"], benefit_reviews=row["benefit_reviews"],
        submitted_at=row["submitted_at"], updated_at=row["updated_at"], proposer_name=name, proposer_erased=erased,
    )


async def proposals(reads: ReadSide, rows: list[dict[str, Any]]) -> list[c.Proposal]:
    """The proposals, each with its proposer's name beside the id."""
    names = await reads.directory.names(r["proposer_id"] for r in rows)
    return [proposal(r, names) for r in rows]


async def balance_of(reads: ReadSide) -> c.Balance:
    """Transition versus transformation, and the five categories, over approved and in-progress
    proposals, per forvaltning."""
    rows: dict[UUID | None, c.BalanceRow] = {}
    kinds: dict[UUID | None, dict[str, int]] = defaultdict(lambda: {k.value: 0 for k in ChangeKind})
    categories: dict[UUID | None, dict[str, int]] = defaultdict(lambda: {k.value: 0 for k in ProblemCategory})
    for r in await reads.proposals.balance(BALANCE_STATUSES):
        key = r["forvaltning_id"]
        kinds[key][r["change_kind"]] += r["n"]
        categories[key][r["category"]] += r["n"]
        rows.setdefault(key, c.BalanceRow(key, r["forvaltning_name"], kinds[key], categories[key], 0)).total += r["n"]
    return c.Balance(statuses=list(BALANCE_STATUSES), items=list(rows.values()))


async def proposal_detail(reads: ReadSide, proposal_id: UUID) -> c.ProposalDetail:
    """One proposal with its full history (every step, who took it, and the decision behind it)."""
    row = await reads.proposals.get(proposal_id)
    if row is None:
        raise ProposalNotFound(id=proposal_id)
    steps = await reads.proposals.history(proposal_id)
    names = await reads.directory.names([row["proposer_id"], *(actor_person(h["actor_id"]) for h in steps)])
    history = []
    for h in steps:
        name, erased = names.get(actor_person(h["actor_id"]), (None, False))  # type: ignore[arg-type]
        history.append(c.HistoryEntry(**h, actor_name=name, actor_erased=erased))
    return c.ProposalDetail(**msgspec.structs.asdict(proposal(row, names)), history=history)


class ProposalController(Controller):
    path = "/proposals"
    tags = ["proposals"]

    @post("/", operation_id="submitProposal", status_code=201, sync_to_thread=True)
    def submit(self, data: c.SubmitProposal, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Submit a proposal (anyone may); it starts `submitted`."""
        return receipt(portfolio.submit_proposal(content(data), data.proposer_id, actor))

    @post("/{proposal_id:uuid}/revisions", operation_id="reviseProposal", status_code=201, sync_to_thread=True)
    def revise(self, proposal_id: UUID, data: c.ProposalContent, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Replace the proposal's content; only before any decision on it (else 409)."""
        return receipt(portfolio.revise_proposal(proposal_id, content(data), actor))

    @post("/{proposal_id:uuid}/assessment", operation_id="startAssessment", status_code=201, sync_to_thread=True)
    def assess(self, proposal_id: UUID, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Take the proposal up for assessment (council or admin): it moves from `submitted` to
        `under_assessment`."""
        return receipt(portfolio.start_assessment(proposal_id, actor))

    @post("/{proposal_id:uuid}/withdrawal", operation_id="withdrawProposal", status_code=201, sync_to_thread=True)
    def withdraw(self, proposal_id: UUID, data: c.Withdraw, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """The proposer withdraws the proposal, before any decision on it."""
        return receipt(portfolio.withdraw_proposal(proposal_id, data.withdrawn_by, data.reason, actor))

    @post("/{proposal_id:uuid}/implementation", operation_id="startImplementation", status_code=201, sync_to_thread=True)
    def implement(self, proposal_id: UUID, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """An approved proposal goes into implementation (`approved` to `in_progress`)."""
        return receipt(portfolio.start_implementation(proposal_id, actor))

    @post("/{proposal_id:uuid}/completion", operation_id="completeImplementation", status_code=201, sync_to_thread=True)
    def complete(self, proposal_id: UUID, data: c.CompleteImplementation, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Mark the proposal implemented: registers (or links) the delivered system in `phasing_in` and
        assigns its teknisk ansvarlig, citing the approval. The receipt's `id` is the system's."""
        new = msgspec.structs.asdict(data.system) if data.system is not None else None
        return receipt(portfolio.complete_implementation(
            proposal_id, data.operations_owner_id, actor, system_id=data.system_id, new_system=new,
            effective_from=data.effective_from,
        ))

    @post("/{proposal_id:uuid}/abandonment", operation_id="abandonProposal", status_code=201, sync_to_thread=True)
    def abandon(self, proposal_id: UUID, data: c.Abandon, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Give up an approved or in-progress proposal, with the reason."""
        return receipt(portfolio.abandon_proposal(proposal_id, data.reason, actor))

    @get("/", operation_id="listProposals")
    async def pipeline(
        self, reads: ReadSide, after: After = None, limit: Limit = 50, cursor: Cursor = None,
        status: Status | None = None, category: ProblemCategory | None = None, purpose: Purpose | None = None,
        change_kind: ChangeKind | None = None, driver: Driver | None = None, forvaltning_id: UUID | None = None,
        driver_org_unit_id: UUID | None = None,
    ) -> c.ProposalPage:
        """The proposal pipeline in submission order, filterable. Keyset-paginated."""
        await reads.caught_up(after)
        rows = await reads.proposals.page(
            limit + 1, decode_cursor(cursor, Position), status=status, category=category, purpose=purpose,
            change_kind=change_kind, driver=driver, forvaltning_id=forvaltning_id, driver_org_unit_id=driver_org_unit_id,
        )
        more = len(rows) > limit
        rows = rows[:limit]
        return c.ProposalPage(
            items=await proposals(reads, rows), next_cursor=encode_cursor(rows[-1]["position"]) if more else None
        )

    @get("/{proposal_id:uuid}", operation_id="getProposal")
    async def get_proposal(self, proposal_id: UUID, reads: ReadSide, after: After = None) -> c.ProposalDetail:
        """One proposal with its full history (every step, who took it, and the decision behind it)."""
        await reads.caught_up(after)
        return await proposal_detail(reads, proposal_id)

    @get("/balance", operation_id="getPortfolioBalance")
    async def balance(self, reads: ReadSide, after: After = None) -> c.Balance:
        """Transition versus transformation, and the five categories, over approved and in-progress
        proposals, per forvaltning."""
        await reads.caught_up(after)
        return await balance_of(reads)

    @get("/benefit-follow-ups", operation_id="listBenefitFollowUpsDue")
    async def follow_ups(self, reads: ReadSide, at: At = None, after: After = None) -> c.FollowUps:
        """Implemented proposals past their follow-up date (before `at`) with no benefit review decision."""
        await reads.caught_up(after)
        day = at or reads.today()
        return c.FollowUps(at=day, items=await proposals(reads, await reads.proposals.follow_ups_due(day)))
