"""The Danish words for the domain's values, written once: roles, gap rules, lifecycle, criticality,
org levels, proposal states and kinds, decisions, capacities, facts, claims, decommissioning, access
roles, and the forms' fields. Pages (as Jinja filters), mails, exports and the auditor's pack all
read these tables; a value not in its table is shown as given (`label`)."""

from __future__ import annotations

import re

from domain.vocabulary import Criticality, Lifecycle, Role

#: The exports write these (and the imports read them back: domain/inventory.py).
CRITICALITY_LABEL = {Criticality.LOW: "Lav", Criticality.MEDIUM: "Middel", Criticality.HIGH: "Høj", Criticality.CRITICAL: "Kritisk"}
LIFECYCLE_LABEL = {
    Lifecycle.NOT_IN_OPERATION: "Ikke i drift", Lifecycle.PILOT: "Under afprøvning", Lifecycle.PHASING_IN: "Under indfasning",
    Lifecycle.IN_OPERATION: "I drift", Lifecycle.PHASING_OUT: "Under udfasning", Lifecycle.DECOMMISSIONED: "Afviklet",
}
ROLE_LABEL = {
    Role.SYSTEMEJER: "Systemejer", Role.SYSTEMANSVARLIG: "Systemansvarlig", Role.FORRETNINGSEJER: "Forretningsejer",
    Role.DATAEJER: "Dataejer", Role.SIKKERHEDSANSVARLIG: "Sikkerhedsansvarlig",
    Role.SUPERBRUGERANSVARLIG: "Superbrugeransvarlig", Role.TEKNISK_ANSVARLIG: "Teknisk ansvarlig",
    Role.KONTRAKTEJER: "Kontraktejer",
}
RULE_LABEL = {
    "no_holder": "Ingen indehaver af rollen", "holder_departed": "Indehaveren er fratrådt",
    "no_operational_handover": "Ingen driftsoverdragelse", "decommission_unowned": "Afvikling uden ansvarlig",
    "competing_claims": "Konkurrerende krav", "owner_too_low": "Ejer for lavt placeret",
    "ping_pong": "Sorteper (ansvaret skifter hænder)", "claim_unanswered": "Krav ubesvaret",
    "handover_unanswered": "Overdragelse ubesvaret",
    "attestation_overdue": "Bekræftelse for sent",
}
ORG_LEVEL = {"kommune": "Kommune", "forvaltning": "Forvaltning", "afdeling": "Afdeling", "team": "Team"}
SUBJECT_KIND = {"proposal": "Forslag", "system": "System", "claim": "Krav"}
DECISION_KIND = {
    "prioritisation": "Prioritering", "approval": "Godkendelse", "rejection": "Afvisning", "deferral": "Udsættelse",
    "decommission": "Afvikling", "ownership_ruling": "Afgørelse om ejerskab", "benefit_review": "Gevinstopfølgning",
}
#: A proposal's states.
STATUS = {
    "submitted": "Indsendt", "under_assessment": "Under vurdering", "prioritised": "Prioriteret",
    "approved": "Godkendt", "rejected": "Afvist", "deferred": "Udsat", "in_implementation": "Under implementering",
    "implemented": "Implementeret", "withdrawn": "Trukket tilbage", "abandoned": "Opgivet",
}
#: The steps a proposal is asked to make that are not a state of their own.
PROPOSAL_STEP = {"revise": "revideres", "benefit_review": "få en gevinstopfølgning"}
CHANGE_KIND = {"transition": "Transition (elefantmarch)", "transformation": "Transformation (tigerspring)"}
CATEGORY = {
    "citizen_service": "Borgerservice", "processes": "Arbejdsgange", "wellbeing_competence": "Trivsel og kompetencer",
    "resources": "Ressourcer", "data": "Data",
}
#: The capacity a person acted in when a fact was recorded.
CAPACITY = {"admin": "administrator", "council": "porteføljerådet", "owner": "ejer", "auditor": "revisor",
            "demo": "demo", "import": "import", "system": "systemet", "operator": "driften"}
FACT_KIND = {"assignment": "Tildeling", "vacancy": "Ubesat", "handover": "Overdragelse", "claim_confirmed": "Bekræftet krav"}
#: What an accountability answer found for a role (domain/responsibility.py's kinds).
ANSWER = {"held": "Besat", "vacant": "Ubesat", "not_yet_known": "Endnu ikke kendt", "not_covered": "Ingen registrering",
          "never": "Aldrig registreret"}
CLAIM_STATUS = {"open": "Afventer svar", "confirmed": "Bekræftet", "rejected": "Afvist"}
HANDOVER_STATUS = {"offered": "Tilbudt", "accepted": "Taget imod", "refused": "Afslået", "withdrawn": "Trukket tilbage",
                   "void": "Bortfaldet"}
#: A decommissioning's stages, and what it still lacks.
STAGE = {"proposed": "Foreslået", "decided": "Besluttet", "rejected": "Afvist", "completed": "Afsluttet"}
DECOMMISSIONING_STEP = {"propose": "foreslås", "decide": "besluttes", "settle_archive_duty": "få afklaret arkivpligt",
                        "end_contracts": "få opsagt kontrakter", "sign_off": "afsluttes", "complete": "afsluttes"}
LACKING = {"decision": "en beslutning", "archive_duty": "afklaret arkiveringspligt",
           "contracts_ended": "opsagte kontrakter", "sign_off": "den ansvarliges afslutning"}
