"""A field's problem in Danish: a value the request's type refuses (422 `invalid-field`, said from
msgspec's kind of refusal: missing, not a choice, not a date, not an id, too long), or a value the
domain refuses (422 `invalid-value`, said per field: what the rule asks of that field)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from infra.phrasebook.da import labels as da

AGAIN = "og send formularen igen"
#: What the domain asks of a field, by the field (the API's JSON name): (what went wrong, what to do).
FIELD_PROBLEM: dict[str, tuple[str, str]] = {
    "rationale": ("Beslutningen mangler en begrundelse.", "Skriv begrundelsen i feltet Begrundelse."),
    "kind": ("Der er ikke valgt en slags beslutning, som registret kender.", "Vælg slags beslutning på listen."),
    "subjects": ("Det, beslutningen handler om, passer ikke til den slags beslutning.",
                 "En godkendelse, afvisning eller udsættelse handler om forslag, en afvikling om ét system, en afgørelse"
                 " om ejerskab om ét system og dets krav, og hvert emne nævnes én gang: ret valget."),
    "priorities": ("Rangene i prioriteringen hænger ikke sammen.",
                   "Giv hvert valgt forslag sin rang: 1, 2, 3 og så videre, hver rang én gang."),
    "rank": ("Et af de valgte forslag mangler sin rang i prioriteringen.",
             "Skriv en rang (1, 2, 3 …) ud for hvert forslag, du har valgt."),
    "period_from": ("En prioritering gælder for en periode, og perioden mangler sin første dag.", "Udfyld Periode fra."),
    "period_to": ("Perioden slutter ikke efter, at den begynder.", "Vælg en dag efter Periode fra i Periode til."),
    "decided_by": ("Beslutningen er hverken truffet på et møde eller af navngivne medlemmer.",
                   "Vælg mødet, hvor beslutningen blev truffet."),
    "operations_owner_id": ("Den, der skal tage systemet i drift, passer ikke til beslutningen.",
                            "Kun en godkendelse udpeger, hvem der tager systemet i drift; vælg den person, godkendelsen"
                            " nævner."),
    "responsible_id": ("En afvikling skal have en ansvarlig, som gennemfører den.", "Vælg den ansvarlige."),
    "signed_off_by": ("Kun den ansvarlige, som beslutningen udpegede, kan afslutte afviklingen.",
                      "Bed den ansvarlige om at afslutte afviklingen."),
    "confirmed_claim_id": ("En afgørelse om ejerskab skal bekræfte ét af kravene.", "Vælg det krav, der bekræftes."),
    "to_person_id": ("Der er ikke valgt en kollega at overdrage rollen til, eller det er dig selv.",
                     "Find kollegaen ved navn, og vælg vedkommende."),
    "reason": ("Du har ikke skrevet, hvorfor du siger nej.", "Skriv en begrundelse."),
    "statement": ("Kravet mangler en begrundelse.", "Skriv, hvorfor rollen er din."),
    "parent_id": ("Enheden kan ikke ligge under den valgte enhed.",
                  "Vælg en overordnet enhed på et højere niveau (kommune over forvaltning over afdeling over team)."),
    "name": ("Navnet mangler, eller det er det samme som før.", "Skriv navnet."),
    "roles": ("En engangslink kan kun give adgang som administrator, porteføljeråd eller revisor.",
              "Vælg blandt de viste adgange."),
    "person_id": ("Det kan ikke gøres for denne person, som personen er registreret nu.",
                  "Se personens side for, hvad der er registreret."),
    "file": ("Der er ikke valgt en fil at importere.", "Vælg CSV- eller XLSX-filen, og send formularen igen."),
    "sha256": ("Den uploadede fil venter ikke længere på at blive anvendt (filer gemmes en time).", "Upload filen igen."),
    "system_id": ("Systemet kan ikke bruges her.", "Vælg et andet system."),
    "role": ("Der er ikke valgt en rolle, som registret kender.", "Vælg rollen på listen."),
    "effective": ("Datoen kan ikke bruges.", "Vælg en anden dato."),
    "from": ("Periodens første dag mangler, eller den ligger efter balancedagen.",
             "Vælg en første dag, der ligger før eller på balancedagen."),
    "known_at": ("Tidspunktet for, hvordan registret stod, kan ikke læses.",
                 "Vælg en dato, eller lad feltet stå tomt for at se registret, som det står nu."),
}
#: The domain's codes for a value of the wrong kind (domain/errors.py), as msgspec's kinds of refusal.
CODE_KIND = {"not-a-choice": "choice", "not-a-date": "date", "not-a-time": "datetime", "not-a-real-time": "datetime",
             "time-without-offset": "datetime", "time-out-of-range": "datetime", "purposes-not-chosen": "choice",
             **dict.fromkeys(("proposal-text-missing", "benefits-missing", "driver-unit-missing", "marker-unanswered",
                              "file-missing", "period-start-missing", "balance-date-missing", "archive-duty-needs",
                              "kitos-setting-missing"), "missing")}
_MSGSPEC = [  # msgspec's kinds of refusal, in the words of its messages
    ("missing", re.compile(r"is required|missing required field")),
    ("control", re.compile(r"control character|matching regex")),
    ("choice", re.compile(r"Invalid enum value|is one of")),
    ("datetime", re.compile(r"RFC3339 encoded datetime")),
    ("date", re.compile(r"RFC3339 encoded date|Expected `date`|must be a date|not a date")),
    ("id", re.compile(r"uuid|UUID")),
    ("number", re.compile(r"Expected `int`|Expected `float`|Expected `number`")),
    ("long", re.compile(r"length <= |of at most")),
    ("short", re.compile(r"length >= |blank")),
    ("too_big", re.compile(r"<= \d|< \d")),
    ("too_small", re.compile(r">= \d|> \d")),
]


def refusal_kind(text: str) -> str | None:
    """The kind of msgspec refusal a message says, or None."""
    return next((kind for kind, pattern in _MSGSPEC if pattern.search(text)), None)


def _said(kind: str | None, label: str, choices: list[str]) -> tuple[str, str] | None:
    if kind == "missing":
        return f"{label} mangler.", f"Udfyld {label}, {AGAIN}."
    if kind == "control":
        return f"{label} indeholder tegn, der ikke kan bruges, eller er tomt.", f"Skriv {label} med almindelig tekst, {AGAIN}."
    if kind == "choice":
        return (f"{label} er ikke et af de mulige valg.",
                f"Vælg en af: {da.listed(choices)}." if choices else f"Vælg {label} på listen, {AGAIN}.")
    if kind in ("date", "datetime"):
        return f"{label} er ikke en dato.", f"Vælg datoen i kalenderen (år-måned-dag, fx 2026-03-31), {AGAIN}."
    if kind == "id":
        return f"{label} er ikke valgt på listen.", f"Vælg {label} på listen, {AGAIN}."
    if kind == "number":
        return f"{label} skal være et helt tal.", f"Skriv et tal i {label}, {AGAIN}."
    if kind == "long":
        return f"{label} er for langt.", f"Gør teksten i {label} kortere, {AGAIN}."
    if kind == "short":
        return f"{label} er tomt.", f"Udfyld {label}, {AGAIN}."
    if kind in ("too_big", "too_small"):
        return f"{label} er {'for stort' if kind == 'too_big' else 'for lille'}.", f"Ret tallet i {label}, {AGAIN}."
    return None


def validation_problem(problem: dict[str, Any]) -> tuple[str, str]:
    """A 422 `invalid-field` (the request's type refused a value) in Danish."""
    missing = problem.get("missing") or []
    if len(missing) > 1:
        labels = da.listed(list(dict.fromkeys(da.field_label(f) for f in missing)), "og")
        return f"Disse felter mangler: {labels}.", f"Udfyld dem, {AGAIN}."
    errors = [e for e in problem.get("errors", []) if isinstance(e, dict)]
    field = problem.get("field") or next((e["pointer"][2:] for e in errors if len(e.get("pointer", "")) > 2), None)
    text = " ".join(str(e.get("detail", "")) for e in errors) or str(problem.get("detail", ""))
    label = da.field_label(field).capitalize() if field else "Et felt"
    return _said(refusal_kind(text), label, _choices(field)) or _unusable(label)


def field_problem(problem: dict[str, Any], name_of: Callable[[str, Any], str | None]) -> tuple[str, str]:
    """A 422 `invalid-value` (the domain refused a value) in Danish: by the rule's field."""
    field = str(problem.get("field") or "")
    label = da.field_label(field).capitalize() if field else "Et felt"
    code = problem.get("code")
    if code == "unknown-parameter":  # a query parameter the page does not take
        return "Adressen har en parameter, siden ikke bruger.", "Brug menuen og sidens knapper i stedet for en rettet adresse."
    if "earliest" in problem and "latest" in problem:
        return (f"{label} ligger uden for de år, registret kan rumme ({str(problem['earliest'])[:4]} til"
                f" {str(problem['latest'])[:4]}).", f"Vælg en dato i de år, {AGAIN}.")
    if field == "signed_off_by" and (who := name_of("person", problem.get("responsible_id"))):
        return f"Kun {who}, som beslutningen udpegede, kan afslutte afviklingen.", f"Bed {who} om at afslutte afviklingen."
    if field == "operations_owner_id" and (who := name_of("person", problem.get("decided"))):
        return (f"Godkendelsen udpegede {who} til at tage systemet i drift.",
                f"Vælg {who}, eller lad feltet stå tomt.")
    if field == "parent_id" and problem.get("parent_level"):
        level = da.label(da.ORG_LEVEL, problem["parent_level"]).lower()
        return (f"Enheden kan ikke ligge under en enhed på niveauet {level}.",
                "Vælg en overordnet enhed på et højere niveau (kommune over forvaltning over afdeling over team).")
    if code in CODE_KIND:
        return _said(CODE_KIND[code], label, _choices(field)) or _unusable(label)
    name = re.sub(r"\[\d+\]", "", field).split(".")[-1]
    name = "rank" if re.fullmatch(r"rank_[0-9a-f-]{36}", name) else name
    if name in FIELD_PROBLEM:
        return FIELD_PROBLEM[name]
    kind = refusal_kind(str(problem.get("message") or problem.get("detail", "")))
    return _said(kind, label, _choices(field)) or _unusable(label)


def _unusable(label: str) -> tuple[str, str]:
    if label == "Et felt":
        return "Et felt har en værdi, der ikke kan bruges.", f"Ret formularen, {AGAIN}."
    return f"{label} har en værdi, der ikke kan bruges.", f"Ret {label}, {AGAIN}."


_CHOICE_LABELS = {"role": da.ROLE_LABEL, "kind": da.DECISION_KIND, "lifecycle": da.LIFECYCLE_LABEL,
                  "criticality": da.CRITICALITY_LABEL, "level": da.ORG_LEVEL, "status": da.STATUS,
                  "category": da.CATEGORY, "change_kind": da.CHANGE_KIND, "rule": da.RULE_LABEL}


def _choices(field: Any) -> list[str]:
    """The Danish labels of a choice field's values (none for a field that is not a choice we label)."""
    name = re.sub(r"\[\d+\]", "", str(field or "")).split(".")[-1]
    table = _CHOICE_LABELS.get(name)
    return list(dict.fromkeys(table.values())) if table else []
