"""The import's explanations on the page: said in Danish part by part, or shown as written
(marked English) when a part is not known, never half translated."""

from api.ui.words import import_detail


def test_a_known_explanation_is_said_in_danish_part_by_part():
    assert import_detail("the same system as row 12: not imported twice") == (
        "Samme system som række 12: importeres ikke to gange", "da")
    assert import_detail("names more than one person: the role stays unassigned") == (
        "Nævner mere end én person: rollen forbliver ubesat", "da")


def test_an_explanation_with_an_unknown_part_is_shown_as_written():
    detail = "linked to Bo Ek, the one registered person of that name: the role is assigned"
    assert import_detail(detail) == (detail, "en")
