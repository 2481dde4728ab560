"""A person who has left the municipality can no longer act or read, whatever token they still
hold; a departure announced for a later date ends their access only on that date."""

from __future__ import annotations

from datetime import timedelta


def test_once_a_person_has_left_their_tokens_are_refused_with_the_reason(api, today):
    unit = api.org_unit("Teknik og Miljø", "forvaltning")
    person = api.person("Karen Holm", unit)
    system = api.system("Vejregister", unit)
    api.assign(system, "systemejer", person, (today - timedelta(days=400)).isoformat())
    karen = api.as_person(person, "council")
    assert karen.get(f"/systems/{system}/accountability")["holders"]

    api.post(f"/people/{person}/departure", {"effective": today.isoformat()})
    for path in (f"/systems/{system}/accountability", "/systems", f"/people/{person}/responsibilities"):
        problem = karen.get(path, expect=403, after=api.position)
        assert "left on" in problem["detail"] and today.isoformat() in problem["detail"], problem
    body = {"role": "dataejer", "person_id": person, "effective_from": today.isoformat()}
    problem = karen.post(f"/systems/{system}/assignments", body, expect=403)
    assert "access has ended" in problem["detail"]
    # The refusal is about the person, not the data: their history stays readable by others.
    assert api.get(f"/systems/{system}/accountability", at=(today - timedelta(days=1)).isoformat())["holders"]


def test_a_departure_announced_for_later_ends_access_on_that_date_not_before(api, today):
    unit = api.org_unit("Børn og Unge", "forvaltning")
    person = api.person("Ole Dam", unit)
    api.post(f"/people/{person}/departure", {"effective": (today + timedelta(days=30)).isoformat()})
    ole = api.as_person(person)
    assert ole.get(f"/people/{person}/responsibilities", after=api.position)["holds"] == []


def test_people_not_in_the_directory_are_unaffected(api):
    # Tokens for service accounts and administrators need not name a registered person.
    assert api.get("/systems")["items"] == []
