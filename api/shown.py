"""How stored rows are shown to a reader, the one way for every reader: a gap (GET
/responsibility-gaps), a fact of the timeline (GET /systems/{id}/timeline), the council's decisions
(GET /decisions), and the pages and the auditor's pack beside them. Apart from the controllers so a
reader that serves no HTTP (`ansvar audit-pack`) need not import the web framework (~0.6 s of a
command's start)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec

from api import council_schemas as c
from api import explain
from api import schemas as s
from api.basis import basis_fields
from api.explain import actor_person, shown
from domain.gaps import in_words
from projections.read_side import ReadSide


def gap_item(row: dict) -> s.GapItem:
    """A stored gap as a reader sees it: the person it is about named in its words and beside them."""
    person = None
    if row["person_id"] is not None:
        erased = bool(row["person_erased"])
        person = s.PersonRef(UUID(str(row["person_id"])), None if erased else row["person_name"], erased)
    return s.GapItem(
        system_id=row["system_id"], system_name=row["system_name"], rule=row["rule"], role=row["role"],
        since=row["since"], until=row["until"], severity=row["severity"],
        detail=in_words(row["detail"], shown(person)), person=person,
        claims=[UUID(c) for c in msgspec.json.decode(row["claim_ids"])],
        facts=msgspec.json.decode(row["fact_positions"]),
    )


async def decisions(reads: ReadSide, rows: list[dict[str, Any]]) -> list[c.Decision]:
    """The decisions as a reader sees them: subjects, ranks and deciders named, read for all at once."""
    ids = [UUID(str(r["id"])) for r in rows]
    subjects, ranked, deciders = (await reads.decisions.subjects_of(ids), await reads.decisions.priorities_of(ids),
                                  await reads.decisions.deciders_of(ids))
    recorders = await reads.directory.names(actor_person(r["actor_id"]) for r in rows)
    shown = []
    for row, key in zip(rows, ids):
        details = msgspec.json.decode(row["details"])
        recorder = actor_person(row["actor_id"])
        shown.append(c.Decision(
            id=row["id"], kind=row["kind"], rationale=row["rationale"], meeting_id=row["meeting_id"],
            decided_on=row["decided_on"],
            effective_from=row["effective_from"], supersedes=row["supersedes"], superseded_by=row["superseded_by"],
            period_from=row["period_from"], period_to=row["period_to"],
            responsible_id=details.get("responsible_id"), confirmed_claim_id=details.get("confirmed_claim_id"),
            operations_owner_id=details.get("operations_owner_id"),
            recorded_at=row["recorded_at"], position=row["position"], actor_id=row["actor_id"],
            subjects=[c.SubjectShown(**r) for r in subjects.get(key, [])],
            priorities=[c.RankedProposal(**r) for r in ranked.get(key, [])],
            deciders=[c.Decider(**{**r, "erased": bool(r["erased"])}) for r in deciders.get(key, [])],
            recorded_by=recorders.get(recorder, (None, False))[0] if recorder else None,
        ))
    return shown


def fact_entry(row: dict, names: explain.Names) -> s.FactEntry:
    """A fact of the timeline, with the names beside the holder's and the recorder's ids."""
    source = row.get("source")
    holder, actor = explain.person(row["person_id"], names), explain.person(row["actor_id"], names)
    return s.FactEntry(**{
        **row, **basis_fields(row), "source": msgspec.json.decode(source) if isinstance(source, str) else source,
        "person_name": holder.name if holder else None, "actor_name": actor.name if actor else None,
        "person_erased": bool(holder and holder.erased), "actor_erased": bool(actor and actor.erased),
    })
