"""The accountability answer's grounds in Danish, for the pages and the auditor's pack: says
domain/explanation.py's code and parameters. People are PersonRef-like (`id`, `name`, `erased`)."""

from __future__ import annotations

from typing import Any

from domain.explanation import Explanation
from infra.phrasebook.da.basis import grundlag
from infra.phrasebook.da.dates import danish_date, dato
from infra.phrasebook.da.labels import CAPACITY, ROLE_LABEL, label


def person(ref: Any) -> str:
    """A person by name; never by id."""
    if ref is None:
        return "systemet"
    if ref.erased:
        return "en person hvis oplysninger er slettet"
    return ref.name or "en person, der ikke er registreret"


def basis(p: dict[str, Any]) -> str:
    """The deciding fact's basis in Danish (da/basis.py): ansvar's code said, what a person typed quoted."""
    return grundlag(p.get("basis_code"), p.get("basis_params"), p.get("basis_note"))


def said(e: Explanation) -> str:
    p = e.params
    role = label(ROLE_LABEL, p["role"])
    if e.code == "never":
        return f"Der er aldrig registreret noget om rollen {role} for dette system."
    period = f"fra {danish_date(p['effective_from'])}" + (
        f" til {danish_date(p['effective_to'])}" if p["effective_to"] else "")
    if e.code in ("ended_before", "begins_after"):
        return (f"Ingen registrering dækker {danish_date(p['day'])}: den nærmeste, {period}, "
                + ("sluttede før." if e.code == "ended_before" else "begynder senere."))
    recorded = f"registreret {dato(p['recorded_at'])} af {person(p['recorded_by'])}" + (
        f" som {label(CAPACITY, p['capacity'])}" if p["capacity"] else "")
    if e.code == "not_yet_known":
        return (f"Intet om rollen {role} den {danish_date(p['day'])} var kendt {dato(p['when'])}: det første, der"
                f" dækker dagen, blev {recorded}.")
    grounds = "".join([
        ", på grundlag af en afgørelse i porteføljerådet" if p["decision_id"] else "",
        ", ved bekræftelse af et krav" if p["claim_id"] else "",
        f", importeret fra {p['import_file']} række {p['import_row']}" if p["import_file"] else "",
        ", synkroniseret fra KITOS" if p["kitos"] else "",
    ])
    told = basis(p)
    because = f" Grundlag: {told}" if told else ""
    if e.code == "vacant":
        return f"Ingen har rollen: den er registreret som ubesat {period}; {recorded}{grounds}.{because}"
    return f"{person(p['holder'])} har rollen {period}: {recorded}{grounds}.{because}"
