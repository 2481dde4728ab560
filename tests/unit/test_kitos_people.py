"""A KITOS user and a person the register knows only by e-mail, or only by name, are one person
when the address spells the name and nothing else fits (domain/person_match.py); otherwise every
candidate is listed (pure)."""

from __future__ import annotations

from uuid import uuid4

from domain.import_model import KnownPerson, KnownUnit, Snapshot
from domain.kitos_plan import Kitos, Links, plan_sync

UNIT = KnownUnit(uuid4(), "Kommune", "forvaltning")


def sync(users: dict[str, dict], people: list[KnownPerson], today):
    usages = [{"uuid": f"u{n}", "systemContext": {"name": f"System {n}"}, "lastModified": "2026-01-02T00:00:00Z",
               "roles": [{"role": {"name": "Systemejer"}, "user": {"uuid": uuid, "name": "?"}}]}
              for n, uuid in enumerate(users)]
    kitos = Kitos("https://kitos.test", [{"uuid": "root", "name": "Kommune"}], usages, users)
    return plan_sync(kitos, Snapshot([UNIT], people), Links(), today).plan


def owners(plan) -> list:
    return [c.person for c in plan.changes if c.kind == "assign"]


def test_a_user_named_as_a_registered_address_spells_is_that_person(today):
    known = KnownPerson(uuid4(), None, "henrik.soerensen@kommune.dk")
    plan = sync({"k1": {"firstName": "Henrik", "lastName": "Sørensen", "email": None}}, [known], today)
    assert plan.people == [] and owners(plan) == [known.id]
    assert [p.kind for p in plan.problems if p.kind in ("linked", "possible_duplicate")] == ["linked"]


def test_a_users_address_that_spells_a_registered_name_without_an_address_is_that_person(today):
    known = KnownPerson(uuid4(), "Åse Løkke", None)
    other = KnownPerson(uuid4(), "Bo Ravn", "bo.ravn@kommune.dk")
    plan = sync({"k1": {"firstName": "Aase", "lastName": "Lokke", "email": "aase.lokke@kommune.dk"}}, [known, other], today)
    assert plan.people == [] and owners(plan) == [known.id]


def test_two_registered_people_whom_the_address_spells_are_listed_and_the_user_is_new(today):
    one, two = KnownPerson(uuid4(), "Henrik Sørensen", None), KnownPerson(uuid4(), "Henrik Sorensen", None)
    plan = sync({"k1": {"firstName": "H", "lastName": "S", "email": "henrik.sorensen@kommune.dk"}}, [one, two], today)
    assert [p.email for p in plan.people] == ["henrik.sorensen@kommune.dk"]
    [duplicate] = plan.possible_duplicates
    assert duplicate.records[0] == "H S <henrik.sorensen@kommune.dk> (KITOS)"
    assert {str(one.id), str(two.id)} == {r.rsplit(", ", 1)[1].rstrip(")") for r in duplicate.records[1:]}


def test_an_address_in_another_domain_is_not_linked(today):
    known = KnownPerson(uuid4(), "Åse Løkke", None)
    plan = sync({"k1": {"firstName": "X", "lastName": "Y", "email": "aase.loekke@gmail.com"},
                 "k2": {"firstName": "Bo", "lastName": "Ravn", "email": "bo@kommune.dk"},
                 "k3": {"firstName": "Ib", "lastName": "Ravn", "email": "ib@kommune.dk"}}, [known], today)
    assert len(plan.people) == 3 and known.id not in owners(plan) and plan.possible_duplicates == []
