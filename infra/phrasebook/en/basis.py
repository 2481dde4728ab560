"""The English for a basis code (domain/basis.py), for the API's answers: for the codes that replaced
the old sentences the rendering is the sentence the log used to hold ("claim confirmed", "handover:
<note>"), so a client that read `basis` before reads the same now."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from domain.basis import BasisCode as C

ENGLISH: dict[str, str] = {
    C.CLAIM_CONFIRMED: "claim confirmed",
    C.HANDOVER: "handover",
    C.IMPORT: "import",
    C.KITOS: "KITOS sync",
    C.DECOMMISSION_CARRIER: "carries out the decommissioning",
    C.PROPOSAL_DELIVERED: "takes the system delivered by proposal {proposal_id} into operation",
    C.DEMO: "demo: {step}",
    C.IMPORT_STATED_VACANT: "the import file states it vacant",
    C.IMPORT_UNRESOLVED: "the import file names no single person",
    C.IMPORT_DEPARTED: "the import file names a person who has left",
    C.KITOS_SEVERAL_HOLDERS: "KITOS names {count} holders",
    C.COUNCIL_RULING: "ruled by the council",
    C.COMMAND_LINE: "erasure at the command line",
    C.NO_COUNCIL_ADDRESS: "no council member is on record (no meeting yet) and ANSVAR_COUNCIL_EMAIL is not set",
    C.NO_DIRECTORY_DETAILS: "the recipient has no details in the directory (erased?)",
    C.NO_EMAIL_ADDRESS: "the recipient has no e-mail address",
    C.SCIM_USER_CREATED: "SCIM provisioning: user created",
    C.SCIM_USER_REACTIVATED: "SCIM provisioning: user reactivated",
    C.SCIM_USER_DEACTIVATED: "SCIM provisioning: user deactivated",
    C.SCIM_USER_DELETED: "SCIM provisioning: user deleted",
}


def params(raw: str | Mapping[str, Any] | None) -> dict[str, Any]:
    """A code's parameters as a view keeps them (JSON text) or an event does (a dict)."""
    if raw is None:
        return {}
    return msgspec.json.decode(raw) if isinstance(raw, str | bytes) else dict(raw)


def english(code: str | None, raw_params: str | Mapping[str, Any] | None, note: str | None) -> str | None:
    """The code in English with what a person typed after it; either alone; None if neither."""
    if code is None:
        return note
    given = params(raw_params)
    phrase = ENGLISH.get(code, code).format_map(_Shown(given))
    return f"{phrase}: {note}" if note else phrase


class _Shown(dict):
    def __init__(self, given: Mapping[str, Any]) -> None:
        super().__init__({k: str(v).replace("_", " ") if k == "step" else v for k, v in given.items()})

    def __missing__(self, key: str) -> str:
        return "?"


