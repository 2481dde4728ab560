"""One inventory naming the same person once by e-mail and once by name: linked where the
directory (or the file itself) makes it certain, reported where it does not; never a silent
duplicate person (pure)."""

from __future__ import annotations

from uuid import uuid4

from domain.import_plan import KnownPerson, Snapshot, plan_import
from tests.unit.test_inventory import HEADERS, _store_with, row


def kinds(plan) -> list[tuple[int, str]]:
    return [(p.row, p.kind) for p in plan.problems]


def owners(plan) -> list:
    return [c.person for c in plan.changes if c.kind == "assign"]


def test_a_name_with_an_email_then_the_name_alone_is_one_new_person(today):
    plan = plan_import([row(2, "A", "Bo Ravn <bo@kommune.dk>"), row(3, "B", "Bo Ravn")], HEADERS, Snapshot(), today)
    assert [(p.name, p.email) for p in plan.people] == [("Bo Ravn", "bo@kommune.dk")]
    assert len(set(owners(plan))) == 1 and kinds(plan) == []


def test_the_name_alone_then_with_an_email_is_one_new_person_who_gets_the_email_and_it_is_reported(today):
    plan = plan_import([row(2, "A", "Bo Ravn"), row(3, "B", "Bo Ravn <bo@kommune.dk>"), row(4, "C", "bo@kommune.dk")],
                       HEADERS, Snapshot(), today)
    assert [(p.name, p.email) for p in plan.people] == [("Bo Ravn", "bo@kommune.dk")]
    assert len(set(owners(plan))) == 1
    assert kinds(plan) == [(3, "linked")] and "row 2" in plan.problems[0].detail


def test_an_unknown_email_beside_the_name_of_the_one_registered_person_without_email_links_to_them(today):
    bo = KnownPerson(uuid4(), "Bo Ravn", None)
    store = _store_with(None)
    plan = plan_import([row(2, "A", "Bo Ravn <bo@kommune.dk>")], HEADERS, Snapshot(store.units, [bo], store.systems), today)
    assert plan.people == [] and owners(plan) == [bo.id]
    assert kinds(plan) == [(2, "linked")] and "no e-mail" in plan.problems[0].detail


def test_an_email_beside_a_name_someone_else_has_with_another_email_is_a_new_person_and_reported(today):
    bo = KnownPerson(uuid4(), "Bo Ravn", "bo.ravn@kommune.dk")
    store = _store_with(None)
    plan = plan_import([row(2, "A", "Bo Ravn <bora@kommune.dk>")], HEADERS, Snapshot(store.units, [bo], store.systems), today)
    assert [(p.name, p.email) for p in plan.people] == [("Bo Ravn", "bora@kommune.dk")]
    assert kinds(plan) == [(2, "possible_duplicate")] and "correct the file" in plan.problems[0].detail


def test_two_addresses_under_one_name_in_the_file_make_the_bare_name_ambiguous(today):
    plan = plan_import([row(2, "A", "Bo Ravn <bo@a.dk>"), row(3, "B", "Bo Ravn <bo@b.dk>"), row(4, "C", "Bo Ravn")],
                       HEADERS, Snapshot(), today)
    assert [p.email for p in plan.people] == ["bo@a.dk", "bo@b.dk"]
    assert kinds(plan) == [(3, "possible_duplicate"), (4, "flagged_holder")]
    assert "2 people have this name" in plan.problems[1].detail


def test_a_known_email_is_certain_whatever_the_name_beside_it(today):
    bo = KnownPerson(uuid4(), "Bo Ravn", "bo@kommune.dk")
    store = _store_with(None)
    plan = plan_import([row(2, "A", "B. Ravn <BO@kommune.dk>"), row(3, "B", "Bo Ravn")], HEADERS,
                       Snapshot(store.units, [bo], store.systems), today)
    assert plan.people == [] and owners(plan) == [bo.id, bo.id] and kinds(plan) == []


def test_an_email_that_several_registered_people_have_is_reported_and_matches_none_of_them(today):
    from infra.confusables import skeleton

    twins = [KnownPerson(uuid4(), "Bo Ravn", "bo@kommune.dk"), KnownPerson(uuid4(), "Bo Ravn", "BO@kommune.dk")]
    store = _store_with(None)
    plan = plan_import([row(2, "A", "bo@kommune.dk")], HEADERS, Snapshot(store.units, twins, store.systems), today,
                       skeleton=skeleton)
    assert plan.people == [] and owners(plan) == [] and kinds(plan) == [(2, "flagged_holder")]
    assert "2 people have this e-mail address" in plan.problems[0].detail


