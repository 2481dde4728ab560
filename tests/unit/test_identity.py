"""The comparison key of names and e-mail addresses (pure; the confusables data is handed in)."""

from __future__ import annotations

import pytest

from domain.identity import identity_key, look_alike


@pytest.mark.parametrize("other", ["ACTIVE DIRECTORY", "Active\u200bDirectory", "Active\u00a0Directory",
                                   "Ａｃｔｉｖｅ Directory", "Active\u00adDirectory", "\u202eActive Directory"])
def test_case_compatibility_forms_spaces_and_format_characters_make_no_difference(other):
    assert identity_key(other) == identity_key("Active Directory")


def test_without_the_confusables_data_other_scripts_stay_apart_and_with_it_they_are_one():
    cyrillic = "Асtive Directory"
    assert identity_key(cyrillic) != identity_key("Active Directory")
    latin = {"а": "a", "с": "c"}  # the skeleton sees the case-folded text
    assert identity_key(cyrillic, lambda t: "".join(latin.get(c, c) for c in t)) == identity_key("Active Directory")


def test_look_alike_names_the_first_sibling_that_is_one_identity():
    siblings = [(1, "ESDH"), (2, "Active Directory"), (3, "active directory")]
    assert look_alike("ACTIVE directory", siblings) == (2, "Active Directory")
    assert look_alike("Active Directory 2", siblings) is None
