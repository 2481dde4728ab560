"""Grundlaget i ord: a basis code (domain/basis.py) with its parameters, and what a person typed,
as the Danish sentence the pages, the exports and the auditor's pack show.

One table, `GRUNDLAG`, and one function, `grundlag`. Names are looked up where the sentence is
made (`names`: id -> name), never stored; a name not found is left out rather than shown as an
id. What a person typed is shown exactly as typed, in quotation marks, and the sentence gets one
full stop however the typed text ends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra.phrasebook.en.basis import params
from domain.basis import BasisCode as C
from domain.basis import DemoStep

GRUNDLAG: dict[str, str] = {
    C.CLAIM_CONFIRMED: "Et krav på rollen blev bekræftet",
    C.HANDOVER: "Den tidligere indehaver overdrog rollen, og modtageren tog imod",
    C.IMPORT: "Registreret ved import af registret",
    C.KITOS: "Overført fra KITOS",
    C.DECOMMISSION_CARRIER: "Udfører afviklingen, som porteføljerådet har besluttet",
    C.PROPOSAL_DELIVERED: "Tager systemet fra {proposal} i drift",
    C.DEMO: "Demodata: {step}",
    C.IMPORT_STATED_VACANT: "Importfilen angiver rollen som ubesat",
    C.IMPORT_UNRESOLVED: "Importfilen navngiver ikke én bestemt person",
    C.IMPORT_DEPARTED: "Importfilen navngiver en person, der er fratrådt",
    C.KITOS_SEVERAL_HOLDERS: "KITOS angiver {count} personer som indehavere",
    C.COUNCIL_RULING: "Afgjort af porteføljerådet",
    C.COMMAND_LINE: "Sletning bestilt på kommandolinjen",
    C.NO_COUNCIL_ADDRESS: "Ingen medlemmer af porteføljerådet er registreret, og rådets postkasse er ikke sat op",
    C.NO_DIRECTORY_DETAILS: "Modtagerens oplysninger findes ikke længere (slettet)",
    C.NO_EMAIL_ADDRESS: "Modtageren har ingen e-mailadresse",
    C.SCIM_USER_CREATED: "Oprettet via brugerprovisionering (SCIM)",
    C.SCIM_USER_REACTIVATED: "Genaktiveret via brugerprovisionering (SCIM)",
    C.SCIM_USER_DEACTIVATED: "Deaktiveret via brugerprovisionering (SCIM)",
    C.SCIM_USER_DELETED: "Slettet via brugerprovisionering (SCIM)",
}
DEMO_STEP: dict[str, str] = {
    DemoStep.FIRST_PLACEMENT: "første placering", DemoStep.SUCCESSOR: "efterfølger",
    DemoStep.HANDOVER: "overdragelse", DemoStep.CORRECTION: "rettelse af en forkert registrering",
    DemoStep.PING_PONG: "sorteper",
}
#: How the typed words follow the code's sentence, by code (default: "Bemærkning").
NOTE_LEAD: dict[str, str] = {
    C.HANDOVER: "Bemærkning", C.COUNCIL_RULING: "Begrundelse", C.KITOS_SEVERAL_HOLDERS: "KITOS nævner",
    C.IMPORT: "Cellen lød", C.IMPORT_UNRESOLVED: "Cellen lød", C.IMPORT_DEPARTED: "Cellen lød",
    C.IMPORT_STATED_VACANT: "Begrundelse",
}


def grundlag(code: str | None, raw_params: str | Mapping[str, Any] | None, note: str | None,
             names: Mapping[str, str] | None = None) -> str:
    """The basis as one Danish sentence ending in one full stop; "" when there is neither code nor note."""
    text = (note or "").strip()
    if code is None:
        return _stop(f"»{text}«" if text else "")
    given = params(raw_params)
    sentence = GRUNDLAG.get(code)
    if sentence is None:  # a code this version does not know (a newer writer): say so, in Danish
        sentence = "Registreret af systemet"
    shown = {
        "step": DEMO_STEP.get(str(given.get("step")), "registrering"),
        "count": given.get("count", "flere"),
        "proposal": _named((names or {}).get(str(given.get("proposal_id"))), "et godkendt forslag"),
    }
    sentence = sentence.format_map(shown)
    if text:
        sentence = f"{sentence}. {NOTE_LEAD.get(code, 'Bemærkning')}: »{text}«"
    return _stop(sentence)


def _named(name: str | None, otherwise: str) -> str:
    return f"forslaget »{name}«" if name else otherwise


def _stop(sentence: str) -> str:
    """One full stop: none added after a sentence (or a quotation) that already ends in one."""
    if not sentence:
        return ""
    inner = sentence.rstrip("«»\"' ")
    return sentence if inner.endswith((".", "!", "?", "…")) else sentence + "."


def of_fact(fact: Any, names: Mapping[str, str] | None = None) -> str:
    """A fact's basis: from a view's row (`basis` there is the typed text) or an API answer
    (`basis` there is English; the typed text is `basis_note`)."""
    if isinstance(fact, Mapping):
        return grundlag(fact.get("basis_code"), fact.get("basis_params"), fact.get("basis"), names)
    return grundlag(fact.basis_code, fact.basis_params, fact.basis_note, names)


def of_answer(claim: Any) -> str:
    """A claim's answer (a rejection's reason): from a view's row (`answer` is the typed text) or
    an API answer (`answer_note`)."""
    if isinstance(claim, Mapping):
        return grundlag(claim.get("answer_code"), None, claim.get("answer"))
    return grundlag(claim.answer_code, None, claim.answer_note)
