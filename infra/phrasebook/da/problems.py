"""A problem (api/problems.py's problem+json) as a page says it: what went wrong and what to do, in
Danish, from the problem's type, its finer code (problem_codes.py) and members alone (its English `title` and `detail` are for the
API's clients and are never shown). Fields are named by their Danish labels and things by their
names, through `name_of(kind, id)`: the caller's look-up of a system's, proposal's, person's or
unit's name (None when it has none to give; the sentence then names the thing by what it is)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from infra.phrasebook.da import labels as da
from infra.phrasebook.da.dates import danish_date
from infra.phrasebook.da.problem_codes import CODES, with_names
from infra.phrasebook.da.problem_fields import field_problem, validation_problem

NameOf = Callable[[str, Any], "str | None"]


@dataclass(frozen=True, slots=True)
class Said:
    what: str  # what went wrong
    todo: str  # what to do about it
    fields: list[str] = field(default_factory=list)  # the Danish labels of the fields to correct
    type: str = ""  # the problem's type (its slug), for the page's markup, never shown


RETRY = "Genindlæs siden, se hvad der er registreret nu, og prøv igen."
#: The problems whose words need nothing from the problem's members: (what went wrong, what to do).
FIXED: dict[str, tuple[str, str]] = {
    "malformed-request": ("Formularen kom ikke frem, så den kunne læses.", "Genindlæs siden, og send formularen igen."),
    "unauthenticated": ("Du er ikke logget ind, eller din session er udløbet.", "Log ind igen."),
    "not-found": ("Det, du bad om, findes ikke.", "Tjek adressen, eller find det via menuen."),
    "body-too-large": ("Det, du sendte, er for stort.", "Send en mindre fil, eller del den op."),
    "header-too-large": ("Din browser sendte mere, end siden kan tage imod.",
                         "Slet cookies for denne side, log ind igen, og prøv igen."),
    "unavailable": ("Tjenesten kan ikke svare lige nu.", "Prøv igen om et øjeblik."),
    "views-behind": ("Oversigterne er endnu ikke opdateret med det, der lige er registreret.",
                     "Genindlæs siden om et øjeblik."),
    "internal-error": ("Der skete en fejl i ansvar.", "Prøv igen; sker det igen, så fortæl driften om det."),
    "server-error": ("Der skete en fejl i ansvar.", "Prøv igen; sker det igen, så fortæl driften om det."),
    "client-error": ("Siden kan ikke gøre det, du bad om.", "Gå tilbage, og brug sidens knapper og formularer."),
    "system-not-found": ("Systemet findes ikke i registret.", "Find systemet under Registret."),
    "person-not-found": ("Personen findes ikke.", "Find personen ved navn, og vælg vedkommende fra listen."),
    "org-unit-not-found": ("Enheden findes ikke i organisationen.", "Vælg en enhed fra listen under Organisation."),
    "claim-not-found": ("Kravet findes ikke.", "Gå til systemets side, og vælg et af de krav, der venter på svar."),
    "handover-not-found": ("Overdragelsen findes ikke.", "Se de overdragelser, der venter, under Mine systemer."),
    "proposal-not-found": ("Forslaget findes ikke.", "Find forslaget under Forslag."),
    "meeting-not-found": ("Mødet findes ikke.", "Vælg et af de viste møder, eller lad feltet Møde stå tomt."),
    "decision-not-found": ("Beslutningen findes ikke.", "Find beslutningen under Beslutninger."),
    "not-in-log": ("Den plads i loggen findes ikke endnu.", "Tjek logpositionen, og prøv igen."),
    "conflict": ("Det strider mod det, der allerede er registreret.", RETRY),
    "person-merged": ("Personen er lagt sammen med en anden post og kan ikke ændres eller lægges sammen igen.",
                      "Brug den post, personen blev lagt sammen med; den står på personens side."),
    "merge-refused": ("De to poster kan ikke lægges sammen.",
                      "Tjek at begge er den samme person, og at ingen af dem er slettet; læg den fratrådte sammen med den aktive."),
    "commit-unknown": ("Databasen svigtede under gemningen, så det er uvist, om det blev gemt.",
                       "Genindlæs siden og se, om det er registreret, før du sender formularen igen."),
    "system-name-taken": ("Der findes allerede et system med det navn i den enhed.",
                          "Giv systemet et andet navn, eller find det eksisterende under Registret."),
    "email-taken": ("En anden person har allerede den e-mailadresse.",
                    "Tjek adressen; er det den samme person, så ret personen, der allerede er registreret."),
    "claim-already-open": ("Der er allerede et krav på rollen fra samme person, som venter på svar.",
                           "Vent på porteføljerådets svar; det ses på systemets side."),
    "already-holds-role": ("Personen har allerede rollen på systemet.", "Der er intet at gøre; se systemets side."),
    "concurrent-change": ("En anden ændrede det samme i samme øjeblik, så intet blev gemt.", RETRY),
    "already-done": ("Det er allerede registreret.", "Genindlæs siden for at se det."),
    "no-quorum": ("Mødet var ikke beslutningsdygtigt, så det kan ikke træffe beslutningen.",
                  "Vælg et møde, der var beslutningsdygtigt, eller lad feltet Møde stå tomt."),
    "already-superseded": ("Beslutningen er allerede afløst af en senere beslutning.",
                           "Lad den nye beslutning afløse den seneste i stedet."),
    "handover-already-answered": ("Overdragelsen er allerede besvaret eller trukket tilbage.",
                                  "Se under Mine systemer, hvordan den blev besvaret."),
    "handover-already-offered": ("Rollen er allerede tilbudt den kollega og venter på svar.",
                                 "Vent på kollegaens svar, eller træk tilbuddet tilbage under Mine systemer."),
    "handover-void": ("Den, der tilbød overdragelsen, har ikke længere rollen, så tilbuddet er bortfaldet.",
                      "Bed den, der har rollen nu, om at overdrage den."),
    "idempotency-key-in-flight": ("Den samme formular blev sendt to gange, og den første er ikke færdig endnu.",
                                  "Vent et øjeblik, og genindlæs siden."),
    "upstream-refused": ("En tjeneste, som ansvar læser fra, afviste eller svarede ikke; intet er skrevet.",
                         "Prøv igen senere; sker det igen, så fortæl driften om det."),
    "kitos-refused": ("KITOS afviste forespørgslen eller svarede ikke; intet er skrevet.",
                      "Prøv igen senere; sker det igen, så bed driften tjekke forbindelsen til KITOS."),
    "acting-for-another": ("Det kan du kun gøre for dig selv, ikke på en andens vegne.",
                           "Lad den person, det gælder, gøre det selv, eller bed porteføljerådet om det."),
    "not-role-holder": ("Kun den, der har rollen, kan gøre dette.",
                        "Bed den, der har rollen, om at gøre det, eller gør krav på rollen fra systemets side."),
    "own-claim": ("Man kan ikke selv bekræfte sit eget krav.", "Lad et andet medlem af porteføljerådet afgøre kravet."),
    "backdated-handover": ("En overdragelse kan ikke gælde fra en dag før i dag.", "Vælg i dag eller en senere dag i feltet Fra."),
    "not-offer-recipient": ("Kun den, overdragelsen er tilbudt, kan svare på den.",
                            "Se de overdragelser, der er tilbudt dig, under Mine systemer."),
    "not-offer-maker": ("Kun den, der tilbød overdragelsen, kan trække den tilbage.",
                        "Bed den, der tilbød overdragelsen, om at trække den tilbage."),
    "invalid-period": ("Slutdatoen ligger ikke efter startdatoen.", "Vælg en slutdato, der ligger efter startdatoen."),
    "person-departed": ("Personen er fratrådt.", "Vælg en person, der stadig er ansat."),
    "org-unit-dissolved": ("Enheden er nedlagt.", "Vælg en enhed, der ikke er nedlagt."),
    "unknown-reference": ("Et felt henviser til noget, der ikke findes.", "Vælg fra listen på siden, og send formularen igen."),
    "not-holder": ("Personen har ikke den rolle.", "Vælg den, der har rollen, som systemets side viser."),
    "unreadable-spreadsheet": ("Filen kan ikke læses som CSV eller XLSX, eller den er tom.",
                               "Gem den som CSV (UTF-8) eller XLSX fra regnearket, og upload den igen."),
    "no-recognisable-header": ("Ingen række i filen har overskrifter, der nævner systemet og mindst to felter mere.",
                               "Giv kolonnerne overskrifter som Systemnavn, Systemejer og Kritikalitet, eller angiv en"
                               " kolonneoversættelse."),
    "file-too-large": ("Filen er for stor til at blive importeret på én gang.", "Del filen op, og importér delene hver for sig."),
    "domain-error": ("Det strider mod en af registrets regler.", RETRY),
}


def said(problem: dict[str, Any], name_of: NameOf) -> Said:
    """What a page says about `problem` (a problem+json body), in Danish."""
    slug = str(problem.get("type", "")).rsplit("/", 1)[-1]
    named = _fields(problem)
    labels = [label for label in dict.fromkeys(da.field_label(f) for f in named) if label != "et felt"]
    special = _SPECIAL.get(slug)
    if (by_name := with_names(problem, name_of)) is not None:
        what, todo = by_name
    elif problem.get("code") in CODES:
        what, todo = CODES[problem["code"]]
    elif special is not None:
        what, todo = special(problem, name_of)
    elif slug == "invalid-field":
        what, todo = validation_problem(problem)
    elif slug == "invalid-value":
        what, todo = field_problem(problem, name_of)
    else:
        what, todo = FIXED.get(slug) or _by_status(int(problem.get("status") or 500))
    return Said(what, todo, labels, slug)


def _fields(problem: dict[str, Any]) -> list[str]:
    fields = [e.get("pointer", "")[2:].replace("/", ".") for e in problem.get("errors", []) if isinstance(e, dict)]
    fields = [f for f in fields if f]
    if problem.get("field"):
        fields.insert(0, str(problem["field"]))
    return fields


def _by_status(status: int) -> tuple[str, str]:
    if status == 403:
        return "Det har du ikke adgang til.", "Spørg en administrator, hvis du mener, du skal have adgang."
    if status == 404:
        return FIXED["not-found"]
    if status == 409:
        return FIXED["conflict"]
    if status >= 500:
        return FIXED["internal-error"]
    return FIXED["client-error"]


def _forbidden(problem: dict[str, Any], name_of: NameOf) -> tuple[str, str]:
    refusal = problem.get("refusal")
    if refusal == "departed":
        return (f"Du er registreret som fratrådt den {danish_date(_day(problem.get('left_on')))}, så din adgang er ophørt.",
                "Kontakt en administrator, hvis det er en fejl.")
    if refusal == "csrf":
        return ("Formularen var for gammel, eller den kom fra en anden side, så intet blev gemt.",
                "Genindlæs siden, og send formularen igen.")
    if refusal == "auditor_writes":
        return ("Som revisor kan du læse alt, men ikke ændre noget.",
                "Log ind uden revisoradgangen, hvis du skal gøre dette i en anden egenskab.")
    if refusal == "rule":
        allowed = [da.label(da.ACCESS_ROLE_PEOPLE, r) for r in problem.get("allowed_roles", [])]
        if problem.get("for_holders"):
            allowed.append("dem, der har en rolle på systemet")
        held = [da.label(da.ACCESS_ROLE, r) for r in problem.get("held_roles", [])] or [da.ACCESS_ROLE["owner"]]
        return (f"Det er kun for {da.listed(allowed, 'og') or 'administratorer'}; du er logget ind som"
                f" {da.listed(held, 'og')}.",
                "Har du brug for det, så bed en administrator om den adgang, eller log ind med en adgang, der har den.")
    return _by_status(403)


def _transition(problem: dict[str, Any], name_of: NameOf) -> tuple[str, str]:
    title = name_of("proposal", problem.get("proposal_id"))
    subject = f"Forslaget »{title}«" if title else "Forslaget"
    current, attempted = problem.get("current"), str(problem.get("attempted") or "")
    step = da.PROPOSAL_STEP.get(attempted) or f"blive {da.label(da.STATUS, attempted).lower()}"
    allowed = [da.label(da.STATUS, a).lower() for a in problem.get("allowed", [])]
    what = f"{subject} er {da.label(da.STATUS, current).lower()}, så det kan ikke {step} nu."
    if not allowed:
        return what, "Forslaget er afsluttet; se dets historik under Forslag."
    if attempted in da.PROPOSAL_STEP:
        return what, f"Det kan kun ske, når forslaget er {da.listed(allowed)}."
    return what, f"Herfra kan forslaget blive {da.listed(allowed)}; vælg den beslutning, der passer."


def _decommissioning_step(problem: dict[str, Any], name_of: NameOf) -> tuple[str, str]:
    current = problem.get("current")
    if current is None:
        return ("Der er ikke foreslået en afvikling af systemet, så der er intet at beslutte eller gøre.",
                "Foreslå først afviklingen fra systemets side.")
    if current == "completed":
        return "Systemet er allerede afviklet.", "Der er intet at gøre; se systemets side."
    allowed = [da.label(da.STAGE, a).lower() for a in problem.get("allowed", [])]
    what = f"Afviklingen er {da.label(da.STAGE, current).lower()}, så det kan ikke gøres nu."
    return what, (f"Det kan gøres, når afviklingen er {da.listed(allowed)}." if allowed else
                  "Se afviklingens forløb på systemets side.")


def _decommissioning_incomplete(problem: dict[str, Any], name_of: NameOf) -> tuple[str, str]:
    missing = problem.get("missing") or []
    lacking = da.listed([da.label(da.LACKING, m) for m in missing], "og")
    return (f"Afviklingen kan ikke afsluttes endnu: den mangler {lacking or 'noget'}.",
            "Registrér det, der mangler, og afslut så afviklingen.")


def _claim_answered(problem: dict[str, Any], name_of: NameOf) -> tuple[str, str]:
    status = da.label(da.CLAIM_STATUS, problem.get("current")).lower()
    return f"Kravet er allerede besvaret: {status}.", "Genindlæs systemets side for at se svaret."


def _day(value: Any) -> Any:
    from datetime import date

    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


_SPECIAL: dict[str, Callable[[dict[str, Any], NameOf], tuple[str, str]]] = {
    "forbidden": _forbidden, "illegal-transition": _transition, "decommissioning-step": _decommissioning_step,
    "decommissioning-incomplete": _decommissioning_incomplete, "claim-already-answered": _claim_answered,
}
#: Every problem type this phrasebook says in its own words (a test holds it to the API's map).
KNOWN = frozenset(FIXED) | frozenset(_SPECIAL) | {"invalid-field", "invalid-value"}
