"""Owners act only for themselves; a holder hands a role over; every event says who did it,
in which capacity, for which request; auditors read the raw log."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import one_backend
from tests.story import on


@pytest.fixture
def scene(api, today):
    kommune = api.org_unit("Testkommune", "kommune")
    unit = api.org_unit("Hjemmeplejen", "afdeling", kommune)
    anne, bo, council_member = (api.person(n, unit) for n in ("Anne", "Bo", "Rådsmedlem"))
    system = api.system("Omsorgssystem", unit)
    api.assign(system, "systemejer", anne, on("2024-01-01"))
    return {"system": system, "anne": anne, "bo": bo, "council": council_member, "today": str(today)}


@one_backend
def test_claiming_for_someone_else_is_403_and_says_why(api, scene):
    problem = api.as_person(scene["bo"]).post(f"/systems/{scene['system']}/claims", {
        "role": "dataejer", "person_id": scene["anne"], "statement": "Anne should own the data",
    }, expect=403)
    assert problem["type"] == "/problems/acting-for-another" and problem["field"] == "person_id"
    assert "only for yourself" in problem["detail"]


def test_claiming_for_oneself_is_recorded_with_the_claimant_as_actor_in_the_owner_capacity(api, scene):
    bo = api.as_person(scene["bo"])
    claim = bo.post(f"/systems/{scene['system']}/claims", {"role": "dataejer", "person_id": scene["bo"], "statement": "ours"})
    timeline = api.get(f"/systems/{scene['system']}/timeline")
    assert [c["claim_id"] for c in timeline["claims"]] == [claim["claim_id"]]
    event = api.as_person(uuid.uuid4(), "auditor").get("/events", after=claim["position"] - 1)["items"][0]
    assert (event["actor_id"], event["actor_role"], event["topic"]) == (scene["bo"], "owner", "ansvar.system.claim_made.v1")


def test_a_council_member_cannot_confirm_their_own_claim_but_another_can(api, scene):
    member = api.as_person(scene["council"], "council")
    claim = member.post(f"/systems/{scene['system']}/claims", {
        "role": "dataejer", "person_id": scene["council"], "statement": "I know this data",
    })["claim_id"]
    problem = member.post(f"/systems/{scene['system']}/claims/{claim}/confirmation", {}, expect=403)
    assert problem["type"] == "/problems/own-claim"
    api.post(f"/systems/{scene['system']}/claims/{claim}/confirmation", {})
    assert api.holders(scene["system"], scene["today"])["dataejer"] == scene["council"]


@one_backend
def test_attesting_for_someone_else_or_a_role_one_does_not_hold_is_403(api, scene):
    bo = api.as_person(scene["bo"])
    other = bo.post(f"/systems/{scene['system']}/attestations", {"role": "systemejer", "person_id": scene["anne"]}, expect=403)
    assert other["type"] == "/problems/acting-for-another"
    mine = bo.post(f"/systems/{scene['system']}/attestations", {"role": "systemejer", "person_id": scene["bo"]}, expect=403)
    assert mine["type"] == "/problems/not-role-holder" and "do not hold systemejer" in mine["detail"]
    api.as_person(scene["anne"]).post(f"/systems/{scene['system']}/attestations", {"role": "systemejer", "person_id": scene["anne"]})


def test_the_holder_hands_a_role_over_and_the_fact_says_so(api, scene):
    path = f"/systems/{scene['system']}/handovers"
    body = {"role": "systemejer", "to_person_id": scene["bo"], "effective_from": scene["today"], "note": "new job"}
    api.as_person(scene["anne"]).post(path, body)
    assert api.holders(scene["system"], scene["today"])["systemejer"] == scene["bo"]
    fact = api.get(f"/systems/{scene['system']}/timeline")["roles"][0]["facts"][-1]
    assert (fact["basis"], fact["actor_id"], fact["actor_role"]) == ("handover: new job", scene["anne"], "owner")
    assert fact["request_id"]


@one_backend
@pytest.mark.parametrize("who, change, kind", [
    ("bo", {}, "not-role-holder"),  # Bo does not hold it: he cannot give it away
    ("anne", {"effective_from": on("2020-01-01")}, "backdated-handover"),
    ("council", {}, "not-role-holder"),  # the council assigns; it does not hand over roles it does not hold
])
def test_a_handover_by_someone_not_holding_the_role_or_into_the_past_is_403(api, scene, who, change, kind):
    body = {"role": "systemejer", "to_person_id": scene["council"] if who == "bo" else scene["bo"],
            "effective_from": scene["today"], **change}
    roles = ("council",) if who == "council" else ()
    problem = api.as_person(scene[who], *roles).post(f"/systems/{scene['system']}/handovers", body, expect=403)
    assert problem["type"] == f"/problems/{kind}"
    assert api.holders(scene["system"], scene["today"])["systemejer"] == scene["anne"]


@one_backend
def test_handing_a_role_to_oneself_or_to_nobody_known_is_422(api, scene):
    anne = api.as_person(scene["anne"])
    path = f"/systems/{scene['system']}/handovers"
    to_self = anne.post(path, {"role": "systemejer", "to_person_id": scene["anne"], "effective_from": scene["today"]}, expect=422)
    assert to_self["field"] == "to_person_id"
    unknown = anne.post(path, {"role": "systemejer", "to_person_id": str(uuid.uuid4()), "effective_from": scene["today"]}, expect=422)
    assert unknown["type"] == "/problems/unknown-reference" and unknown["field"] == "to_person_id"


def test_an_owner_reads_the_systems_they_hold_and_not_the_others(api, scene):
    anne, bo = api.as_person(scene["anne"]), api.as_person(scene["bo"])
    assert anne.get(f"/systems/{scene['system']}/timeline")["system_id"] == scene["system"]
    assert bo.get(f"/systems/{scene['system']}/timeline", expect=403)["type"] == "/problems/forbidden"
    assert [s["name"] for s in bo.get("/systems")["items"]] == ["Omsorgssystem"]  # the register, to find one to claim
    assert bo.get(f"/people/{scene['bo']}/responsibilities")["holds"] == []
    bo.get(f"/people/{scene['anne']}/responsibilities", expect=403)


def test_the_event_log_lists_every_event_in_order_with_its_actor_and_pages(api, scene):
    auditor = api.as_person(uuid.uuid4(), "auditor")
    first = auditor.get("/events", after=0, limit=3)  # here `after` is the log cursor the issue names
    assert [e["position"] for e in first["items"]] == [1, 2, 3] and first["next_after"] == 3
    everything, after = [], 0
    while after is not None:
        page = auditor.get("/events", after=after, limit=4)
        everything += page["items"]
        after = page["next_after"]
    positions = [e["position"] for e in everything]
    assert positions == sorted(positions) and positions[-1] == api.position and len(set(positions)) == len(positions)
    assignment = next(e for e in everything if e["topic"] == "ansvar.system.assignment_recorded.v1")
    assert assignment["originator_id"] == scene["system"] and assignment["actor_role"] == "council"
    assert all(set(e) >= {"recorded_at", "originator_version", "actor_id", "request_id"} for e in everything)
    assert not any(name in str(everything) for name in ("Anne", "Rådsmedlem"))  # no personal data


@one_backend
@pytest.mark.parametrize("query", ["after=-1", "limit=0", "limit=1001", "after=abc"])
def test_the_event_log_refuses_bad_positions_and_page_sizes(api, query):
    auditor = api.as_person(uuid.uuid4(), "auditor")
    response = api.client.get(f"/events?{query}", headers=auditor.headers)
    assert response.status_code == 422
