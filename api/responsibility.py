"""Responsibility on one system: assignments, vacancies, claims, attestations, and the views
owners and auditors read: accountability at (date, as known at) and the full timeline."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.params import Parameter

from api import explain
from api.tenancy import runtime_of
from api.basis import answer_fields
from api import schemas as s
from api.proof import WithProof, proof_of
from api.reminders import reminder_views
from api.systems import After, receipt
from api.known_at import as_known_at  # noqa: F401 (the controllers here and their importers use it)
from api.shown import fact_entry
from domain.commands import Actor
from domain.errors import SystemNotFound
from domain.portfolio import Portfolio
from domain.responsibility import resolve_periods
from domain.vocabulary import Role
from infra.transparency import TransparencyLog
from projections.accountability_view import fact_from_row
from projections.read_side import ReadSide

At = Annotated[date | None, Parameter(description="Valid-time date (YYYY-MM-DD); default today.")]
KnownAt = Annotated[str | None, Parameter(max_length=40, schema_extra={"pattern": (
    r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:[Zz]|[+-][0-9]{2}:?[0-9]{2}))?\s*$"
)}, description=(
    "Record time: as the record stood then. An instant in ISO 8601 with its offset (2025-01-31T12:00:00+01:00,"
    " or Z), or a date YYYY-MM-DD: as the record stood at the end of that day, Danish time. Default: now."
))]



def _named(person_id: Any, names: explain.Names) -> dict[str, Any]:
    """The name fields beside a person id in an answer."""
    name, erased = names.get(UUID(str(person_id)), (None, False)) if person_id else (None, False)
    return {"person_name": name, "person_erased": erased}


def _claim_as_known(claim: dict, when: datetime) -> dict:
    """A claim answered after `when` was still open as the record stood then."""
    if claim["answered_at"] is not None and claim["answered_at"] > when:
        return {**claim, "status": "open", "answered_at": None, "answered_on": None, "answer": None, "decision_id": None,
                "answer_position": None, "answer_code": None}
    return claim


async def timeline_of(
    reads: ReadSide, system_id: UUID, when: datetime, transparency: TransparencyLog | None = None,
) -> s.Timeline:
    """Per role, the resolved periods as known at `when` and every fact behind them; with
    `transparency`, their inclusion proofs."""
    if await reads.systems.get(system_id, reads.today()) is None:
        raise SystemNotFound(id=system_id)
    facts = [f for f in await reads.accountability.facts(system_id) if f["recorded_at"] <= when]
    claims = [_claim_as_known(c, when) for c in await reads.accountability.claims(system_id) if c["made_at"] <= when]
    attestations = [a for a in await reads.accountability.attestations(system_id) if a["recorded_at"] <= when]
    names = await reads.directory.names(
        [f["person_id"] for f in facts] + [f["actor_id"] for f in facts]
        + [c["person_id"] for c in claims] + [a["person_id"] for a in attestations]
    )
    by_role: dict[str, list[dict]] = defaultdict(list)
    for f in facts:
        by_role[f["role"]].append(f)
    roles = []
    for role in [r for r in Role if r in by_role]:
        plain = [fact_from_row(f) for f in by_role[role]]
        periods = [
            s.ResolvedPeriod(p.holder, p.start, p.end, [f.position for f in p.facts], **_named(p.holder, names))
            for p in resolve_periods(plain, role)
        ]
        roles.append(s.RoleTimeline(role=role, periods=periods, facts=[fact_entry(f, names) for f in by_role[role]]))
    lifecycle = [e for e in await reads.systems.lifecycle_history(system_id) if e["recorded_at"] <= when]
    handovers = [_handover_as_known(h, when) for h in await reads.handovers.of_system(system_id) if h["offered_at"] <= when]
    shown = None
    if transparency is not None:
        shown = await proof_of(transparency, [
            *(f["position"] for f in facts), *(c["position"] for c in claims),
            *(c["answer_position"] for c in claims if c["answered_at"] is not None),
            *(a["position"] for a in attestations), *(e["position"] for e in lifecycle),
            *(h.position for h in handovers), *(h.answer_position for h in handovers if h.answer_position),
        ])
    return s.Timeline(
        system_id=system_id, known_at=when, roles=roles,
        lifecycle=[s.LifecycleEntry(**e) for e in lifecycle],
        claims=[s.ClaimView(**{**{k: v for k, v in c.items() if k != "system_id"}, **answer_fields(c)},
                            **_named(c["person_id"], names)) for c in claims],
        attestations=[s.AttestationView(**a, **_named(a["person_id"], names)) for a in attestations],
        proof=shown, reminders=await reminder_views(reads, await reads.reminders.of_system(system_id)),
        handovers=handovers,
    )


def _handover_as_known(h: dict[str, Any], when: datetime) -> s.HandoverView:
    """An offer as the record stood at `when`: an answer recorded later is not known yet."""
    answered = h["answered_at"] is not None and h["answered_at"] <= when
    return s.HandoverView(
        id=h["offer_id"], role=h["role"], from_person_id=h["from_person_id"], from_name=h["from_name"],
        to_person_id=h["to_person_id"], to_name=h["to_name"], effective_from=h["effective_from"],
        offered_on=h["offered_on"], recorded_at=h["offered_at"], note=h["note"],
        state=h["status"] if answered else "offered", answered_on=h["answered_on"] if answered else None,
        reason=h["reason"] if answered else None, accepted_from=h["accepted_from"] if answered else None,
        position=h["position"], answer_position=h["answer_position"] if answered else None,
    )


class ResponsibilityController(Controller):
    path = "/systems/{system_id:uuid}"
    tags = ["responsibility"]

    @post("/assignments", operation_id="recordAssignment", status_code=201, sync_to_thread=True)
    def assign(self, system_id: UUID, data: s.RecordAssignment, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Record that a person holds a role over `[effective_from, effective_to)`; a later fact overrides."""
        return receipt(portfolio.assign_role(
            system_id, data.role, data.person_id, data.effective_from, data.effective_to, data.basis,
            data.decision_id, actor=actor,
        ))

    @post("/vacancies", operation_id="recordVacancy", status_code=201, sync_to_thread=True)
    def vacate(self, system_id: UUID, data: s.RecordVacancy, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Record that nobody holds a role over a period, with the reason."""
        return receipt(portfolio.record_vacancy(
            system_id, data.role, data.effective_from, data.effective_to, data.reason, actor=actor
        ))

    @post("/claims", operation_id="makeClaim", status_code=201, sync_to_thread=True)
    def claim(self, system_id: UUID, data: s.MakeClaim, portfolio: Portfolio, actor: Actor) -> s.ClaimReceipt:
        """Claim a role for a person; it waits for confirmation or rejection."""
        r = portfolio.make_claim(system_id, data.role, data.person_id, data.statement, actor=actor)
        return s.ClaimReceipt(position=r.position, recorded_at=r.recorded_at, id=r.id, claim_id=r.id)

    @post("/claims/{claim_id:uuid}/confirmation", operation_id="confirmClaim", status_code=201, sync_to_thread=True)
    def confirm(self, system_id: UUID, claim_id: UUID, data: s.ConfirmClaim, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Confirm an open claim: it becomes an assignment from `effective_from` (default today)."""
        return receipt(portfolio.confirm_claim(system_id, claim_id, data.effective_from, data.decision_id, actor=actor))

    @post("/claims/{claim_id:uuid}/rejection", operation_id="rejectClaim", status_code=201, sync_to_thread=True)
    def reject(self, system_id: UUID, claim_id: UUID, data: s.RejectClaim, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Reject an open claim with a reason; the claimant and the gap report see it answered."""
        return receipt(portfolio.reject_claim(system_id, claim_id, data.reason, data.decision_id, actor=actor))

    @post("/attestations", operation_id="attest", status_code=201, sync_to_thread=True)
    def attest(self, system_id: UUID, data: s.Attest, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """The current holder re-confirms the role today; the next attestation is then due when the
        attestation period (365 days by default) has passed again, or the gap report shows
        `attestation_overdue`."""
        return receipt(portfolio.attest(system_id, data.role, data.person_id, actor=actor))

    @post("/handovers", operation_id="handOver", status_code=201, sync_to_thread=True)
    def hand_over(self, system_id: UUID, data: s.HandOver, portfolio: Portfolio, actor: Actor) -> s.HandoverOffer:
        """The holder of a role offers it to another person from `effective_from` (today or later). An
        offer until the recipient accepts (`POST /handovers/{id}/acceptance`); the holder stays
        responsible meanwhile."""
        r = portfolio.hand_over(system_id, data.role, data.to_person_id, data.effective_from, data.note, actor=actor)
        assert r.id is not None and actor.person_id is not None
        return s.HandoverOffer(
            id=r.id, state="offered", system_id=system_id, role=data.role, from_person_id=actor.person_id,
            to_person_id=data.to_person_id, effective_from=data.effective_from, position=r.position,
            recorded_at=r.recorded_at,
        )

    @get("/accountability", operation_id="getAccountability")
    async def accountability(
        self, system_id: UUID, reads: ReadSide, request: Request, at: At = None, known_at: KnownAt = None,
        after: After = None, proof: WithProof = False,
    ) -> s.Accountability:
        """Who held each role at `at`, as the record stood at `known_at`, and why: for every role the
        fact that decided it (when and by whom it was recorded, as what, on what basis, the decision,
        claim or import behind it), or why nobody held it. `holders` lists the roles someone held.
        With `proof=true`, each deciding fact's inclusion proof and the checkpoint they verify against."""
        await reads.caught_up(after)
        when, day = as_known_at(known_at, reads), at or reads.today()
        answer = await explain.accountability(reads, system_id, day, when)
        if answer is None:
            raise SystemNotFound(id=system_id)
        if proof:
            # Asked for here, not as a dependency: two dependencies are resolved in a task group
            # of their own, ~0.1 ms of every answer (bench/README.md, benchmark 1).
            transparency: TransparencyLog = runtime_of(request).transparency  # its municipality's
            answer.proof = await proof_of(transparency, [r.fact.position for r in answer.roles if r.fact])
        return answer

    @get("/timeline", operation_id="getTimeline")
    async def timeline(
        self, system_id: UUID, reads: ReadSide, transparency: TransparencyLog, known_at: KnownAt = None,
        after: After = None, proof: WithProof = False,
    ) -> s.Timeline:
        """Per role, the resolved periods as known at `known_at` (default now) and every fact behind
        them. With `proof=true`, the inclusion proof of every fact, claim, answer, attestation and
        lifecycle change shown, and the checkpoint they verify against."""
        await reads.caught_up(after)
        return await timeline_of(reads, system_id, as_known_at(known_at, reads), transparency if proof else None)
