"""The pages' Danish words for the domain's values, and the accountability answer in Danish.

The register's own labels (roles, rules, lifecycle, criticality) are domain/inventory.py's, the
words the exports and reminders use; this module adds what only the pages show.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from api import schemas as s
from domain.inventory import CRITICALITY_LABEL, LIFECYCLE_LABEL, ROLE_LABEL, RULE_LABEL
from infra.mailer import LACKING_DA

DANISH = ZoneInfo("Europe/Copenhagen")
MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
          "november", "december")

DECISION_KIND = {
    "prioritisation": "Prioritering", "approval": "Godkendelse", "rejection": "Afvisning", "deferral": "Udsættelse",
    "decommission": "Afvikling", "ownership_ruling": "Afgørelse om ejerskab", "benefit_review": "Gevinstopfølgning",
}
STATUS = {
    "submitted": "Indsendt", "under_assessment": "Under vurdering", "prioritised": "Prioriteret",
    "approved": "Godkendt", "rejected": "Afvist", "deferred": "Udsat", "in_implementation": "Under implementering",
    "implemented": "Implementeret", "withdrawn": "Trukket tilbage", "abandoned": "Opgivet",
}
CHANGE_KIND = {"transition": "Transition (elefantmarch)", "transformation": "Transformation (tigerspring)"}
CATEGORY = {
    "citizen_service": "Borgerservice", "processes": "Arbejdsgange", "wellbeing_competence": "Trivsel og kompetencer",
    "resources": "Ressourcer", "data": "Data",
}
CAPACITY = {"admin": "administrator", "council": "porteføljerådet", "owner": "ejer", "auditor": "revisor",
            "demo": "demo", "import": "import", "system": "systemet"}
FACT_KIND = {"assignment": "Tildeling", "vacancy": "Ubesat", "handover": "Overdragelse", "claim_confirmed": "Bekræftet krav"}
CLAIM_STATUS = {"open": "Afventer svar", "confirmed": "Bekræftet", "rejected": "Afvist"}
STAGE = {"proposed": "Foreslået", "decided": "Besluttet", "rejected": "Afvist", "completed": "Afsluttet"}
ACCESS_ROLE = {"admin": "administrator", "council": "porteføljeråd", "auditor": "revisor", "owner": "ejer"}

#: A form field's label, by the API's JSON field name: an error names the field as the form shows it.
FIELD_LABEL = {
    "name": "Navn", "email": "E-mail", "title": "Stilling", "org_unit_id": "Organisatorisk enhed",
    "level": "Niveau", "parent_id": "Overordnet enhed", "effective": "Dato", "basis": "Grundlag",
    "roles": "Adgang", "file": "Fil", "mapping": "Kolonneoversættelse", "apply": "Anvend", "sha256": "Filens fingeraftryk",
    "role": "Rolle", "to_person_id": "Kollega", "effective_from": "Fra", "note": "Bemærkning", "statement": "Begrundelse",
    "kind": "Slags beslutning", "rationale": "Begrundelse", "meeting_id": "Møde", "decided_on": "Besluttet den",
    "period_from": "Periode fra", "period_to": "Periode til", "responsible_id": "Ansvarlig", "person_id": "Person",
    "system_id": "System", "claim_id": "Krav", "confirmed_claim_id": "Bekræftet krav", "proposal": "Forslag",
    "operations_owner_id": "Driftsejer", "subjects": "Emner", "priorities": "Prioriteter", "q": "Søg",
}
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

#: The import's explanations (domain/import_plan.py writes them in English, for the API and the command
#: line) as the page says them: each part of a detail by pattern; a detail with a part not known here
#: is shown as written, marked English.
_IMPORT_PARTS = [
    (r"no system name", "intet systemnavn"),
    (r"row skipped", "rækken springes over"),
    (r"the same system as row (\d+)", r"samme system som række \1"),
    (r"not imported twice", "importeres ikke to gange"),
    (r"a new system in an org unit that has been dissolved", "et nyt system i en nedlagt enhed"),
    (r"would sit under an org unit that has been dissolved", "ville ligge under en nedlagt enhed"),
    (r"no forvaltning or afdeling", "hverken forvaltning eller afdeling"),
    (r"the system has no org unit; row skipped", "systemet har ingen enhed; rækken springes over"),
    (r"not given or unknown", "ikke angivet eller ukendt"),
    (r"a new system gets medium, a registered one keeps its value",
     "et nyt system får mellem, et registreret beholder sin værdi"),
    (r"a new system gets in_operation, a registered one keeps its value",
     "et nyt system får I drift, et registreret beholder sin værdi"),
    (r"a new system gets yes \(personal data assumed\), a registered one keeps its value",
     "et nyt system får ja (persondata antages), et registreret beholder sin værdi"),
    (r"ignored", "ignoreres"),
    (r"blank here, but the register names a holder", "tom her, men registret har en indehaver"),
    (r"kept", "beholdes"),
    (r"names more than one person", "nævner mere end én person"),
    (r"names an org unit, not a person", "nævner en enhed, ikke en person"),
    (r"does not name a person", "nævner ikke en person"),
    (r"is not a known person id", "er ikke et kendt person-id"),
    (r"has left the organisation", "er fratrådt"),
    (r"(\d+) people have this name", r"\1 personer har dette navn"),
    (r"the role stays unassigned", "rollen forbliver ubesat"),
    (r"the same person as (.+)", r"samme person som \1"),
    (r"the address spells the name \(æ, ø, å as ae, oe or o, aa or a\)",
     "adressen staver navnet (æ, ø, å som ae, oe eller o, aa eller a)"),
    (r"one person", "én person"),
    (r"possibly the same person as (.+)", r"måske samme person som \1"),
    (r"registered as a new person", "oprettet som ny person"),
    (r"if it is one of them, correct the file", "er det en af dem, så ret filen"),
]
#: How a detail names a record (domain/import_plan.py): by its row, or as registered.
_RECORD_PARTS = [(r"\(row (\d+)\)", r"(række \1)"), (r"\(registered, ", "(registreret, "), (r"\) or ", ") eller ")]


def import_detail(detail: str) -> tuple[str, str]:
    """An import problem's detail in Danish, and its language ("da"; "en" when a part is not known)."""
    parts = re.split(r"(: |; )", detail)
    out = []
    for part in parts:
        if part in (": ", "; "):
            out.append(part)
            continue
        found = next((re.sub(f"^{en}$", da, part) for en, da in _IMPORT_PARTS if re.fullmatch(en, part)), None)
        if found is None:
            return detail, "en"
        out.append(found)
    text = "".join(out)
    for en, da in _RECORD_PARTS:
        text = re.sub(en, da, text)
    return text[:1].upper() + text[1:], "da"


