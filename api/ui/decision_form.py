"""The decision form, one kind at a time: what each kind of decision is about and which fields it
needs (the domain's rules: `check_decision` and the proposals' lifecycle), the choices each field
offers, and the form's fields as the API's `RecordDecision` body."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from api import council_schemas as c
from api.council import decisions, meetings
from api.proposals import proposals
from api.ui.form_body import body_of
from api.ui.pages import _people
from domain.council import PROPOSAL_STATUS, DecisionKind
from domain.proposals import TRANSITIONS, Status
from projections.read_side import ReadSide

K = DecisionKind
#: Which fields each kind shows besides the kind, rationale, meeting and dates: what `check_decision` asks of it.
NEEDS: dict[DecisionKind, frozenset[str]] = {
    K.PRIORITISATION: frozenset({"priorities", "period", "supersedes"}),
    K.APPROVAL: frozenset({"proposals", "operations_owner_id"}),
    K.REJECTION: frozenset({"proposals", "decommissionings"}),
    K.DEFERRAL: frozenset({"proposals"}),
    K.BENEFIT_REVIEW: frozenset({"proposals"}),
    K.DECOMMISSION: frozenset({"decommissionings", "responsible_id"}),
    K.OWNERSHIP_RULING: frozenset({"claims"}),
}
#: The person field a kind names, if any (searched by name on the form).
PERSON_FIELD = {K.APPROVAL: "operations_owner_id", K.DECOMMISSION: "responsible_id"}


def decidable(kind: DecisionKind, status: str) -> bool:
    """Whether a proposal in `status` can be a subject of a decision of `kind` (the lifecycle's table)."""
    target = PROPOSAL_STATUS.get(kind)
    if kind == K.BENEFIT_REVIEW:
        return status == Status.IMPLEMENTED
    return target is not None and Status(target) in TRANSITIONS[Status(status)]


async def form_context(reads: ReadSide, kind: DecisionKind | None, system: UUID | None, q: str | None,
                       form: dict[str, Any]) -> dict[str, Any]:
    """What the form shows for `kind` (nothing but the choice of kind without one)."""
    context: dict[str, Any] = {"kinds": list(DecisionKind), "kind": kind, "needs": NEEDS.get(kind, frozenset()) if kind else frozenset(),
                               "form": form, "q": q or "", "person_field": PERSON_FIELD.get(kind) if kind else None,
                               "chosen": set(_listed(form.get("subjects"))) | set(_listed(form.get("subject_ids"))),
                               "system": None, "claims": [], "waiting": [], "open_proposals": [], "candidates": [],
                               "decommissionings": [], "people": [], "in_force": [], "problem": None,
                               "meetings": []}
    if kind is None:
        return context
    context["meetings"] = list(reversed(await meetings(reads, (await reads.decisions.meetings())[-20:])))
    needs = context["needs"]
    if needs & {"proposals", "priorities"}:
        rows = [r for r in await reads.proposals.page(500) if decidable(kind, r["status"])]
        context["open_proposals"] = await proposals(reads, rows)
    if "decommissionings" in needs:
        context["decommissionings"] = [d for d in await reads.decommissionings.in_progress() if d["stage"] == "proposed"]
    if "supersedes" in needs:
        rows = await reads.decisions.log(20, kind=K.PRIORITISATION, newest_first=True)
        context["in_force"] = [d for d in await decisions(reads, rows) if d.superseded_by is None]
    if context["person_field"]:
        context["people"] = await _people(reads, q)
    if "claims" in needs:
        if system is not None:
            context["system"] = await reads.systems.get(system, reads.today())
            claims = [cl for cl in await reads.accountability.claims(system) if cl["status"] == "open"]
            names = await reads.directory.names(cl["person_id"] for cl in claims)
            for cl in claims:
                cl["person_name"] = names.get(UUID(str(cl["person_id"])), (None, False))[0]
            context["claims"] = claims
        else:
            _, waiting = await reads.accountability.waiting_claims(200)
            context["waiting"] = list({str(w["system_id"]): w for w in waiting}.values())
    return context


def body_from_form(pairs: list[tuple[str, str]], me: UUID) -> dict[str, Any]:
    """The form as `RecordDecision`'s body. A decision taken outside a meeting is the recording
    member's own: `decided_by` names them, whatever the form says."""
    body = body_of(pairs, c.RecordDecision)
    body.pop("decided_by", None)
    if "meeting_id" not in body:
        body["decided_by"] = [str(me)]
    return body


def subjects_sent(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (kind, id) of each subject the form sent (`subjects[n].kind`, `subjects[n].id`)."""
    rows: dict[str, dict[str, str]] = {}
    for name, value in pairs:
        found = re.fullmatch(r"subjects\[(\d{1,3})\]\.(kind|id)", name)
        if found and value.strip():
            rows.setdefault(found.group(1), {})[found.group(2)] = value.strip()
    return [(r.get("kind", ""), r["id"]) for r in rows.values() if "id" in r]


def _listed(value: Any) -> list[str]:
    return value if isinstance(value, list) else ([value] if value else [])
