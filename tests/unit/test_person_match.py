"""One person given by e-mail and by name; the search folding (pure, with Hypothesis properties)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from domain.person_match import address_key, candidates, fold, home_domains, local_part_is_name, name_keys, spellings

HOME = frozenset({"kommune.dk"})


@pytest.mark.parametrize(("local", "name"), [
    ("henrik.soerensen", "Henrik Sørensen"),
    ("henrik.sorensen", "Henrik Sørensen"),
    ("Henrik_Soerensen", "Henrik Sørensen"),
    ("aase.aerboe", "Åse Ærbø"),
    ("ase.aerbo", "Åse Ærbø"),
    ("rene.loekke", "René Løkke"),
    ("anne-marie.hansen", "Anne-Marie Hansen"),
    ("annemarie.hansen", "Anne-Marie Hansen"),
    ("anne.marie.hansen", "Anne-Marie Hansen"),
    ("jens.peter.holm", "Jens Peter Holm"),
    ("jens.p.holm", "Jens Peter Holm"),
    ("jens.holm", "Jens Peter Holm"),
    ("jens-holm", "Jens Peter Holm"),
])
def test_an_address_that_spells_the_name_matches(local, name):
    assert local_part_is_name(local, name)


@pytest.mark.parametrize(("local", "name"), [
    ("henrik.soerensen", "Henrik Sørensen Holm"),  # the last name is always there
    ("soerensen.henrik", "Henrik Sørensen"),  # not the other way round
    ("h.soerensen", "Henrik Sørensen"),  # a first initial is not beyond doubt
    ("henrik", "Henrik Sørensen"),
    ("henrik.soerensen", "Henrik"),
    ("henrik.soerensen2", "Henrik Sørensen"),
    ("henrik.oesterby", "Henrik Østergaard"),
    ("jens.x.holm", "Jens Peter Holm"),
])
def test_an_address_that_does_not_spell_the_name_does_not_match(local, name):
    assert not local_part_is_name(local, name)


def test_only_the_municipalitys_own_domain_counts_and_every_fitting_person_is_a_candidate():
    people = [(1, "Henrik Sørensen"), (2, "Henrik Sorensen"), (3, "Bo Ravn"), (4, None)]
    assert candidates("henrik.sorensen@kommune.dk", people, HOME) == [1, 2]
    assert candidates("henrik.soerensen@kommune.dk", people, HOME) == [1]
    assert candidates("henrik.soerensen@gmail.com", people, HOME) == []
    assert candidates("not-an-address", people, HOME) == []


def test_the_home_domains_are_the_directorys_and_the_one_most_addresses_have():
    assert home_domains([], ["a@kommune.dk", "b@kommune.dk", "c@gmail.com"]) == {"kommune.dk"}
    assert home_domains(["x@by.dk"], ["a@kommune.dk", "b@kommune.dk"]) == {"by.dk", "kommune.dk"}
    assert home_domains([], ["a@kommune.dk", "c@gmail.com"]) == frozenset()  # a tie names no domain


def test_a_search_folds_case_accents_and_every_way_of_writing_danish_letters():
    assert fold("Søren") == fold("soeren") == fold("SOREN")
    assert fold("Åse") == fold("aase") == fold("ase")
    assert fold("Århus") == fold("Aarhus") == fold("AARHUS")
    assert fold("René") == fold("rene") and fold("Ærø") == fold("aeroe")
    assert fold("soeren") in fold("Søren Ørsted", "soeren.oersted@kommune.dk")
    assert fold("henrik.soerensen@kommune") in fold("Henrik Sørensen", "henrik.soerensen@kommune.dk")


_DANISH_WORD = st.text(alphabet="abcdefghijklmnoprstuvyæøåé", min_size=2, max_size=8)


@given(st.lists(_DANISH_WORD, min_size=2, max_size=4), st.data())
def test_a_name_written_any_allowed_way_matches_it(words, data):
    name = " ".join(w.capitalize() for w in words)
    parts = [data.draw(st.sampled_from(sorted(spellings(w)))) for w in words]
    first, *middle, last = parts
    kept = [data.draw(st.sampled_from([m, m[0], None])) for m in middle]
    local = data.draw(st.sampled_from(".-_")).join([first, *(k for k in kept if k), last])
    assert local_part_is_name(local, name)
    assert candidates(f"{local}@kommune.dk", [("x", name)], HOME) == ["x"]
    assert address_key(f"{local}@kommune.dk") in name_keys(name)  # the planners' index finds them
    usual = [w.replace("æ", "ae").replace("ø", "oe").replace("å", "aa").replace("é", "e") for w in words]
    plainest = [w.replace("æ", "ae").replace("ø", "o").replace("å", "a").replace("é", "e") for w in words]
    assert all(fold(w) in fold(name) for w in usual + plainest)


@given(st.lists(_DANISH_WORD, min_size=2, max_size=3), st.lists(_DANISH_WORD, min_size=2, max_size=3), st.data())
def test_two_different_names_never_match(one, other, data):
    assume(fold(" ".join(one)) != fold(" ".join(other)))
    assume(not (one[0] in other or set(spellings(one[0])) & {s for w in other for s in spellings(w)}))
    local = ".".join(sorted(spellings(w))[0] for w in one)
    assert not local_part_is_name(local, " ".join(other))
