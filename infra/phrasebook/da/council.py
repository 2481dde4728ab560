"""The council's pages' Danish words (issue 25 part 2): the proposal form's choices, the council
forms' field labels (beside the phrasebook's own, labels.py), what a form that succeeded did."""

from __future__ import annotations

from infra.phrasebook.da import labels as words

PURPOSE = {"efficiency": "Effektivisering", "professional_quality": "Faglig kvalitet",
           "citizen_quality": "Kvalitet for borgerne"}
DRIVER = {"professional_area": "Et fagområde", "it": "IT-afdelingen"}
MARKER = {"user_involvement": "Brugerinddragelse", "organisational_anchoring": "Organisatorisk forankring",
          "benefit_realisation": "Ressourceforbrug og gevinstrealisering", "use_of_data": "Bedre brug af data"}
FIELD_LABEL = {
    "title": "Titel", "problem": "Problemet", "purposes": "Formål", "category": "Problemkategori",
    "change_kind": "Slags forandring", "driver": "Drives af", "driver_org_unit_id": "Fagområdets enhed",
    "benefits": "Forventede gevinster", "benefits.text": "Forventede gevinster",
    "benefits.figures": "Gevinster i tal", "follow_up_on": "Gevinstopfølgning den",
    "related_system_ids": "Berørte systemer", "markers": "Pejlemærker",
    **{f"markers.{k}": v for k, v in MARKER.items()}, **MARKER,
    "proposer_id": "Stillet af", "withdrawn_by": "Trukket tilbage af", "reason": "Begrundelse",
    "proposal_id": "Forslag", "system": "Nyt system", "system.name": "Systemets navn",
    "system.org_unit_id": "Systemets enhed", "system.criticality": "Kritikalitet",
    "system.personal_data": "Personoplysninger", "system.vendor": "Leverandør",
    "held_on": "Mødedato", "attendee_ids": "Deltagere", "quorum": "Beslutningsdygtigt", "agenda": "Dagsorden",
    "supersedes": "Erstatter", "decided_by": "Besluttet af", "priorities.rank": "Rang",
    "priorities.proposal_id": "Forslag", "subjects.id": "Emner", "subjects.kind": "Emner",
}
#: What a council form that succeeded did, by the `done` it redirects with.
DONE = {
    "submitted": "Forslaget er indsendt.", "revised": "Forslaget er rettet.",
    "assessed": "Forslaget er taget op til vurdering.", "withdrawn": "Forslaget er trukket tilbage.",
    "implementing": "Forslaget er sat i gang.", "completed": "Forslaget er gennemført, og systemet er registreret.",
    "abandoned": "Forslaget er opgivet.", "meeting_held": "Mødet er registreret.",
    "decided": "Beslutningen er registreret.",
}


def field_label(field: str | None) -> str | None:
    """A form field's label, by the API's JSON field name (the council's first, then the pages')."""
    if not field:
        return None
    return FIELD_LABEL.get(field) or words.FIELD_LABEL.get(field) or field


def purpose(value: str) -> str:
    return words.label(PURPOSE, value)


def driver(value: str) -> str:
    return words.label(DRIVER, value)


def marker(value: str) -> str:
    return words.label(MARKER, value)
