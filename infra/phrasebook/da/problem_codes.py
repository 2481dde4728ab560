"""A problem said by its finer code (the API's `code` member, domain/errors.py), where one problem
type covers situations a page must tell apart: (what went wrong, what to do)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from infra.phrasebook.da import labels as da

NameOf = Callable[[str, Any], "str | None"]
AGAIN = "og send formularen igen"

CODES: dict[str, tuple[str, str]] = {
    # already recorded, but not "the same again"
    "details-erased": ("Personens navn og e-mail er slettet, så der er intet at rette.",
                       "Der er intet at gøre; se personens side."),
    "details-already-erased": ("Personens navn og e-mail er allerede slettet.", "Der er intet at gøre; se personens side."),
    "not-left": ("Personen er ikke registreret som fratrådt.", "Der er intet at gøre; se personens side."),
    "already-left": ("Personen er allerede registreret som fratrådt.", "Se fratrædelsesdatoen på personens side."),
    "person-unchanged": ("Personen er allerede registreret sådan.", "Der er intet at rette; se personens side."),
    "placement-unchanged": ("Personen har allerede den enhed og den titel.", "Der er intet at rette; se personens side."),
    "unit-already-dissolved": ("Enheden er allerede nedlagt.", "Se nedlæggelsesdatoen under Organisation."),
    "unit-already-named": ("Enheden hedder allerede sådan.", "Der er intet at rette; se enheden under Organisation."),
    "unit-already-under": ("Enheden ligger allerede under den enhed.", "Der er intet at flytte; se Organisation."),
    "text-already-erased": ("Teksten er allerede slettet.", "Der er intet at gøre; se systemets historik."),
    # refusals with their own reason
    "own-departure": ("Din egen fratræden registreres af en anden administrator, fordi den ender din adgang.",
                      "Bed en anden administrator om at registrere den."),
    "register-as-of": ("Kun porteføljerådet og revisorer kan se registret, som det stod en anden dag.",
                       "Fjern datoen, eller bed porteføljerådet om oplysningen."),
    "withdraw-for-another": ("Et forslag trækkes tilbage af den, der stillede det, ikke på vedkommendes vegne.",
                             "Bed forslagsstilleren om at trække forslaget tilbage."),
    "survivor-erased": ("Personen, der skal lægges sammen til, har fået navn og e-mail slettet.",
                        "Læg i stedet sammen til den post, der stadig har personens navn."),
    "survivor-departed": ("Personen, der skal lægges sammen til, er fratrådt, men den anden post er ikke.",
                          "Læg sammen den anden vej, eller registrér først, at personen er vendt tilbage."),
    "no-decommissioning": ("Der er ikke foreslået en afvikling af systemet.", "Foreslå først afviklingen fra systemets side."),
    "system-name-looks-taken": ("Der findes allerede et system i den enhed med et navn, der ligner til forveksling.",
                                "Giv systemet et navn, der ikke kan forveksles, eller find det eksisterende under"
                                " Registret."),
    "register-changed-during-import": ("Registret blev ændret, mens importen blev forberedt, så intet blev skrevet.",
                                       "Kør importen igen."),
    "system-changed-since-plan": ("Et system i filen blev ændret, efter importen blev planlagt, så intet blev skrevet.",
                                  "Kør importen igen."),
    # values the domain refuses, whose field alone does not say why
    "nothing-to-correct": ("Der er ikke angivet noget at rette.", f"Udfyld navn, e-mail, titel eller enhed, {AGAIN}."),
    "merge-into-self": ("En person kan ikke lægges sammen med sig selv.", "Vælg den anden post for samme person."),
    "withdrawer-not-proposer": ("Kun den, der stillede forslaget, kan trække det tilbage.",
                                "Bed forslagsstilleren om at trække forslaget tilbage."),
    "no-link-for-person": ("En person, der er fratrådt eller har fået sine oplysninger slettet, kan ikke få et"
                           " engangslink.", "Vælg en person, der stadig er ansat."),
    "agenda-twice": ("Et forslag står to gange på dagsordenen.", f"Fjern det ene, {AGAIN}."),
    "subject-twice": ("Det samme emne er valgt to gange.", f"Fjern det ene, {AGAIN}."),
    "proposal-ranked-twice": ("Det samme forslag har to rang i prioriteringen.", f"Giv hvert forslag én rang, {AGAIN}."),
    "erasure-basis-missing": ("Der står ikke, på hvilket grundlag teksten slettes.",
                              "Skriv grundlaget, fx anmodningen og dens sagsnummer."),
    "nothing-erasable": ("Hændelsen på den plads i loggen har ingen tekst, der kan slettes.",
                         "Tjek logpositionen på systemets historik."),
    "field-not-erasable": ("Den tekst kan ikke slettes i den slags hændelse.", "Vælg en af de tekster, der kan slettes."),
    "no-text-to-erase": ("Hændelsen har ingen tekst i det felt.", "Tjek logpositionen og feltet."),
    "past-the-log": ("Den plads i loggen findes ikke endnu.", "Genindlæs siden uden logpositionen."),
    "unknown-cursor": ("Sideskiftet kan ikke læses.", "Gå til listens første side, og bladr derfra."),
    "parameter-repeated": ("Adressen har den samme parameter flere gange.",
                           "Brug menuen og sidens knapper i stedet for en rettet adresse."),
    "names-nothing": ("Det valgte findes ikke.", f"Vælg fra listen, {AGAIN}."),
    "not-yes-or-no": ("Et ja/nej-felt har en anden værdi end ja eller nej.", f"Vælg ja eller nej, {AGAIN}."),
    "to-before-from": ("Slutdatoen ligger før startdatoen.", f"Vælg en slutdato efter startdatoen, {AGAIN}."),
}


def with_names(problem: dict[str, Any], name_of: NameOf) -> tuple[str, str] | None:
    """The problems whose words are better with the names of the things they are about (people and
    systems by `name_of`, a system's name as the request gave it); None where no name is to be had."""
    code = problem.get("code") or str(problem.get("type", "")).rsplit("/", 1)[-1]
    who = name_of("person", problem.get("person_id")) if problem.get("person_id") else None
    system = name_of("system", problem.get("system_id")) if problem.get("system_id") else None
    role = da.label(da.ROLE_LABEL, problem["role"]).lower() if problem.get("role") else None
    if code == "person-departed" and who:
        return f"{who} er fratrådt.", "Vælg en person, der stadig er ansat."
    if code == "already-holds-role" and who and role:
        where = f" på {system}" if system else " på systemet"
        return f"{who} er allerede {role}{where}.", "Der er intet at gøre; se systemets side."
    if code == "not-holder" and who and role:
        return f"{who} er ikke {role} på {system or 'systemet'}.", "Vælg den, der har rollen, som systemets side viser."
    if code == "claim-already-open" and who and role:
        return (f"{who} har allerede et krav på rollen som {role}, som venter på svar.",
                "Vent på porteføljerådets svar; det ses på systemets side.")
    if code in ("system-name-taken", "system-name-looks-taken") and problem.get("existing_name"):
        like = "hedder" if code == "system-name-taken" else "har et navn, der ligner til forveksling:"
        return (f"Der findes allerede et system i den enhed, som {like} »{problem['existing_name']}«.",
                "Giv systemet et andet navn, eller find det eksisterende under Registret.")
    return None
