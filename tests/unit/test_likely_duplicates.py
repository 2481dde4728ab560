"""The spelling rule's one index and the duplicates it finds (domain/person_match.py), no I/O."""

from __future__ import annotations

from dataclasses import dataclass

from domain.person_match import likely_duplicates, spelling_index

DOMAINS = frozenset({"kommune.dk"})


@dataclass(eq=False)
class P:
    name: str | None
    email: str | None = None


def test_the_index_holds_names_by_their_first_word_and_addresses_by_theirs():
    anne, soeren, mailed = P("Anne-Marie Sørensen"), P("Søren Ravn"), P("x", "soeren.ravn@kommune.dk")
    named, addressed = spelling_index([anne, soeren, mailed, P("a@b.dk")])  # a name that is an address: no one
    assert named["annemarie"] == [anne] and named["anne"] == [anne] and named["soren"] == [soeren]
    assert addressed == {"soren": [mailed]}


def test_a_record_given_by_address_and_one_by_name_are_a_likely_pair_with_how_many_fit():
    named, mailed = P("Henrik Sørensen"), P(None, "henrik.soerensen@kommune.dk")
    assert likely_duplicates([named, mailed], DOMAINS) == [(mailed, named, 1)]
    twin = P("Henrik Sørensen")
    assert likely_duplicates([named, mailed, twin], DOMAINS) == [(mailed, named, 2), (mailed, twin, 2)]


def test_no_pair_outside_the_municipalitys_domain_nor_with_someone_who_has_an_address_of_their_own():
    named, mailed = P("Henrik Sørensen"), P(None, "henrik.soerensen@gmail.com")
    assert likely_duplicates([named, mailed], DOMAINS) == []
    owned = P("Henrik Sørensen", "hs@kommune.dk")
    assert likely_duplicates([owned, P(None, "henrik.soerensen@kommune.dk")], DOMAINS) == []
    assert likely_duplicates([P("Henrik Sørensen", "henrik.soerensen@kommune.dk")], DOMAINS) == []  # itself
