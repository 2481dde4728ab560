"""Why ansvar recorded a fact, as a code with its parameters: the log keeps meaning, not sentences.

What ansvar itself composes (a hand-over accepted, a claim confirmed, the council's ruling on
competing claims, an import's or a KITOS sync's vacancy, the demo's placements) is stored as
`basis_code` (one of `BasisCode`) and `basis_params` (ids and counts, never names). What a person
typed (an assignment's basis, a vacancy's reason, a rejection's reason, a hand-over note, an
erasure's basis) stays exactly as typed in its own field, beside the code. Sentences are made
where they are read: Danish for people (infra/phrasebook/da/basis.py), English for the API (infra/phrasebook/en/basis.py).

Events recorded before the codes held a composed sentence in the text field. `read_*` below are
their upcasters' one rule: they take the old text apart into code, parameters and the typed part.
Only the reading changes; the stored bytes, their leaves and every proof stay as they were.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from domain.errors import InvalidValue


class BasisCode(StrEnum):
    # why a person holds a role (System.AssignmentRecorded)
    CLAIM_CONFIRMED = "claim_confirmed"  # the claim (claim_id) was confirmed, by the council if decision_id
    HANDOVER = "handover"  # the recipient accepted the holder's hand-over offer
    IMPORT = "import"  # an import of the register (meta.source: file and row); a vacancy: the cell's text
    KITOS = "kitos"  # a KITOS sync (meta.source: the KITOS entity)
    DECOMMISSION_CARRIER = "decommission_carrier"  # carries out the decommissioning the council decided
    PROPOSAL_DELIVERED = "proposal_delivered"  # takes into operation what a proposal delivered; {proposal_id}
    DEMO = "demo"  # the demo municipality's history; {step}
    # why nobody holds a role (System.VacancyRecorded); the reason field keeps the source's own text
    IMPORT_STATED_VACANT = "import_stated_vacant"  # the file says nobody holds it ("Ubesat: ...")
    IMPORT_UNRESOLVED = "import_unresolved"  # the file's cell names no one person that could be matched
    IMPORT_DEPARTED = "import_departed"  # the file names a person who has left
    KITOS_SEVERAL_HOLDERS = "kitos_several_holders"  # KITOS names several holders; {count}; reason: their names
    # why a claim was rejected (System.ClaimRejected)
    COUNCIL_RULING = "council_ruling"  # the council ruled for another claim (decision_id); reason: its rationale
    # an erasure asked for at the command line without a basis (Person.DetailsErased, System.TextErased)
    COMMAND_LINE = "command_line"
    # why a reminder could not be sent (ReminderRecord.Failed; an SMTP server's own reply stays as it answered)
    NO_COUNCIL_ADDRESS = "no_council_address"  # no council member on record and no council mailbox configured
    NO_DIRECTORY_DETAILS = "no_directory_details"  # the recipient's details are not in the directory (erased?)
    NO_EMAIL_ADDRESS = "no_email_address"  # the recipient has no e-mail address
    # SCIM provisioning (meta.source.basis, already codes when first stored)
    SCIM_USER_CREATED = "scim.user_created"
    SCIM_USER_REACTIVATED = "scim.user_reactivated"
    SCIM_USER_DEACTIVATED = "scim.user_deactivated"
    SCIM_USER_DELETED = "scim.user_deleted"


class DemoStep(StrEnum):
    FIRST_PLACEMENT = "first_placement"
    SUCCESSOR = "successor"
    HANDOVER = "handover"
    CORRECTION = "correction"
    PING_PONG = "ping_pong"


@dataclass(frozen=True, slots=True)
class Basis:
    """A code and its parameters (plain JSON values: ids as text, counts as numbers)."""

    code: BasisCode
    params: Mapping[str, Any] = field(default_factory=dict)

    def fields(self) -> dict[str, Any]:
        """As an event stores it."""
        return {"basis_code": self.code.value, "basis_params": dict(self.params)}


NO_BASIS: dict[str, Any] = {"basis_code": None, "basis_params": {}}


def erasure_basis(basis: str | None, why: Basis | None) -> str | None:
    """An erasure says on what basis: a person's words, or, without them, ansvar's code."""
    if basis is not None and basis.strip():
        return basis
    if why is None:
        raise InvalidValue("erasure-basis-missing", field="basis")
    return None


def fields(basis: Basis | None) -> dict[str, Any]:
    return basis.fields() if basis is not None else dict(NO_BASIS)


# The old forms ------------------------------------------------------------------------------

_DEMO_STEPS = {
    "demo: første placering": DemoStep.FIRST_PLACEMENT, "demo: efterfølger": DemoStep.SUCCESSOR,
    "demo: overdragelse": DemoStep.HANDOVER, "demo: sorteper": DemoStep.PING_PONG,
    "rettelse: registreret forkert": DemoStep.CORRECTION,
}
_DELIVERED = re.compile(r"takes the system delivered by proposal ([0-9a-fA-F-]{36}) into operation")
_SEVERAL = re.compile(r"KITOS names (\d+) holders of \S+: (.*)", re.DOTALL)
_RULED = "ruled by the council: "
_COMMAND_LINE = "erasure at the command line"


def _source(state: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = state.get("meta") or {}
    return meta.get("source") or {}


def _read(state: dict, text_field: str, code: BasisCode | None, params: Mapping[str, Any], text: str | None) -> None:
    state[text_field] = text
    state["basis_code"] = code.value if code is not None else None
    state["basis_params"] = dict(params)


def read_assignment(state: dict) -> None:
    """An AssignmentRecorded of before the codes: `basis` held the code as an English word or sentence."""
    old = state.get("basis")
    if old is None:  # an erased text ("[erased]") matches no old form below: it stays as it reads
        return _read(state, "basis", None, {}, old)
    source = _source(state)
    if old == "claim confirmed" and state.get("claim_id"):
        return _read(state, "basis", BasisCode.CLAIM_CONFIRMED, {}, None)
    if old == "handover" or old.startswith("handover: "):
        return _read(state, "basis", BasisCode.HANDOVER, {}, old[len("handover: "):] or None)
    if old == "import" and source:
        return _read(state, "basis", BasisCode.KITOS if source.get("kitos") else BasisCode.IMPORT, {}, None)
    if old == "carries out the decommissioning" and state.get("decision_id"):
        return _read(state, "basis", BasisCode.DECOMMISSION_CARRIER, {}, None)
    if delivered := _DELIVERED.fullmatch(old):
        return _read(state, "basis", BasisCode.PROPOSAL_DELIVERED, {"proposal_id": delivered.group(1).lower()}, None)
    if old in _DEMO_STEPS and (state.get("meta") or {}).get("actor_role") == "demo":
        return _read(state, "basis", BasisCode.DEMO, {"step": _DEMO_STEPS[old].value}, None)
    return _read(state, "basis", None, {}, old)  # typed by a person: as typed


def read_vacancy(state: dict) -> None:
    """A VacancyRecorded of before the codes: an import's reason was the file's cell, a KITOS
    sync's an English sentence naming the holders."""
    old = state.get("reason")
    source = _source(state)
    if old is None:
        return _read(state, "reason", None, {}, old)
    if source.get("kitos") and (several := _SEVERAL.fullmatch(old)):
        return _read(state, "reason", BasisCode.KITOS_SEVERAL_HOLDERS, {"count": int(several.group(1))},
                     several.group(2))
    if source.get("file"):  # the old form did not say why the cell named nobody; its text is the reason
        return _read(state, "reason", BasisCode.IMPORT, {}, old)
    return _read(state, "reason", None, {}, old)


