"""Correcting a person's name and e-mail: the directory takes the new ones, the log records their
salted digests (never the text), and an erased person is not brought back by a correction."""

from __future__ import annotations

import json


def test_an_admin_corrects_a_name_and_email_and_the_log_records_only_digests(api):
    unit = api.org_unit("Kultur", "forvaltning")
    person = api.person("Ida Jensen", unit, "teamleder")
    done = api.post(f"/people/{person}/correction", {"name": "Ida Jensen-Holm", "email": "ida@k.dk"})
    shown = api.get(f"/people/{person}", after=done["position"])
    assert (shown["name"], shown["email"], shown["title"]) == ("Ida Jensen-Holm", "ida@k.dk", "teamleder")
    assert [p["id"] for p in api.get("/people", q="jensen-holm")["items"]] == [person]  # searched by the new name
    events = api.as_person(api.person("Revisor", unit), "auditor").get("/events", after=done["position"] - 1, limit=1)
    assert events["items"][0]["topic"] == "ansvar.person.details_corrected.v1"
    assert "Ida" not in json.dumps(events) and "ida@" not in json.dumps(events)
    again = api.post(f"/people/{person}/correction", {"email": None})  # null: the address is removed
    assert api.get(f"/people/{person}", after=again["position"])["email"] is None


def test_an_erased_person_is_not_corrected_and_bad_input_names_the_field(api):
    unit = api.org_unit("Kultur", "forvaltning")
    person = api.person("Hans Hansen", unit)
    council = api.as_person(api.person("Rådsmedlem", unit), "council")
    assert "admin" in council.post(f"/people/{person}/correction", {"name": "X"}, expect=403)["detail"]
    for body in ({}, {"name": ""}, {"name": "Hans", "email": "not an address"}, {"name": "Hans", "age": 3}):
        problem = api.post(f"/people/{person}/correction", body, expect=422)
        assert any(word in str(problem) for word in ("name", "email", "age")), problem
    api.post("/people/00000000-0000-0000-0000-000000000001/correction", {"name": "X"}, expect=404)
    api.post(f"/people/{person}/erasure", {"basis": "request 3"})
    problem = api.post(f"/people/{person}/correction", {"name": "Hans Hansen"}, expect=409)
    assert "erased" in problem["detail"]
    assert api.get(f"/people/{person}", after=api.position)["erased"] is True
