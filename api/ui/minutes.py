"""What a council decision did, in names and Danish dates, and a meeting's minutes with the log's
size when they were taken. Read from the views the API reads (the decision's subjects and
consequences, the system's facts and claims); the rules are the domain's: which status each kind
of decision moves its proposals to (`PROPOSAL_STATUS`) and who held a role before it
(`holder_at`, over the facts recorded before the decision)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import anyio.to_thread

from api import council_schemas as c
from api.ui.words import DECISION_KIND, LIFECYCLE_LABEL, ROLE_LABEL, STATUS, dato, label
from domain.council import PROPOSAL_STATUS, DecisionKind, SubjectKind
from domain.responsibility import holder_at
from domain.vocabulary import Lifecycle
from infra.checkpoints import Checkpoint
from infra.transparency import NotSigning, TransparencyLog
from projections.accountability_view import fact_from_row
from projections.read_side import ReadSide


def _name(names: dict[UUID, tuple[str | None, bool]], person_id: Any) -> str:
    if person_id is None:
        return "ingen"
    found, erased = names.get(UUID(str(person_id)), (None, False))
    return "en person hvis oplysninger er slettet" if erased else (found or "en person, der ikke er registreret")


def _ids(*values: Any) -> list[UUID]:
    """The ids among `values` (a decision's details hold them as text)."""
    return [UUID(str(v)) for v in values if v]


async def effects(reads: ReadSide, d: c.Decision) -> list[str]:
    """Each thing the decision did, as a sentence: proposals moved (to which status), roles given and
    taken (to whom, from when), claims confirmed and rejected (whose, for which role), a system
    phased out, a prioritisation's period and ranks."""
    said: list[str] = []
    proposals = [sj for sj in d.subjects if sj.kind == SubjectKind.PROPOSAL]
    systems = [sj for sj in d.subjects if sj.kind == SubjectKind.SYSTEM]
    if d.kind == DecisionKind.PRIORITISATION:
        until = f" til {dato(d.period_to)}" if d.period_to else " og indtil videre"
        said.append(f"Prioriteringen gælder for perioden fra {dato(d.period_from)}{until}.")
        said += [f"Nr. {p.rank}: {p.title or 'et forslag'}." for p in d.priorities]
    status = PROPOSAL_STATUS.get(d.kind)
    for sj in proposals:
        title = sj.name or "et forslag"
        if d.kind == DecisionKind.BENEFIT_REVIEW:
            said.append(f"Gevinsterne af forslaget »{title}« er fulgt op.")
        elif status is not None:
            said.append(f"Forslaget »{title}« blev {label(STATUS, status).lower()}.")
    names = await reads.directory.names(_ids(d.operations_owner_id, d.responsible_id))
    if d.kind == DecisionKind.APPROVAL and d.operations_owner_id:
        said.append(f"{_name(names, d.operations_owner_id)} skal tage det leverede system i drift"
                    " (teknisk ansvarlig, når forslaget er gennemført).")
    if d.kind == DecisionKind.REJECTION:
        said += [f"Den foreslåede afvikling af {sj.name or 'systemet'} er afvist; systemet består." for sj in systems]
    for sj in systems if d.kind in (DecisionKind.DECOMMISSION, DecisionKind.OWNERSHIP_RULING) else []:
        said += await _on_system(reads, d, sj)
    earlier = await reads.decisions.get(d.supersedes) if d.supersedes else None
    if earlier is not None:
        said.append(f"Den erstatter en tidligere beslutning ({label(DECISION_KIND, earlier['kind']).lower()},"
                    f" {dato(earlier['decided_on'])}) fra {dato(d.effective_from)}.")
    return said


async def _on_system(reads: ReadSide, d: c.Decision, system: c.SubjectShown) -> list[str]:
    said: list[str] = []
    facts = await reads.accountability.facts(system.id)
    claims = await reads.accountability.claims(system.id)
    names = await reads.directory.names([*(f["person_id"] for f in facts if f["person_id"]),
                                         *(cl["person_id"] for cl in claims), *_ids(d.responsible_id)])
    before = [fact_from_row(f) for f in facts if f["position"] < d.position]
    system_name = system.name or "systemet"
    if d.kind == DecisionKind.DECOMMISSION:
        said.append(f"{system_name} går over til »{label(LIFECYCLE_LABEL, Lifecycle.PHASING_OUT)}« fra"
                    f" {dato(d.effective_from)}; {_name(names, d.responsible_id)} står for afviklingen.")
    answered = {UUID(str(cl["claim_id"])): cl for cl in claims}
    confirmed_first = sorted((x for x in d.subjects if x.kind == SubjectKind.CLAIM),
                             key=lambda x: str(x.id) != str(d.confirmed_claim_id))
    for sj in confirmed_first:
        claim = answered.get(sj.id)
        if claim is None:
            continue
        role = label(ROLE_LABEL, claim["role"])
        made = f"kravet fra {_name(names, claim['person_id'])} på rollen {role} (fremsat {dato(claim['made_on'])})"
        if d.confirmed_claim_id and str(sj.id) == str(d.confirmed_claim_id):
            said.append(f"Bekræftet: {made}.")
        else:
            said.append(f"Afvist: {made}.")
    for f in (f for f in facts if f["decision_id"] and UUID(str(f["decision_id"])) == d.id):
        role = label(ROLE_LABEL, f["role"])
        earlier = holder_at(before, f["role"], f["effective_from"])
        if earlier is not None and str(earlier) != str(f["person_id"]):
            said.append(f"{_name(names, earlier)} har ikke længere rollen {role} på {system_name} fra"
                        f" {dato(f['effective_from'])}.")
        if f["person_id"] is not None:
            said.append(f"{_name(names, f['person_id'])} har rollen {role} på {system_name} fra"
                        f" {dato(f['effective_from'])}.")
    return said


@dataclass
class Minutes:
    """Where the log stood when a meeting's minutes were taken: its size just after the last of
    the meeting's decisions (or the meeting itself, when it decided nothing) and the root of the
    tree of that size; and the signed checkpoint now, which covers it."""

    position: int
    size: int | None
    root: str | None
    signed: str | None
    origin: str


def log_at(transparency: TransparencyLog | None, position: int) -> Minutes:
    """The tree's head at the event at `position` (synchronous: the store's reads), and the latest
    signed checkpoint."""
    if transparency is None:
        return Minutes(position, None, None, None, "")
    proofs = transparency.proofs
    index = proofs.index_of(position)
    size = root = signed = None
    if index is not None:
        size, raw = proofs.head(index + 1)
        root = Checkpoint(transparency.origin, size, raw).text
    try:
        signed = transparency.checkpoint().note()
    except NotSigning:
        signed = None
    return Minutes(position, size, root, signed, transparency.origin)


async def minutes_log(transparency: TransparencyLog | None, meeting: dict[str, Any],
                      decisions: list[c.Decision]) -> Minutes:
    last = max([meeting["position"], *(d.position for d in decisions)])
    return await anyio.to_thread.run_sync(log_at, transparency, last)