def dato(value: date | datetime | None) -> str:
    """1. december 2026; an instant in Danish time, with the clock."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        local = value.astimezone(DANISH)
        return f"{local.day}. {MONTHS[local.month - 1]} {local.year} kl. {local:%H:%M}"
    return f"{value.day}. {MONTHS[value.month - 1]} {value.year}"


def label(table: dict, value: object) -> str:
    if value is None:
        return "–"
    return table.get(value, table.get(str(value), str(value)))


def person(ref: s.PersonRef | None) -> str:
    if ref is None:
        return "systemet"
    if ref.erased:
        return "en person hvis oplysninger er slettet"
    return ref.name or "en person, der ikke er registreret"


def why(answer: s.RoleAnswer, day: date, when: datetime) -> str:
    """The grounds of one role's answer, in Danish: the deciding fact, or why nobody held it."""
    role = ROLE_LABEL.get(answer.role, answer.role)
    fact = answer.fact
    if fact is None:
        return f"Der er aldrig registreret noget om rollen {role} for dette system."
    period = f"fra {dato(fact.effective_from)}" + (f" til {dato(fact.effective_to)}" if fact.effective_to else "")
    recorded = f"registreret {dato(fact.recorded_at)} af {person(fact.recorded_by)}" + (
        f" som {label(CAPACITY, fact.capacity)}" if fact.capacity else "")
    grounds = "".join([
        ", på grundlag af en afgørelse i porteføljerådet" if fact.decision_id else "",
        ", ved bekræftelse af et krav" if fact.claim_id else "",
        f", importeret fra {fact.source.get('file')} række {fact.source.get('row')}"
        if fact.source and fact.source.get("file") else "",
        ", synkroniseret fra KITOS" if fact.source and fact.source.get("kitos") else "",
    ])
    if answer.answer == "held":
        basis = f" Grundlag: {fact.basis}." if fact.basis else ""
        return f"{person(answer.holder)} har rollen {period}: {recorded}{grounds}.{basis}"
    if answer.answer == "vacant":
        return f"Ingen har rollen: den er registreret som ubesat {period}, fordi: {fact.basis}; {recorded}{grounds}."
    if answer.answer == "not_yet_known":
        return (f"Intet om rollen {role} den {dato(day)} var kendt {dato(when)}: det første, der dækker dagen, blev"
                f" {recorded}.")
    ended = fact.effective_to is not None and fact.effective_to <= day
    return (f"Ingen registrering dækker {dato(day)}: den nærmeste, {period}, "
            + ("sluttede før." if ended else "begynder senere."))


FILTERS = {
    "dato": dato, "role": lambda v: label(ROLE_LABEL, v), "rule": lambda v: label(RULE_LABEL, v),
    "lifecycle": lambda v: label(LIFECYCLE_LABEL, v), "criticality": lambda v: label(CRITICALITY_LABEL, v),
    "decision_kind": lambda v: label(DECISION_KIND, v), "status": lambda v: label(STATUS, v),
    "change_kind": lambda v: label(CHANGE_KIND, v), "category": lambda v: label(CATEGORY, v),
    "capacity": lambda v: label(CAPACITY, v), "fact_kind": lambda v: label(FACT_KIND, v),
    "claim_status": lambda v: label(CLAIM_STATUS, v), "access_role": lambda v: label(ACCESS_ROLE, v),
    "field_label": lambda v: label(FIELD_LABEL, v), "import_problem": lambda v: label(IMPORT_PROBLEM, v),
    "import_detail": import_detail,
    "person": person, "stage": lambda v: label(STAGE, v), "lacking": lambda v: label(LACKING_DA, v),
}
