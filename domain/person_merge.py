"""When two people's records may be merged into one (POST /people/{id}/merge).

A merge says that `merged` and `survivor` were always one person: every fact, claim, attestation,
hand-over, reminder and session of `merged` reads as the survivor's from then on; nothing recorded
is rewritten (the log gains one event on each record). The rule, one place:

- not into itself (422, field `into`);
- a record merged already takes no second merge (409 `person-merged`, naming its survivor);
- nor is anything merged into a merged record: the caller is told the record's survivor and merges
  into that one (409 `person-merged`, field `into`). So a chain never grows through a merged record,
  and no merge can close a circle: a record that has been merged is neither side of a merge again;
- not into an erased person: the survivor is the record that names the person, and an erased one
  names nobody (erase after merging instead; 409 `merge-refused`);
- not an active person into a departed one: their roles would read as held by someone who left
  (record the return first, or merge the other way; 409 `merge-refused`). A departed record merged
  into an active one is fine: the survivor's departure (none) is the person's.

Two records holding the same role of one system at overlapping times is no obstacle: the role's
holder is still decided by domain/responsibility.py's rule (the fact recorded last that covers the
date decides), and whichever fact decides now names the same person, the survivor.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol
from uuid import UUID

from domain.errors import InvalidValue, MergeRefused, PersonMerged


class MergeSide(Protocol):
    id: UUID
    merged_into: UUID | None
    departed_on: date | None
    details_erased: bool


def check_merge(merged: MergeSide, survivor: MergeSide, today: date) -> None:
    """Raise the reason `merged` cannot be merged into `survivor` today; return if it can."""
    if merged.id == survivor.id:
        raise InvalidValue("merge-into-self", field="into")
    if merged.merged_into is not None:
        raise PersonMerged("merged-already", field="person_id", person_id=str(merged.id),
                           merged_into=str(merged.merged_into))
    if survivor.merged_into is not None:
        raise PersonMerged("survivor-merged", field="into", person_id=str(survivor.id),
                           merged_into=str(survivor.merged_into))
    if survivor.details_erased:
        raise MergeRefused("survivor-erased", field="into", person_id=str(survivor.id))
    survivor_gone = survivor.departed_on is not None and survivor.departed_on <= today
    merged_gone = merged.departed_on is not None and merged.departed_on <= today
    if survivor_gone and not merged_gone:
        raise MergeRefused("survivor-departed", field="into", person_id=str(survivor.id), merged_id=str(merged.id),
                           departed_on=survivor.departed_on.isoformat())