#: The capacities of the access table, as a person is named in them, and the plural for "who may".
ACCESS_ROLE = {"admin": "administrator", "council": "porteføljeråd", "auditor": "revisor", "owner": "ejer"}
ACCESS_ROLE_PEOPLE = {"admin": "administratorer", "council": "porteføljerådets medlemmer", "auditor": "revisorer",
                      "owner": "systemernes ansvarlige"}

#: A form field's label, by the API's JSON field name: an error names the field as the form shows it.
FIELD_LABEL = {
    "name": "Navn", "email": "E-mail", "title": "Stilling", "org_unit_id": "Organisatorisk enhed",
    "level": "Niveau", "parent_id": "Overordnet enhed", "effective": "Dato", "basis": "Grundlag",
    "roles": "Adgang", "file": "Fil", "mapping": "Kolonneoversættelse", "apply": "Anvend", "sha256": "Filens fingeraftryk",
    "role": "Rolle", "to_person_id": "Kollega", "effective_from": "Fra", "effective_to": "Til", "note": "Bemærkning",
    "statement": "Begrundelse", "reason": "Begrundelse",
    "kind": "Slags beslutning", "rationale": "Begrundelse", "meeting_id": "Møde", "decided_on": "Besluttet den",
    "period_from": "Periode fra", "period_to": "Periode til", "responsible_id": "Ansvarlig", "person_id": "Person",
    "system_id": "System", "claim_id": "Krav", "confirmed_claim_id": "Bekræftet krav", "proposal": "Forslag",
    "proposal_id": "Forslag", "operations_owner_id": "Driftsejer", "subjects": "Emner", "priorities": "Prioriteter",
    "rank": "Rang", "q": "Søg", "at": "Dag", "known_at": "Som registret stod", "from": "Periodens første dag",
    "format": "Format", "csrf_token": "Formularens sikkerhedskode", "token": "Adgangsnøgle", "code": "Engangskode",
    "after": "Logposition", "criticality": "Kritikalitet", "lifecycle": "Livscyklus", "duty": "Arkivpligt",
    # the lists' filters (/ui/systems, /ui/gaps, /ui/people and their exports)
    "personal_data": "Persondata", "no_systemejer": "Kun systemer i drift uden Systemejer", "holder": "Ansvarlig",
    "holder_q": "Ansvarlig (navn)", "status": "Ansat eller fratrådt", "forvaltning": "Forvaltning", "rule": "Regel",
    "page": "Side", "sort": "Sortér efter",
}
#: Fields a form names by a prefix and an id (the decision form's `rank_<proposal id>`).
_PREFIXED = re.compile(r"^(rank)_[0-9a-f-]{36}$")
#: What an import's problem is, by its kind (domain/import_model.py), for the dry run's report.
IMPORT_PROBLEM = {
    "missing": "Mangler eller er ukendt",
    "duplicate": "Dublet af en tidligere række: importeres ikke to gange",
    "unreadable": "Kan ikke læses",
    "flagged_holder": "Indehaveren kan ikke afgøres: rollen forbliver ubesat",
    "kept": "Tom celle: den registrerede indehaver beholdes",
    "linked": "Knyttet til en person ved navn eller e-mailadresse",
    "possible_duplicate": "Mulig dublet: en anden person kan være den samme",
    "not_recorded": "Registreres ikke",
}
#: What a page says once a form has done its work (the `done` of the redirect).
DONE = {
    "attested": "Bekræftet. Tak.",
    "handover_offered": "Overdragelsen er tilbudt; rollen skifter, når kollegaen tager imod. Indtil da har du ansvaret.",
    "handover_accepted": "Du har taget imod rollen.", "handover_refused": "Du har sagt nej; rollen bliver hos kollegaen.",
    "handover_withdrawn": "Overdragelsen er trukket tilbage.", "claimed": "Dit krav er registreret; porteføljerådet svarer.",
    "decided": "Beslutningen er registreret.", "registered": "Personen er registreret.",
    "departed": "Fratrædelsen er registreret.", "erased": "Personens navn og e-mail er slettet; id og historik består.",
    "corrected": "Oplysningerne er rettet.", "established": "Enheden er oprettet.", "renamed": "Enheden har fået nyt navn.",
    "moved": "Enheden er flyttet.", "dissolved": "Nedlæggelsen er registreret.",
    "merged": "De to poster er lagt sammen til én person.",
}


def label(table: dict, value: object) -> str:
    """A value's Danish label from its table; "–" for none; the value as given when the table lacks it."""
    if value is None:
        return "–"
    return table.get(value, table.get(str(value), str(value)))


def field_label(field: object) -> str:
    """A field as its form labels it: `priorities[0].rank` is "Rang", `rank_<id>` is "Rang"; a field
    no form shows is named "et felt", never by its key."""
    if not field:
        return "et felt"
    name = re.sub(r"\[\d+\]", "", str(field)).split(".")[-1]
    if prefixed := _PREFIXED.match(name):
        name = prefixed.group(1)
    return FIELD_LABEL.get(name, "et felt")


def role_da(role: str | None) -> str:
    """A role's Danish name, as the exports write it."""
    return ROLE_LABEL.get(role, (role or "").replace("_", " ").capitalize())  # type: ignore[call-overload]


def listed(words: list[str], last: str = "eller") -> str:
    """"a, b eller c"."""
    words = [w for w in words if w]
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"
