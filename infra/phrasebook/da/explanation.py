"""The accountability answer's grounds in Danish, for the pages and the auditor's pack: says
domain/explanation.py's code and parameters. People are PersonRef-like (`id`, `name`, `erased`)."""

from __future__ import annotations

from typing import Any

from domain.explanation import Explanation
from infra.phrasebook.da.dates import danish_date, dato
from infra.phrasebook.da.labels import CAPACITY, ROLE_LABEL, label


def person(ref: Any) -> str:
    """A person by name; never by id."""
    if ref is None:
        return "systemet"
    if ref.erased:
        return "en person hvis oplysninger er slettet"
    return ref.name or "en person, der ikke er registreret"


def basis(text: str | None) -> str | None:
    """A fact's basis as a person reads it. Issue 26 part 1 turns the bases ansvar writes itself
    (a hand-over, a confirmed claim, a council ruling) into codes with parameters: their Danish
    sentences belong here, beside the explanation that shows them. What a person typed is shown as typed."""
    return text


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
    if e.code == "vacant":
        return (f"Ingen har rollen: den er registreret som ubesat {period}, fordi: {basis(p['basis'])}; "
                f"{recorded}{grounds}.")
    told = basis(p["basis"])
    return f"{person(p['holder'])} har rollen {period}: {recorded}{grounds}." + (
        f" Grundlag: {told.rstrip('.')}." if told else "")
