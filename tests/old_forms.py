"""The events as ansvar stored them before the log kept codes (domain/basis.py): the composed
sentence in the text field, no `basis_code`, the class version before. `old_form` turns a stored
event of today into the bytes an older ansvar would have stored for the same fact, and
`writing_old_forms` makes an application store every event that way, through its real write
path (so the log's leaves commit to the old bytes, as in a store made before the change)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import StoredEvent

from domain.org import Person
from domain.systems import System

#: What the old log held for each code (its parameters filled in).
OLD_SENTENCE = {
    "claim_confirmed": "claim confirmed", "handover": "handover", "import": "import", "kitos": "import",
    "decommission_carrier": "carries out the decommissioning",
    "proposal_delivered": "takes the system delivered by proposal {proposal_id} into operation",
    "council_ruling": "ruled by the council", "command_line": "erasure at the command line",
}
OLD_DEMO = {"first_placement": "demo: første placering", "successor": "demo: efterfølger",
            "handover": "demo: overdragelse", "correction": "rettelse: registreret forkert", "ping_pong": "demo: sorteper"}
#: topic -> the class version of its old form
OLD_VERSION = {System.AssignmentRecorded.TOPIC: 1, System.VacancyRecorded.TOPIC: 1, System.ClaimRejected.TOPIC: 2,
               System.TextErased.TOPIC: 1, Person.DetailsErased.TOPIC: 1}


def old_state(topic: str, state: dict[str, Any]) -> dict[str, Any]:
    if topic not in OLD_VERSION:
        return state
    state = dict(state)
    code, params = state.pop("basis_code", None), state.pop("basis_params", None) or {}
    state.pop("code_erased", None)
    if OLD_VERSION[topic] == 1:
        state.pop("class_version", None)
    else:
        state["class_version"] = OLD_VERSION[topic]
    field = "reason" if topic in (System.VacancyRecorded.TOPIC, System.ClaimRejected.TOPIC) else "basis"
    typed = state.get(field)
    if code is None:
        return state
    if code == "demo":
        state[field] = OLD_DEMO[params["step"]]
    elif code == "kitos_several_holders":
        state[field] = f"KITOS names {params['count']} holders of {state['role']}: {typed}"
    elif topic == System.VacancyRecorded.TOPIC:  # an import's vacancy: the cell's text was the whole reason
        state[field] = typed
    else:
        sentence = OLD_SENTENCE[code].format(**params)
        state[field] = f"{sentence}: {typed}" if typed else sentence
    return state


def old_form(stored: StoredEvent) -> StoredEvent:
    state = old_state(stored.topic, json.loads(stored.state))
    return StoredEvent(stored.originator_id, stored.originator_version, stored.topic,
                       json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


@contextmanager
def writing_old_forms(app: Any) -> Iterator[None]:
    """While inside, `app` stores each event as an older ansvar would have."""
    mapper = app.mapper
    new = mapper.to_stored_event
    mapper.to_stored_event = lambda event: old_form(new(event))
    try:
        yield
    finally:
        del mapper.to_stored_event