def read_rejection(state: dict) -> None:
    """A ClaimRejected of before the codes: the council's ruling was "ruled by the council: <rationale>"."""
    old = state.get("reason")
    if isinstance(old, str) and old.startswith(_RULED) and state.get("decision_id"):
        return _read(state, "reason", BasisCode.COUNCIL_RULING, {}, old[len(_RULED):])
    return _read(state, "reason", None, {}, old)


_UNDELIVERABLE = (
    (re.compile(r"no council member is on record .*ANSVAR_COUNCIL_EMAIL is not set"), BasisCode.NO_COUNCIL_ADDRESS),
    (re.compile(r"person \S+ has no details in the directory \(erased\?\)"), BasisCode.NO_DIRECTORY_DETAILS),
    (re.compile(r"person \S+ has no e-mail address"), BasisCode.NO_EMAIL_ADDRESS),
)


def read_failure(state: dict) -> None:
    """A reminder's failure of before the codes: why it was undeliverable was an English sentence
    in `reply` (naming the recipient's id); an SMTP server's reply stays as it answered."""
    old = state.get("reply")
    for pattern, code in _UNDELIVERABLE:
        if state.get("final") and isinstance(old, str) and pattern.fullmatch(old):
            return _read(state, "reply", code, {}, None)
    return _read(state, "reply", None, {}, old)


def read_erasure(state: dict) -> None:
    """An erasure (of a person's details or of a text) asked for at the command line without a basis."""
    old = state.get("basis")
    if old == _COMMAND_LINE:
        return _read(state, "basis", BasisCode.COMMAND_LINE, {}, None)
    return _read(state, "basis", None, {}, old)
