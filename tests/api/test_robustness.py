"""What a hostile but honest tester tried over HTTP: nothing they send may stop the record."""

from __future__ import annotations

import pytest

from tests.conftest import one_backend
from tests.story import on


@pytest.fixture
def scene(api):
    unit = api.org_unit("Kommune", "kommune")
    owner = api.person("Ejer", unit)
    system = api.system("ESDH", unit)
    api.assign(system, "systemejer", owner, on("2024-01-01"))
    return unit, owner, system


@pytest.mark.parametrize("path, body, field", [
    ("handovers", {"role": "systemejer", "to_person_id": None, "effective_from": "9999-12-31"}, "effective_from"),
    ("assignments", {"role": "systemejer", "person_id": None, "effective_from": "1899-12-31"}, "effective_from"),
    ("assignments", {"role": "systemejer", "person_id": None, "effective_from": "2020-01-01",
                     "effective_to": "9999-12-31"}, "effective_to"),
    ("vacancies", {"role": "systemejer", "effective_from": "0001-01-01", "reason": "x"}, "effective_from"),
    ("lifecycle", {"lifecycle": "pilot", "effective_from": "9999-06-01"}, "effective_from"),
])
def test_a_date_the_system_cannot_compute_with_is_a_422_naming_the_field_and_nothing_is_written(
    api, scene, path, body, field,
):
    _, owner, system = scene
    body = {k: (owner if v is None else v) for k, v in body.items()}
    before = api.client.app.state.portfolio.recorder.max_notification_id()
    actor = api.as_person(owner) if path == "handovers" else api
    refused = actor.post(f"/systems/{system}/{path}", body, expect=422)
    assert refused["field"] == field and "1900-01-01" in refused["detail"] and "9998-12-31" in refused["detail"]
    assert api.client.app.state.portfolio.recorder.max_notification_id() == before
    assert api.client.get("/ready").status_code == 200


def test_a_second_open_claim_for_the_same_role_is_a_409_naming_the_first(api, scene):
    unit, _, system = scene
    someone = api.person("Kollega", unit)
    me = api.as_person(someone)
    first = me.post(f"/systems/{system}/claims", {"role": "dataejer", "person_id": someone, "statement": "Mine"})
    again = me.post(f"/systems/{system}/claims", {"role": "dataejer", "person_id": someone, "statement": "Mine!"},
                    expect=409)
    assert again["type"] == "/problems/claim-already-open" and again["claim_id"] == first["claim_id"]
    gaps = api.get("/responsibility-gaps", system_id=system, rule="competing_claims")["items"]
    assert gaps == []  # no competing claims against oneself
    me.post(f"/systems/{system}/claims", {"role": "forretningsejer", "person_id": someone, "statement": "Also"})


def test_claiming_a_role_one_already_holds_is_a_409_naming_the_holding(api, scene):
    _, owner, system = scene
    refused = api.as_person(owner).post(f"/systems/{system}/claims",
                                        {"role": "systemejer", "person_id": owner, "statement": "Mine"}, expect=409)
    assert refused["type"] == "/problems/already-holds-role" and refused["effective_from"] == on("2024-01-01")
    assert "fact_position" in refused


@one_backend
@pytest.mark.parametrize("path", ["/systems", "/org-units", "/decisions", "/proposals"])
def test_a_body_nested_too_deep_is_a_400_not_a_500(api, path):
    body = b'{"name": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    answer = api.client.post(path, content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "deep" in answer.json()["detail"]


@pytest.mark.parametrize("wildcard", ["%", "_", "%%", "\\"])
def test_like_wildcards_in_a_search_are_letters_not_wildcards(api, scene, wildcard):
    unit, _, _ = scene
    api.system("Løn_100%", unit)
    found = [s["name"] for s in api.get("/systems", q=wildcard)["items"]]
    assert found == []  # search folds punctuation away: a wildcard alone is nothing to look for, never "anything"
    assert [s["name"] for s in api.get("/systems", q=f"løn{wildcard}100")["items"]] == ["Løn_100%"]


@one_backend
@pytest.mark.parametrize("known_at", ["-5e-324", "0", "1700000000", "2025-13-01T00:00:00+00:00", "yesterday"])
def test_a_known_at_that_is_not_a_time_is_a_422_naming_it(api, scene, known_at):
    _, _, system = scene
    refused = api.get(f"/systems/{system}/accountability", known_at=known_at, expect=422)
    assert refused["field"] == "known_at" and "YYYY-MM-DD" in refused["detail"]


def test_known_at_a_date_means_as_the_record_stood_at_the_end_of_that_day(api, scene, today, clock):
    _, owner, system = scene
    from datetime import timedelta

    clock.advance(timedelta(days=1))
    later = api.person("Ny ejer", scene[0])
    api.assign(system, "systemejer", later, on("2024-01-01"))  # recorded tomorrow (Danish time)
    at = on("2024-06-01")
    assert api.holders(system, at, known_at=today.isoformat()) == {"systemejer": owner}
    assert api.holders(system, at, known_at=(today + timedelta(days=1)).isoformat()) == {"systemejer": later}


@one_backend
def test_an_idempotency_key_sent_again_to_another_route_is_a_422_that_says_so(api, scene):
    unit, _, _ = scene
    first = api.client.post("/org-units", json={"name": "Team A", "level": "team", "parent_id": unit},
                            headers={"Idempotency-Key": "k-route"})
    assert first.status_code == 201
    other = api.client.post("/people", json={"name": "Kim", "org_unit_id": unit}, headers={"Idempotency-Key": "k-route"})
    assert other.status_code == 422 and "another request" in other.json()["detail"]
    assert "POST /org-units" in other.json()["detail"]


@one_backend
def test_an_admin_does_not_record_their_own_departure(api, today):
    kommune = api.org_unit("Kommune", "kommune")
    admin, other = api.person("Admin", kommune), api.person("Anden admin", kommune)
    refused = api.as_person(admin, "admin").post(f"/people/{admin}/departure", {"effective": today.isoformat()},
                                                  expect=403)
    assert refused["field"] == "person_id" and "another admin" in refused["detail"]
    api.as_person(other, "admin").post(f"/people/{admin}/departure", {"effective": today.isoformat()})
