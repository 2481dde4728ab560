"""The free text in events that can name a person, and so must be erasable (GDPR art. 17)
without touching the proof that the log is unaltered.

Names and e-mail addresses are never in events (they live in the people directory). What is
left is text people type or a spreadsheet cell carries: a vacancy's reason (an import copies
the unreadable cell, often a name), an assignment's basis (a hand-over note goes there), a
claim's statement and a rejection's reason, a hand-over offer's note and a refusal's reason. The log's leaves commit to a salted hash of each of
these instead of the text (infra/tlog.py), so erasing one leaves every proof valid.

Not erasable: ids, dates, roles, topics, system, vendor and org-unit names, decision rationales,
proposal contents (the council's record), and import sources (file name, hash, row).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from domain.systems import System

#: topic -> the top-level fields of its events that hold erasable text
ERASABLE: dict[str, tuple[str, ...]] = {
    System.VacancyRecorded.TOPIC: ("reason",),
    System.AssignmentRecorded.TOPIC: ("basis",),
    System.ClaimMade.TOPIC: ("statement",),
    System.ClaimRejected.TOPIC: ("reason",),
    System.HandoverOffered.TOPIC: ("note",),
    System.HandoverRefused.TOPIC: ("reason",),
}

#: What an erased text reads as, in the event and in every view.
ERASED = "[erased]"


def erasable(topic: str) -> tuple[str, ...]:
    return ERASABLE.get(topic, ())


#: topic of an erasure event -> the texts it records as erased, as (log position, field), from its
#: state. Every erased text in the store must be named by one (`ansvar verify`): an erasure the log
#: does not record would be a hidden edit.
ERASURE_EVENTS: dict[str, Callable[[Mapping[str, Any]], list[tuple[int, str]]]] = {
    System.TextErased.TOPIC: lambda state: [(int(state["position"]), str(state["field"]))],
}


def erasures_recorded(topic: str, state: Mapping[str, Any]) -> list[tuple[int, str]]:
    named = ERASURE_EVENTS.get(topic)
    return named(state) if named is not None else []
