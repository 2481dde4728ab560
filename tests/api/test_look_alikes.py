"""Identities that look alike are one: a system named like a sibling in its org unit (case, a
zero-width space, a Cyrillic letter, a full-width one) is a 409 naming the sibling, as is a second
person with an e-mail address someone has; an import holder that more than one person matches is
reported, never matched to one of them."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from domain.identity import identity_key
from infra.confusables import skeleton
from tests.api.test_exports_truth import upload

LOOK_ALIKES = ["Асtive Directory", "Active\u200bDirectory", "ACTIVE  directory", "Ａctive Directory", "Active Dіrectory"]


@pytest.mark.parametrize("name", LOOK_ALIKES)
def test_a_system_named_like_a_sibling_is_refused_naming_it(api, name):
    unit = api.org_unit("Testkommune", "kommune")
    first = api.system("Active Directory", unit)
    refused = api.post("/systems", {"name": name, "org_unit_id": unit, "criticality": "high", "personal_data": True,
                                    "lifecycle": "pilot"}, expect=409)
    assert refused["type"].endswith("/system-name-taken") and refused["field"] == "name"
    assert refused["existing_id"] == first and refused["existing_name"] == "Active Directory"
    other = api.org_unit("Andenkommune", "kommune")
    api.system(name, other)  # another org unit may have it
    assert api.system("Active Directory 2", unit)  # and this one a name that only starts alike


def test_a_look_alike_registered_before_the_check_is_found_in_the_register_and_old_look_alikes_keep_working(api):
    unit = api.org_unit("Testkommune", "kommune")
    portfolio = api.client.app.state.runtime.portfolio
    checks = portfolio.skeleton, portfolio.systems_in_unit
    portfolio.skeleton, portfolio.systems_in_unit = (lambda s: s), None  # as before this rule
    older = [str(portfolio.register_system(n, None, UUID(unit), "high", True, "pilot", date(2020, 1, 1)).id)
             for n in ("Active Directory", "Асtive Directory")]
    portfolio.skeleton, portfolio.systems_in_unit = checks
    api.position = portfolio.recorder.max_notification_id()
    refused = api.post("/systems", {"name": "Active\u200bDirectory", "org_unit_id": unit, "criticality": "high",
                                    "personal_data": True, "lifecycle": "pilot"}, expect=409)
    assert refused["existing_id"] in older
    names = {s["id"]: s["name"] for s in api.get("/systems", org_unit_id=unit)["items"]}
    assert names == dict(zip(older, ("Active Directory", "Асtive Directory"), strict=True))
    for what in ("register", "gaps"):
        assert api.client.get(f"/exports/{what}", params={"format": "xlsx", "after": api.position}).status_code == 200


@pytest.mark.parametrize("email", ["BO@kommune.dk", "bo@kommune.dk", "bo@kommune.dk\u200b", "bо@kommune.dk"])
def test_a_second_person_with_an_e_mail_address_someone_has_is_refused_naming_them(api, email):
    unit = api.org_unit("Testkommune", "kommune")
    bo = api.post("/people", {"name": "Bo Larsen", "org_unit_id": unit, "email": "Bo@Kommune.dk"})["id"]
    refused = api.post("/people", {"name": "Bo Nielsen", "org_unit_id": unit, "email": email}, expect=409)
    assert refused["type"].endswith("/email-taken") and refused["field"] == "email"
    assert refused["existing_id"] == bo and refused["existing_name"] == "Bo Larsen"
    api.post("/people", {"name": "Bo Nielsen", "org_unit_id": unit, "email": "bo.nielsen@kommune.dk"})


def test_an_import_holder_that_several_people_match_by_e_mail_is_reported_not_guessed(api, monkeypatch):
    unit = api.org_unit("Økonomiforvaltningen", "forvaltning")
    portfolio = api.client.app.state.runtime.portfolio
    monkeypatch.setattr(portfolio, "_emails_unused", lambda *_: None)
    for name, email in (("Bo Larsen", "bo@kommune.dk"), ("Bo Larsen", "BO@kommune.dk")):  # as before the rule
        portfolio.register_person(name, UUID(unit), None, email)
    api.position = portfolio.recorder.max_notification_id()
    csv = "Systemnavn;Forvaltning;Systemejer\r\nLønsystem;Økonomiforvaltningen;bo@kommune.dk\r\n"
    report = upload(api, csv.encode(), "it.csv")
    assert report["people"] == {"to_create": 0, "matched": 0}
    (problem,) = [p for p in report["problems"] if p["value"] == "bo@kommune.dk"]
    assert "2 people" in problem["detail"]
    system = api.get("/systems")["items"][0]["id"]
    assert api.holders(system, api.get("/systems")["items"][0]["registered_at"][:10]) == {}


def test_an_import_row_naming_a_look_alike_of_a_registered_system_is_that_system(api):
    unit = api.org_unit("Økonomiforvaltningen", "forvaltning")
    first = api.system("Active Directory", unit)
    sheet = "Systemnavn;Forvaltning;Leverandør\r\nАсtive\u200bDirectory;Økonomiforvaltningen;Microsoft\r\n"
    report = upload(api, sheet.encode(), "it.csv")
    assert report["systems"] == {"to_create": 0, "matched": 1}
    assert [s["id"] for s in api.get("/systems")["items"]] == [first]


def test_the_comparison_key():
    key = lambda text: identity_key(text, skeleton)  # noqa: E731
    assert len({key(n) for n in ["Active Directory", *LOOK_ALIKES]}) == 1
    assert key("Lønsystem") != key("Lonsystem") and key("Åben") != key("Aben")  # Danish letters are letters
    assert key("Bo@Kommune.dk") == key("bo@kommune.dk") != key("bo@kommune.com")
