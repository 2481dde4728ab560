"""English problem sentences about the council's work: proposals and their steps, decisions,
meetings and decommissionings (codes of domain/errors.py; parameters as the raise sites give them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra.phrasebook.en.shown import joined


def _transition(params: Mapping[str, Any]) -> str:
    current = params["current"]
    allowed = joined(params["allowed"]) or "nothing, it is final"
    return (f"proposal {params['proposal_id']} is {current}; it cannot become {params['attempted']}"
            f" (allowed from {current}: {allowed})")


def _proposal_subjects(params: Mapping[str, Any]) -> str:
    also = " (a rejection may instead be about one system: its proposed decommissioning)"
    return f"a {params['kind']} is about one or more proposals (and nothing else)" + (
        also if params["kind"] == "rejection" else "")


COUNCIL: dict[str, Any] = {
    # proposals
    "illegal-transition": _transition,
    "revision-after-decision": "proposal {proposal_id} is {current}: revisions are only possible before a decision",
    "benefits-before-implementation": "proposal {proposal_id} is {current}: only an implemented proposal has benefits"
    " to review",
    "proposal-text-missing": "a proposal needs its {field}",
    "purposes-not-chosen": "purposes: one or more of {allowed}, each once",
    "driver-unit-missing": "a proposal driven by a professional area names its org unit",
    "benefits-missing": "a proposal states its expected benefits",
    "marker-unanswered": "the guiding marker {marker} must be answered",
    "withdrawer-not-proposer": "only the proposer may withdraw a proposal",
    "operations-owner-differs": "the approval named {decided} to take the system into operation",
    "operations-owner-missing": "nobody is named to take the system into operation, neither by the approval nor here",
    "system-or-new-system": "give either system_id (an existing system) or system (a new one)",
    "system-retiring": "system {system_id} is being retired; it cannot be what a proposal delivers",
    # decisions and meetings
    "unknown-subject-kind": "a subject's kind is one of {allowed}",
    "rationale-missing": "a decision needs its rationale",
    "decider-missing": "a decision is made by a meeting or by named people",
    "subject-twice": "a subject is listed twice",
    "priorities-empty": "a prioritisation ranks at least one proposal",
    "ranks-not-consecutive": "ranks must be 1, 2, ... n, each once",
    "proposal-ranked-twice": "a proposal is ranked twice",
    "period-from-missing": "a prioritisation is for a period: period_from is required",
    "period-not-after": "period_to must be after period_from",
    "prioritisation-subjects": "a prioritisation is about proposals only",
    "priorities-without-prioritisation": "only a prioritisation has priorities",
    "subjects-not-ranked": "a prioritisation's subjects are the proposals it ranks",
    "proposal-decision-subjects": _proposal_subjects,
    "operations-owner-without-approval": "only an approval names who takes a system into operation",
    "decommission-subjects": "a decommission decision is about exactly one system",
    "responsible-missing": "a decommission decision names who carries it out",
    "ruling-subjects": "an ownership ruling is about exactly one system (and its claims)",
    "ruling-claim-missing": "an ownership ruling confirms one claim",
    "claim-not-answered": "a listed claim is not one this ruling answers",
    "claimant-rules": "claim {claim_id} is {person_id}'s own, and they record, decide or attend this ruling; the"
    " council rules on it without them",
    "agenda-twice": "a proposal is on the agenda twice",
    "no-quorum": "meeting {meeting_id} on {held_on} had no quorum",
    "already-superseded": "decision {decision_id} was already superseded by {superseded_by}; supersede that one instead",
    # decommissionings
    "decommissioning-step": "the decommissioning of system {system_id} is {current}; {attempted} needs it {allowed}",
    "already-decommissioned": "system {system_id} is already decommissioned",
    "decommissioning-already-proposed": "the decommissioning of system {system_id} was already proposed; it is {current}",
    "decommissioning-not-proposed": "no decommissioning of system {system_id} has been proposed",
    "no-decommissioning-to-decide": "system {system_id} has no proposed decommissioning to decide on",
    "no-decommissioning-to-reject": "system {system_id} has no proposed decommissioning to reject",
    "decommissioning-incomplete": "system {system_id} cannot be decommissioned yet: missing {missing}",
    "not-the-responsible": "only the person the decision named ({responsible_id}) signs the decommissioning off",
    "archive-duty-needs": lambda p: f"archive duty {p['duty']} is settled only with the {p['field'].replace('_', ' ')}",
}
