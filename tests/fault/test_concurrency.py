"""Many clients, conflicting commands, one system: each gets 2xx or 409, the final state is
exactly the accepted commands, and nothing accepted is lost. On every backend."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from tests.story import day, on

CLIENTS = 12


def race(fn, inputs):
    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(fn, inputs))


def statuses(answers) -> list[int]:
    return [a.status_code for a in answers]


@pytest.fixture
def scene(api):
    kommune = api.org_unit("Testkommune", "kommune")
    unit = api.org_unit("Ældre og Sundhed", "forvaltning", kommune)
    people = [api.person(f"Person {i}", unit) for i in range(CLIENTS)]
    system = api.system("Omsorgssystem", unit)
    return {"unit": unit, "people": people, "system": system}


def accept(answers):
    assert set(statuses(answers)) <= {201, 409}, [a.text for a in answers if a.status_code not in (201, 409)]
    return [a.json() for a in answers if a.status_code == 201]


def test_given_one_open_claim_when_many_confirm_or_reject_it_at_once_then_exactly_one_answer_wins(api, scene):
    system = scene["system"]
    claim = api.as_person(scene["people"][0]).post(f"/systems/{system}/claims", {"role": "systemejer", "person_id": scene["people"][0],
                                                   "statement": "Jeg ejer det"})["claim_id"]

    def answer(i):
        if i % 2:
            return api.client.post(f"/systems/{system}/claims/{claim}/rejection", json={"reason": f"nej {i}"})
        return api.client.post(f"/systems/{system}/claims/{claim}/confirmation", json={"effective_from": on("2026-01-01")})

    answers = race(answer, range(CLIENTS))
    won = accept(answers)
    assert len(won) == 1
    api.position = max(api.position, won[0]["position"])
    winner = next(i for i, a in enumerate(answers) if a.status_code == 201)
    timeline = api.get(f"/systems/{system}/timeline")
    [view] = timeline["claims"]
    assert view["status"] == ("rejected" if winner % 2 else "confirmed")
    owners = [f for r in timeline["roles"] for f in r["facts"] if f["claim_id"] == claim]
    assert len(owners) == (0 if winner % 2 else 1)


def test_given_one_name_when_many_register_it_in_one_org_unit_at_once_then_one_system_exists(api, scene):
    body = {"name": "Lønsystem", "org_unit_id": scene["unit"], "criticality": "high", "personal_data": True,
            "lifecycle": "in_operation"}
    won = accept(race(lambda _: api.client.post("/systems", json=body), range(CLIENTS)))
    assert len(won) == 1
    api.position = max(api.position, won[0]["position"])
    assert [s["id"] for s in api.get("/systems", q="lønsystem")["items"]] == [won[0]["id"]]


def test_given_racing_assignments_to_one_role_then_every_accepted_one_is_recorded_and_no_other(api, scene):
    system, people = scene["system"], scene["people"]

    def assign(i):
        return api.client.post(f"/systems/{system}/assignments", json={
            "role": "systemejer", "person_id": people[i], "effective_from": on(f"2025-{i % 12 + 1:02d}-01")})

    won = accept(race(assign, range(CLIENTS)))
    assert won, "optimistic retries should let most of them through"
    api.position = max([api.position] + [w["position"] for w in won])
    [owner] = api.get(f"/systems/{system}/timeline")["roles"]
    assert sorted(f["position"] for f in owner["facts"]) == sorted(w["position"] for w in won)
    # The latest recorded fact covering a date decides it: the fold and the view agree.
    last = max(owner["facts"], key=lambda f: f["position"])
    assert api.holders(system, at=on("2026-11-01"))["systemejer"] == last["person_id"] or any(
        f["effective_from"] > last["effective_from"] and f["position"] < last["position"] for f in owner["facts"]
    )


def test_given_racing_lifecycle_changes_then_each_accepted_change_is_in_the_history(api, scene):
    system = scene["system"]
    states = ["pilot", "phasing_in", "in_operation", "phasing_out"]

    def change(i):
        return api.client.post(f"/systems/{system}/lifecycle", json={
            "lifecycle": states[i % 4], "effective_from": str(day("2024-01-01") + timedelta(days=i))})

    won = accept(race(change, range(CLIENTS)))
    api.position = max([api.position] + [w["position"] for w in won])
    history = api.get(f"/systems/{system}")["lifecycle_history"]
    assert {w["position"] for w in won} <= {h["position"] for h in history}
    assert len(history) == 1 + len(won)  # the registration, then exactly the accepted changes


def test_answering_an_answered_claim_again_is_a_409_that_says_how_it_was_answered(api, scene):
    # Was a 500: the error's extra member `status` collided with the problem's own `status`.
    system = scene["system"]
    claim = api.as_person(scene["people"][1]).post(f"/systems/{system}/claims", {"role": "dataejer", "person_id": scene["people"][1],
                                                   "statement": "Mine data"})["claim_id"]
    api.post(f"/systems/{system}/claims/{claim}/rejection", {"reason": "nej"})
    problem = api.post(f"/systems/{system}/claims/{claim}/confirmation", {}, expect=409)
    assert problem["status"] == 409 and problem["current"] == "rejected"
