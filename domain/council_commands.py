"""The council's commands: meetings, and decisions with their consequences.

A decision and every consequence it has (proposals
moved, claims confirmed and rejected, a lifecycle change, a system registered, a role assigned)
are saved in ONE `save()`: they are recorded together, citing the decision, or not at all.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.basis import Basis, BasisCode
from domain.commands import Actor, Commands, Receipt, command
from domain.council import (
    PROPOSAL_STATUS,
    AlreadySuperseded,
    Decision,
    DecisionKind,
    Meeting,
    NoQuorum,
    SubjectKind,
    Supersession,
    check_decision,
)
from domain.decommissioning import Decommissioning, DecommissioningStep
from domain.errors import InvalidValue, OwnClaim, UnknownReference
from domain.proposals import Proposal
from domain.systems import System
from domain.vocabulary import Lifecycle, Role


class CouncilCommands(Commands):
    @command
    def hold_meeting(
        self, held_on: date, attendee_ids: list[UUID], quorum: bool, actor: Actor, agenda: list[UUID] | None = None,
    ) -> Receipt:
        """Record a council meeting: its date, who attended (person ids), whether it had a quorum, and
        the proposals on its agenda (in order, each once, each an existing proposal)."""
        self._dates(held_on=held_on)
        for person_id in attendee_ids:
            self._existing_person(person_id, "attendee_ids")
        agenda = list(agenda or [])
        if len(set(agenda)) != len(agenda):
            raise InvalidValue("agenda-twice", field="agenda")
        for proposal_id in agenda:
            self._existing(Proposal, proposal_id, UnknownReference, "agenda")
        return self._save_new(Meeting(held_on=held_on, attendee_ids=list(attendee_ids), quorum=quorum,
                                      meta=actor.meta(), agenda=agenda))

    @command
    def record_decision(
        self, kind: str, rationale: str, actor: Actor, *, subjects: list[dict] | None = None,
        meeting_id: UUID | None = None, decided_by: list[UUID] | None = None, decided_on: date | None = None,
        effective_from: date | None = None, supersedes: UUID | None = None, priorities: list[dict] | None = None,
        period_from: date | None = None, period_to: date | None = None, responsible_id: UUID | None = None,
        confirmed_claim_id: UUID | None = None, operations_owner_id: UUID | None = None,
    ) -> Receipt:
        """Record an immutable council decision and, in the same save, every consequence it has."""
        self._dates(decided_on=decided_on, effective_from=effective_from, period_from=period_from, period_to=period_to)
        kind = str(kind)
        subjects = [{"kind": str(s["kind"]), "id": str(s["id"])} for s in subjects or []]
        priorities = [
            {"proposal_id": str(p["proposal_id"]), "rank": int(p["rank"]), "note": p.get("note")}
            for p in priorities or []
        ]
        if kind == DecisionKind.PRIORITISATION:
            ranked = [{"kind": "proposal", "id": p["proposal_id"]} for p in priorities]
            if any(s not in ranked for s in subjects):
                raise InvalidValue("subjects-not-ranked", field="subjects")
            subjects = ranked
        details = {"responsible_id": str(responsible_id) if responsible_id else None,
                   "confirmed_claim_id": str(confirmed_claim_id) if confirmed_claim_id else None,
                   "operations_owner_id": str(operations_owner_id) if operations_owner_id else None}
        decided_by = list(decided_by or [])
        check_decision(kind, subjects, rationale, meeting_id, decided_by, priorities, period_from, period_to, details)
        # Who takes part in the decision: a claim of any of theirs it cannot confirm.
        deciders = set(decided_by) | ({actor.person_id} if actor.person_id else set())
        if meeting_id is not None:
            meeting = self._existing(Meeting, meeting_id, UnknownReference, "meeting_id")
            if not meeting.quorum:
                raise NoQuorum(field="meeting_id", meeting_id=str(meeting_id), held_on=str(meeting.held_on))
            decided_on = decided_on or meeting.held_on
            deciders |= set(meeting.attendee_ids)
        decided_on = decided_on or self.today()
        effective_from = effective_from or decided_on
        for person_id in decided_by:
            self._existing_person(person_id, "decided_by")
        if operations_owner_id is not None:
            self._assignable(operations_owner_id, effective_from, field="operations_owner_id")

        def build() -> tuple[list[Aggregate], UUID | None]:
            answered = subjects
            if kind == DecisionKind.OWNERSHIP_RULING:
                assert confirmed_claim_id is not None
                answered = self._ruling_subjects(subjects, confirmed_claim_id, deciders)
            decision = Decision(
                kind=kind, subjects=answered, rationale=rationale.strip(), meeting_id=meeting_id,
                decided_by=decided_by, decided_on=decided_on, effective_from=effective_from, supersedes=supersedes,
                priorities=priorities, period_from=period_from, period_to=period_to, details=details,
                meta=actor.meta(),
            )
            changed: list[Aggregate] = [decision]
            if supersedes is not None:
                changed.append(self._supersede(supersedes, decision.id))
            changed += self._consequences(decision, rationale, responsible_id, confirmed_claim_id, actor)
            return changed, decision.id

        return self._atomically(build)

    def _supersede(self, earlier_id: UUID, by_id: UUID) -> Supersession:
        self._existing(Decision, earlier_id, UnknownReference, "supersedes")
        record = Supersession(superseded_id=earlier_id, by_id=by_id)
        existing = self._maybe(record.id)
        if existing is not None:
            raise AlreadySuperseded(field="supersedes", decision_id=str(earlier_id), superseded_by=str(existing.by_id))
        return record

    def _ruling_subjects(self, subjects: list[dict], confirmed_claim_id: UUID, deciders: set[UUID]) -> list[dict]:
        """The system, and every claim the ruling answers: the one it confirms and the other open
        claims for the same role, which it rejects. Listing them makes the log findable by claim."""
        (system_id,) = [UUID(s["id"]) for s in subjects if s["kind"] == SubjectKind.SYSTEM]
        system = self._existing(System, system_id, UnknownReference, "subjects")
        if confirmed_claim_id not in system.claims:
            raise UnknownReference("no-such-claim", field="confirmed_claim_id", system_id=str(system_id),
                                   claim_id=str(confirmed_claim_id))
        chosen = system.open_claim(confirmed_claim_id)
        if chosen.person_id in deciders:
            # Separation of duties, by this door too: a claimant never rules on their own claim.
            raise OwnClaim("claimant-rules", field="confirmed_claim_id", claim_id=str(confirmed_claim_id),
                           person_id=str(chosen.person_id))
        answered = [confirmed_claim_id] + [
            c for c, st in system.claims.items() if c != confirmed_claim_id and st.status == "open" and st.role == chosen.role
        ]
        listed = {UUID(s["id"]) for s in subjects if s["kind"] == SubjectKind.CLAIM}
        if not listed <= set(answered):
            raise InvalidValue("claim-not-answered", field="subjects")
        return [{"kind": SubjectKind.SYSTEM.value, "id": str(system_id)}] + [
            {"kind": SubjectKind.CLAIM.value, "id": str(c)} for c in answered
        ]

    def _consequences(
        self, decision: Decision, rationale: str, responsible_id: UUID | None, confirmed_claim_id: UUID | None,
        actor: Actor,
    ) -> list[Aggregate]:
        meta = actor.meta()
        changed: list[Aggregate] = []
        if decision.kind in PROPOSAL_STATUS:
            status = PROPOSAL_STATUS[decision.kind]
            for proposal_id in decision.subject_ids(SubjectKind.PROPOSAL):
                proposal = self._existing(Proposal, proposal_id, UnknownReference, "subjects")
                if status is None:
                    proposal.review_benefits(decision.id, meta)
                else:
                    proposal.move(status, meta, decision_id=decision.id)
                changed.append(proposal)
            for system_id in decision.subject_ids(SubjectKind.SYSTEM):  # a rejected decommissioning
                changed.append(self._reject_decommissioning(system_id, decision.id, meta))
        elif decision.kind == DecisionKind.DECOMMISSION:
            (system_id,) = decision.subject_ids(SubjectKind.SYSTEM)
            system = self._existing(System, system_id, UnknownReference, "subjects")
            assert responsible_id is not None
            self._assignable(responsible_id, decision.effective_from, field="responsible_id")
            process = self._maybe(Decommissioning.id_for(system_id))
            if not isinstance(process, Decommissioning):
                raise DecommissioningStep("no-decommissioning-to-decide", field="subjects", system_id=str(system_id),
                                          current=None, allowed=["proposed"], attempted="a decommission decision")
            process.decide(decision.id, responsible_id, decision.effective_from, meta)
            system.change_lifecycle(Lifecycle.PHASING_OUT.value, decision.effective_from, meta)
            if system.holder(Role.SYSTEMEJER, decision.effective_from) is None:
                # Nobody owns it: the person who carries the decommissioning out holds the system
                # meanwhile, so "decided, but nobody responsible" (gap rule 8) cannot arise.
                system.assign(Role.SYSTEMEJER.value, responsible_id, decision.effective_from, None, None, decision.id,
                              meta, why=Basis(BasisCode.DECOMMISSION_CARRIER))
            changed += [process, system]
        elif decision.kind == DecisionKind.OWNERSHIP_RULING:
            (system_id,) = decision.subject_ids(SubjectKind.SYSTEM)
            system = self._existing(System, system_id, UnknownReference, "subjects")
            assert confirmed_claim_id is not None
            self._assignable(system.open_claim(confirmed_claim_id).person_id, decision.effective_from,
                             field="confirmed_claim_id")
            system.confirm_claim(confirmed_claim_id, decision.effective_from, decision.id, self.today(), meta)
            for claim_id in decision.subject_ids(SubjectKind.CLAIM):
                if claim_id != confirmed_claim_id:
                    system.reject_claim(claim_id, rationale.strip(), decision.id, self.today(), meta,
                                        Basis(BasisCode.COUNCIL_RULING))
            changed.append(system)
        return changed

    def _reject_decommissioning(self, system_id: UUID, decision_id: UUID, meta: dict) -> Decommissioning:
        self._existing(System, system_id, UnknownReference, "subjects")
        process = self._maybe(Decommissioning.id_for(system_id))
        if not isinstance(process, Decommissioning):
            raise DecommissioningStep("no-decommissioning-to-reject", field="subjects", system_id=str(system_id),
                                      current=None, allowed=["proposed"], attempted="a rejection")
        process.reject(decision_id, meta)
        return process
