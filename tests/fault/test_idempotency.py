"""Retries: an Idempotency-Key on a command gives the first answer again and writes nothing twice."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from eventsourcing.persistence import OperationalError

from tests.story import on


def head(api) -> int:
    return api.client.app.state.runtime.catchup.head()


@pytest.fixture
def unit(api) -> str:
    return api.org_unit("Testkommune", "kommune")


def register(api, unit, key, name="ESDH", **extra):
    body = {"name": name, "org_unit_id": unit, "criticality": "high", "personal_data": True, "lifecycle": "pilot", **extra}
    return api.client.post("/systems", json=body, headers={"Idempotency-Key": key})


def test_given_a_command_with_a_key_when_it_is_retried_then_the_first_answer_returns_and_nothing_is_written_twice(api, unit):
    first = register(api, unit, "k-1")
    assert first.status_code == 201
    written = head(api)
    again = register(api, unit, "k-1")
    assert (again.status_code, again.content) == (201, first.content)
    assert again.headers["idempotent-replayed"] == "true"
    assert head(api) == written
    assert len(api.get("/systems", after=first.json()["position"])["items"]) == 1


def test_given_a_used_key_when_it_comes_with_another_body_then_it_is_a_422_and_nothing_is_written(api, unit):
    register(api, unit, "k-2")
    written = head(api)
    other = register(api, unit, "k-2", name="Lønsystem")
    assert other.status_code == 422
    assert other.json()["type"] == "/problems/idempotency-key-reused" and other.json()["field"] == "Idempotency-Key"
    assert head(api) == written


def test_given_the_same_json_with_other_spacing_and_key_order_then_it_is_the_same_request(api, unit):
    first = api.client.post("/org-units", content=b'{"name":"Skole","level":"kommune"}',
                            headers={"Idempotency-Key": "k-3", "content-type": "application/json"})
    again = api.client.post("/org-units", content=b'{ "level": "kommune",  "name": "Skole" }',
                            headers={"Idempotency-Key": "k-3", "content-type": "application/json"})
    assert first.status_code == 201 and again.content == first.content


def test_given_a_refused_command_when_it_is_retried_then_the_same_problem_returns(api):
    body = {"name": "X", "org_unit_id": str(uuid.uuid4()), "criticality": "low", "personal_data": False, "lifecycle": "pilot"}
    first = api.client.post("/systems", json=body, headers={"Idempotency-Key": "k-4"})
    again = api.client.post("/systems", json=body, headers={"Idempotency-Key": "k-4"})
    assert first.status_code == 422 and again.status_code == 422
    assert again.json()["detail"] == first.json()["detail"] and again.headers["idempotent-replayed"] == "true"


def test_a_key_that_is_not_visible_ascii_is_a_422_naming_the_header(api, unit):
    response = register(api, unit, "a key with spaces")
    assert response.status_code == 422 and response.json()["field"] == "Idempotency-Key"


def test_given_concurrent_duplicates_with_one_key_then_exactly_one_is_applied(api, unit):
    written = head(api)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: register(api, unit, "k-5", name="Omsorgssystem"), range(8)))
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {201, 409}, [a.text for a in answers]
    assert 201 in statuses
    # One system, three events (the system, its name's reservation and its look-alike's), whoever won.
    assert head(api) == written + 3
    assert {a.json()["id"] for a in answers if a.status_code == 201} == {register(api, unit, "k-5", name="Omsorgssystem").json()["id"]}


def test_given_the_answer_could_not_be_stored_then_the_client_still_gets_it_and_a_retry_gets_a_409_naming_the_position(
    api, unit, monkeypatch
):
    recorder = api.client.app.state.runtime.portfolio.recorder

    def fail(*args, **kwargs):
        raise OperationalError("connection lost after the commit")

    monkeypatch.setattr(recorder, "store_answer", fail)
    first = register(api, unit, "k-6")
    assert first.status_code == 201
    monkeypatch.undo()
    written = head(api)
    again = register(api, unit, "k-6")
    assert again.status_code == 409 and again.json()["type"] == "/problems/idempotency-key-in-flight"
    assert again.json()["position"] == first.json()["position"]
    assert head(api) == written


def test_commands_without_a_key_are_untouched(api, unit):
    api.system("A", unit)
    assert api.client.post("/systems", json={"name": "A", "org_unit_id": unit, "criticality": "low",
                                             "personal_data": False, "lifecycle": "pilot"}).status_code == 409


def test_given_a_commit_whose_acknowledgement_was_lost_when_the_insert_is_retried_then_nothing_is_written_twice(
    api, unit, monkeypatch
):
    # What the PostgreSQL recorder does on a dropped connection: it retries the insert that in
    # fact committed. The retry meets the version conflict and Portfolio._update re-runs the
    # change on the fresh state; the key must stop that second write.
    system = api.system("ESDH", unit)
    person = api.person("Ejer", unit)
    recorder = api.client.app.state.runtime.portfolio.recorder
    original = recorder.insert_events
    calls = []

    def commit_then_retry(stored_events, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            original(stored_events, **kwargs)  # committed, but the caller never hears of it
        return original(stored_events, **kwargs)

    monkeypatch.setattr(recorder, "insert_events", commit_then_retry)
    written = head(api)
    body = {"role": "systemejer", "person_id": person, "effective_from": on("2026-01-01")}
    first = api.client.post(f"/systems/{system}/assignments", json=body, headers={"Idempotency-Key": "k-7"})
    assert first.status_code == 409 and first.json()["type"] == "/problems/idempotency-key-in-flight"
    monkeypatch.undo()
    assert head(api) == written + 1
    again = api.client.post(f"/systems/{system}/assignments", json=body, headers={"Idempotency-Key": "k-7"})
    assert again.status_code == 409 and again.json()["position"] == written + 1
    assert head(api) == written + 1


def test_keys_belong_to_the_person_the_same_key_from_two_people_is_two_commands(api, unit):
    from tests.api.client import bearer

    mine = register(api, unit, "shared-key", name="Journalsystem")
    other = bearer(uuid.uuid4(), ("admin",))
    body = {"name": "Bookingsystem", "org_unit_id": unit, "criticality": "high", "personal_data": True, "lifecycle": "pilot"}
    theirs = api.client.post("/systems", json=body, headers={"Idempotency-Key": "shared-key", "Authorization": other})
    assert mine.status_code == 201 and theirs.status_code == 201, theirs.text
    assert "idempotent-replayed" not in theirs.headers and theirs.json()["id"] != mine.json()["id"]


def test_a_request_that_has_not_authenticated_never_gets_a_stored_answer(api, unit):
    first = register(api, unit, "k-auth")
    assert first.status_code == 201
    for authorization in ({"Authorization": ""}, {"Authorization": "Bearer not-a-token"}):
        body = {"name": "ESDH", "org_unit_id": unit, "criticality": "high", "personal_data": True, "lifecycle": "pilot"}
        refused = api.client.post("/systems", json=body, headers={"Idempotency-Key": "k-auth", **authorization})
        assert refused.status_code == 401 and "idempotent-replayed" not in refused.headers
        assert first.json()["id"] not in refused.text


def org_unit(api, key, name="Skoleforvaltningen"):
    return api.client.post("/org-units", json={"name": name, "level": "kommune"}, headers={"Idempotency-Key": key})


def test_an_expired_key_runs_as_a_new_command_and_is_then_remembered_afresh(api, clock):
    from datetime import timedelta

    first = org_unit(api, "k-expiring")
    assert first.status_code == 201
    clock.advance(timedelta(hours=23))
    assert org_unit(api, "k-expiring").headers["idempotent-replayed"] == "true"  # still remembered
    clock.advance(timedelta(hours=1, seconds=1))  # now past ANSVAR_IDEMPOTENCY_KEY_HOURS (24)
    written = head(api)
    again = org_unit(api, "k-expiring")
    assert again.status_code == 201 and "idempotent-replayed" not in again.headers
    assert again.json()["id"] != first.json()["id"] and head(api) == written + 1
    third = org_unit(api, "k-expiring")
    assert third.headers["idempotent-replayed"] == "true" and third.content == again.content
    assert head(api) == written + 1


def test_expired_keys_are_deleted_and_recent_ones_kept(api, clock):
    from datetime import timedelta

    from infra.idempotency import stored_key
    from infra.tokens import TokenVerifier

    runtime = api.client.app.state.runtime
    recorder = runtime.portfolio.recorder
    assert org_unit(api, "k-recent").status_code == 201
    clock.advance(timedelta(hours=23, minutes=59))
    assert runtime.forget_expired_keys() == 0  # younger than ANSVAR_IDEMPOTENCY_KEY_HOURS
    assert org_unit(api, "k-recent").headers["idempotent-replayed"] == "true"
    clock.advance(timedelta(minutes=2))
    assert runtime.forget_expired_keys() >= 1
    person = TokenVerifier(runtime.settings.auth, clock).verify(api.client.headers["Authorization"].partition(" ")[2]).person_id
    assert recorder.find_answer(stored_key(str(person), "k-recent")) is None
    assert "idempotent-replayed" not in org_unit(api, "k-recent").headers