def test_an_email_in_a_look_alike_form_is_the_registered_persons(today):
    from infra.confusables import skeleton

    bo = KnownPerson(uuid4(), "Bo Ravn", "bo@kommune.dk")
    store = _store_with(None)
    snapshot = Snapshot(store.units, [bo], store.systems)
    plan = plan_import([row(2, "A", "BО@Kommune.dk\u200b"), row(3, "B", "Bo Ravn")], HEADERS, snapshot, today,
                       skeleton=skeleton)  # a Cyrillic О and a zero-width space
    assert plan.people == [] and owners(plan) == [bo.id, bo.id] and kinds(plan) == []


def test_a_row_with_a_control_character_in_a_name_is_reported_and_skipped(today):
    plan = plan_import([row(2, "Løn\x07system", "Bo Ravn"), row(3, "ESDH", "Bo Ravn")], HEADERS, Snapshot(), today)
    assert [s.name for s in plan.systems] == ["ESDH"] and kinds(plan) == [(2, "unreadable")]
    assert "U+0007" in plan.problems[0].detail


def test_an_address_that_spells_a_name_given_elsewhere_is_that_person_whichever_comes_first(today):
    for cells in (["henrik.soerensen@kommune.dk", "Henrik Sørensen"], ["Henrik Sørensen", "henrik.soerensen@kommune.dk"]):
        plan = plan_import([row(2, "A", cells[0]), row(3, "B", cells[1]), row(4, "C", "bo.ravn@kommune.dk")],
                           HEADERS, Snapshot(), today)
        assert sorted((p.name or "", p.email) for p in plan.people) == [
            ("", "bo.ravn@kommune.dk"), ("Henrik Sørensen", "henrik.soerensen@kommune.dk")]
        assert len(set(owners(plan))) == 2 and kinds(plan) == [(3, "linked")]


def test_an_address_in_another_domain_than_the_municipalitys_is_not_linked(today):
    plan = plan_import([row(2, "A", "Henrik Sørensen"), row(3, "B", "henrik.soerensen@gmail.com"),
                        row(4, "C", "bo@kommune.dk"), row(5, "D", "ib@kommune.dk")], HEADERS, Snapshot(), today)
    assert len(plan.people) == 4 and kinds(plan) == []


def test_an_address_that_spells_two_peoples_names_is_not_guessed_and_both_are_listed(today):
    plan = plan_import([row(2, "A", "Henrik Sørensen"), row(3, "B", "Henrik Sorensen"),
                        row(4, "C", "henrik.sorensen@kommune.dk")], HEADERS, Snapshot(), today)
    assert len(plan.people) == 3 and kinds(plan) == [(4, "possible_duplicate")]
    [duplicate] = plan.possible_duplicates
    assert duplicate.row == 4 and duplicate.column == "Systemejer"
    assert duplicate.records == ("henrik.sorensen@kommune.dk (row 4)", "Henrik Sørensen (row 2)", "Henrik Sorensen (row 3)")


def test_a_name_alone_links_to_the_registered_person_whose_address_spells_it(today):
    known = KnownPerson(uuid4(), None, "aase.loekke@kommune.dk")
    store = _store_with(None)
    plan = plan_import([row(2, "A", "Åse Løkke")], HEADERS, Snapshot(store.units, [known], store.systems), today)
    assert plan.people == [] and owners(plan) == [known.id] and kinds(plan) == [(2, "linked")]


def test_an_address_beside_a_registered_namesake_with_another_address_is_listed_not_linked(today):
    known = KnownPerson(uuid4(), "Åse Løkke", "al@kommune.dk")
    store = _store_with(None)
    plan = plan_import([row(2, "A", "aase.loekke@kommune.dk")], HEADERS, Snapshot(store.units, [known], store.systems), today)
    assert [p.email for p in plan.people] == ["aase.loekke@kommune.dk"] and kinds(plan) == [(2, "possible_duplicate")]
    assert "Åse Løkke <al@kommune.dk> (registered" in plan.possible_duplicates[0].records[1]


def test_the_import_page_says_a_link_and_a_possible_duplicate_in_danish(today):
    from api.ui.words import import_detail

    plan = plan_import([row(2, "A", "Henrik Sørensen"), row(3, "B", "henrik.soerensen@kommune.dk"),
                        row(4, "C", "Henrik Sorensen"), row(5, "D", "henrik.sorensen@kommune.dk")], HEADERS, Snapshot(), today)
    assert kinds(plan) == [(3, "linked"), (5, "possible_duplicate")]
    linked, duplicate = (import_detail(p.detail) for p in plan.problems)
    assert linked == ("Samme person som Henrik Sørensen <henrik.soerensen@kommune.dk> (række 2): adressen staver navnet"
                      " (æ, ø, å som ae, oe eller o, aa eller a): én person", "da")
    assert duplicate[1] == "da" and "(række 2) eller Henrik Sorensen (række 4)" in duplicate[0]
