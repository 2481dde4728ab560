"""What people type into an inventory, read the way the domain means it (pure, no I/O)."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import inventory as inv
from domain.import_plan import (
    KnownPerson,
    KnownSystem,
    KnownUnit,
    Snapshot,
    plan_import,
)


@pytest.mark.parametrize("typed, meant", [
    ("Kritisk", "critical"), ("Forretningskritisk", "critical"), ("kritisk", "critical"), ("Høj", "high"),
    ("høj ", "high"), ("Høj ", "high"), ("Middel", "medium"), ("mellem", "medium"), ("Lav", "low"), ("", None),
])
def test_criticality_as_typed_means_one_level(typed, meant):
    assert inv.criticality(typed) == meant


@pytest.mark.parametrize("typed, meant", [
    ("I drift", "in_operation"), ("i drift", "in_operation"), ("Under udfasning", "phasing_out"),
    ("Pilot", "pilot"), ("Under afprøvning", "pilot"), ("Under indfasning", "phasing_in"),
    ("Ikke i drift", "not_in_operation"), ("Afviklet", "decommissioned"), (None, None),
])
def test_lifecycle_labels_as_typed(typed, meant):
    assert inv.lifecycle(typed) == meant


@pytest.mark.parametrize("typed, meant", [
    ("Ja", True), ("ja (følsomme)", True), ("Nej", False), ("?", None), ("", None), ("Ved ikke", None),
])
def test_yes_no_and_unknown(typed, meant):
    assert inv.yes_no(typed) is meant


@pytest.mark.parametrize("typed, meant", [("B", "B"), ("K", "K"), ("B+K", "B+K"), ("k / b", "B+K"), ("Ved ikke", None), ("", None)])
def test_archive_duty(typed, meant):
    assert inv.archive_duty(typed) == meant


@pytest.mark.parametrize("typed, meant", [
    ("01-02-2019", date(2019, 2, 1)), ("1.2.2019", date(2019, 2, 1)), ("2019-02-01", date(2019, 2, 1)),
    ("feb 2019", date(2019, 2, 1)), ("2019", date(2019, 1, 1)), ("maj 2013", date(2013, 5, 1)),
    ("okt 2010", date(2010, 10, 1)), (date(2020, 3, 4), date(2020, 3, 4)), ("", None),
])
def test_dates_as_typed(typed, meant):
    assert inv.day(typed) == meant


@pytest.mark.parametrize("reader, typed", [
    (inv.criticality, "Ekstrem"), (inv.lifecycle, "Måske"), (inv.yes_no, "Kun lidt"), (inv.archive_duty, "X"),
    (inv.day, "31.2.2019"), (inv.day, "i fjor"),
])
def test_unreadable_values_are_refused_not_guessed(reader, typed):
    with pytest.raises(inv.NotUnderstood):
        reader(typed)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_every_written_date_form_reads_back_as_the_same_day(d):
    for text in (d.isoformat(), d.strftime("%d-%m-%Y"), f"{d.day}.{d.month}.{d.year}"):
        assert inv.day(text) == d


UNITS = frozenset({"ejendomme", "it-drift", "digitalisering"})


@pytest.mark.parametrize("cell, expected", [
    ("Peter Pedersen", inv.PersonRef(name="Peter Pedersen")),
    ("Peter Pedersen (specialkonsulent, Socialpsykiatri)",
     inv.PersonRef(name="Peter Pedersen", title="specialkonsulent", unit="Socialpsykiatri")),
    ("Anders.Andersen@Kommune.dk", inv.PersonRef(email="anders.andersen@kommune.dk")),
    ("Ib Møller <ib.moller@kommune.dk>", inv.PersonRef(name="Ib Møller", email="ib.moller@kommune.dk")),
])
def test_a_cell_naming_one_person_is_read_as_that_person(cell, expected):
    assert inv.holder(cell, UNITS) == expected


@pytest.mark.parametrize("cell", [
    "Ejendomme", "IT-drift", "Digitalisering", "IT", "IT-afdelingen", "Henrik Jørgensen / Niels Mortensen",
    "Anne Hansen og Bo Larsen", "a@kommune.dk, b@kommune.dk",
])
def test_a_department_or_two_people_is_not_guessed(cell):
    read = inv.holder(cell, UNITS)
    assert isinstance(read, inv.Unresolved) and read.text == cell


def test_header_is_found_below_title_rows_by_danish_or_english_names():
    rows = [["IT-systemer, Testkommune"], [], ["Name", "Vendor", "System owner", "Criticality"], ["X", "Y", "Z", "Lav"]]
    assert inv.find_header(rows) == (2, {"name": 0, "vendor": 1, "systemejer": 2, "criticality": 3})
    assert inv.find_header([["a", "b"], ["1", "2"]]) is None
    assert inv.find_header([["App", "Firma", "Ejer"]], {"App": "name", "Firma": "vendor", "Ejer": "systemejer"}) == (
        0, {"name": 0, "vendor": 1, "systemejer": 2}
    )


HEADERS = {"name": "Systemnavn", "forvaltning": "Forvaltning", "afdeling": "Afdeling", "systemejer": "Systemejer",
           "lifecycle": "Livscyklus"}


def row(n: int, name: str, owner: str, lifecycle: str = "I drift", afdeling: str = "Jobcenter") -> tuple[int, dict]:
    return n, {"name": name, "forvaltning": "Beskæftigelse", "afdeling": afdeling, "systemejer": owner, "lifecycle": lifecycle}


def test_given_an_empty_store_when_planned_then_units_people_systems_and_facts_are_to_be_created(today):
    plan = plan_import([row(2, "A", "Bo Larsen"), row(3, "B", "Bo Larsen"), row(4, "C", "Jobcenter")], HEADERS, Snapshot(), today)
    assert [u.name for u in plan.units] == ["Beskæftigelse", "Jobcenter"]
    assert [p.name for p in plan.people] == ["Bo Larsen"]  # one person, named twice
    assert [s.name for s in plan.systems] == ["A", "B", "C"]
    assert [(c.kind, c.row) for c in plan.changes] == [("assign", 2), ("assign", 3), ("vacate", 4)]
    assert plan.changes[2].reason == "Jobcenter"
    assert [(p.row, p.column, p.value, p.kind) for p in plan.problems] == [(4, "Systemejer", "Jobcenter", "flagged_holder")]


def test_a_system_listed_twice_is_reported_not_merged(today):
    plan = plan_import([row(2, "ESDH", "Bo Larsen"), row(3, " esdh ", "Ib Møller", afdeling="Ydelse")], HEADERS, Snapshot(), today)
    assert [s.row for s in plan.systems] == [2]
    assert [(p.row, p.kind, p.value) for p in plan.problems] == [(3, "duplicate", " esdh ")]
    assert "row 2" in plan.problems[0].detail


def _store_with(owner: KnownPerson | None, reason: str | None = None, lifecycle: str = "in_operation") -> Snapshot:
    f, a = KnownUnit(uuid4(), "Beskæftigelse", "forvaltning"), None
    a = KnownUnit(uuid4(), "Jobcenter", "afdeling", f.id)
    holders = {"systemejer": (owner.id if owner else None, reason)}
    system = KnownSystem(uuid4(), "A", a.id, lifecycle, "medium", True, None, holders)
    return Snapshot([f, a], [owner] if owner else [], [system])


def test_given_the_store_already_says_it_when_planned_again_then_nothing_is_to_be_written(today):
    bo = KnownPerson(uuid4(), "Bo Larsen", None)
    assert plan_import([row(2, "A", "Bo Larsen")], HEADERS, _store_with(bo), today).writes_nothing
    assert plan_import([row(2, "A", "IT / Drift")], HEADERS, _store_with(None, "IT / Drift"), today).writes_nothing


def test_given_an_updated_file_then_only_the_differences_are_planned(today):
    bo = KnownPerson(uuid4(), "Bo Larsen", None)
    plan = plan_import([row(2, "A", "Ib Møller", lifecycle="Under udfasning")], HEADERS, _store_with(bo), today)
    assert not plan.units and not plan.systems and [p.name for p in plan.people] == ["Ib Møller"]
    assert sorted((c.kind, c.effective_from) for c in plan.changes) == [("assign", today), ("lifecycle", today)]


def test_a_name_shared_by_two_people_in_the_store_is_not_guessed(today):
    store = _store_with(None)
    twins = [KnownPerson(uuid4(), "Bo Larsen", None), KnownPerson(uuid4(), "Bo Larsen", None)]
    plan = plan_import([row(2, "A", "Bo Larsen")], HEADERS, Snapshot(store.units, twins, store.systems), today)
    assert [(c.kind, c.reason) for c in plan.changes] == [("vacate", "Bo Larsen")]
    assert plan.problems[0].kind == "flagged_holder" and "2 people" in plan.problems[0].detail


def test_a_departed_holder_is_flagged_not_assigned(today):
    gone = KnownPerson(uuid4(), "Bo Larsen", None, departed=True)
    store = _store_with(None)
    plan = plan_import([row(2, "A", "Bo Larsen")], HEADERS, Snapshot(store.units, [gone], store.systems), today)
    assert [c.kind for c in plan.changes] == ["vacate"] and "left" in plan.problems[0].detail


def test_a_changed_criticality_or_vendor_is_a_difference_but_a_blank_cell_is_not(today):
    bo = KnownPerson(uuid4(), "Bo Larsen", None)
    store = _store_with(bo)
    headers = {**HEADERS, "criticality": "Kritikalitet", "vendor": "Leverandør"}
    same = row(2, "A", "Bo Larsen")[1]
    assert plan_import([(2, {**same, "criticality": "", "vendor": None})], headers, store, today).writes_nothing
    plan = plan_import([(2, {**same, "criticality": "Kritisk", "vendor": "KMD"})], headers, store, today)
    assert [(c.kind, c.details) for c in plan.changes] == [("details", ("KMD", "critical", True))]
