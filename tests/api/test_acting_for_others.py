"""Owners act only for themselves; a holder hands a role over; every event says who did it,
in which capacity, for which request; auditors read the raw log."""

from __future__ import annotations

import re
import uuid

import pytest

from api import access
from tests.api.council_helpers import decide, proposal_body, submit, town
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
    # Given Anne's offer of her role to Bo: an offer, and Anne stays responsible until Bo answers
    path = f"/systems/{scene['system']}/handovers"
    body = {"role": "systemejer", "to_person_id": scene["bo"], "effective_from": scene["today"], "note": "new job"}
    offer = api.as_person(scene["anne"]).post(path, body)
    assert (offer["state"], offer["from_person_id"], offer["to_person_id"]) == ("offered", scene["anne"], scene["bo"])
    assert api.holders(scene["system"], scene["today"])["systemejer"] == scene["anne"]
    # When Bo accepts, then the role is his from today, recorded as a hand-over in his name
    api.as_person(scene["bo"]).post(f"/handovers/{offer['id']}/acceptance")
    assert api.holders(scene["system"], scene["today"])["systemejer"] == scene["bo"]
    fact = api.get(f"/systems/{scene['system']}/timeline")["roles"][0]["facts"][-1]
    assert (fact["basis"], fact["actor_id"], fact["actor_role"]) == ("handover", scene["bo"], "owner")
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


# Whoever a request field names as acting is the caller (api/access.py ACTING_FIELDS) -----------------

#: Names that say a field names the person acting: a signer, a proposer, whoever did it (`..._by`).
ACTING_NAME = re.compile(r"(_by$|^by_|proposer|signer|signatory|withdrawer|claimant|attester|submitter|decider|author)")


def request_fields(api) -> dict[str, dict[str, dict]]:
    """Every operation's request-body properties, nested ones by their dotted path, from the OpenAPI document."""
    document = api.client.get("/schema/openapi.json").json()
    components = document["components"]["schemas"]

    def resolved(schema: dict) -> dict:
        return components[schema["$ref"].rsplit("/", 1)[-1]] if "$ref" in schema else schema

    def walk(schema: dict, into: dict[str, dict], prefix: str = "") -> None:
        schema = resolved(schema)
        for key in ("oneOf", "anyOf", "allOf"):
            for part in schema.get(key, []):
                walk(part, into, prefix)
        if "items" in schema:
            walk(schema["items"], into, prefix)
        for name, prop in schema.get("properties", {}).items():
            into[prefix + name] = resolved(prop)
            walk(prop, into, f"{prefix}{name}.")

    fields: dict[str, dict[str, dict]] = {}
    for item in document["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                found: dict[str, dict] = {}
                for media in operation["requestBody"]["content"].values():
                    walk(media["schema"], found)
                fields[operation["operationId"]] = found
    return fields


def operations(api) -> dict[str, tuple[str, str]]:
    document = api.client.get("/schema/openapi.json").json()
    return {op["operationId"]: (method.upper(), path) for path, item in document["paths"].items()
            for method, op in item.items() if isinstance(op, dict) and "operationId" in op}


@one_backend
def test_every_request_field_naming_an_acting_person_is_held_to_the_caller_by_the_one_check(api):
    fields = request_fields(api)
    acting = {(op, name) for op, found in fields.items() for name in found if ACTING_NAME.search(name.rsplit(".")[-1])}
    assert ("completeImplementation", "system.name") in {(op, name) for op, found in fields.items() for name in found}
    registered = {(op, name) for op, names in access.ACTING_FIELDS.items() for name in names}
    assert acting <= registered, f"fields naming who acts, not in api/access.py ACTING_FIELDS: {sorted(acting - registered)}"
    assert registered <= {(op, name) for op, found in fields.items() for name in found}, "ACTING_FIELDS names no field"
    assert ("makeClaim", "person_id") in registered and ("attest", "person_id") in registered  # the claimant, the attester


@one_backend
def test_each_registered_acting_field_naming_another_person_is_a_403_naming_the_field(api):
    """A capacity the rule admits but does not let act for others names someone else: refused before
    anything is read or written (so any ids in the path will do)."""
    where, fields, checked = operations(api), request_fields(api), 0
    caller, other = uuid.uuid4(), str(uuid.uuid4())
    for operation, names in access.ACTING_FIELDS.items():
        rule = access.ACCESS[operation]
        capacities = [*rule.roles, *([access.OWNER] if rule.check is not None else [])]
        method, path = where[operation]
        path = re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)
        for capacity in dict.fromkeys(c for c in capacities if c not in rule.for_others):
            for name in names:
                body: object = [other] if fields[operation][name].get("type") == "array" else other
                for step in reversed(name.split(".")):
                    body = {step: body}
                token = () if capacity == access.OWNER else (str(capacity),)
                response = api.client.request(method, path, json=body,
                                              headers=api.as_person(caller, *token).headers)
                problem = response.json()
                assert response.status_code == 403, (operation, capacity, problem)
                assert (problem["type"], problem["field"]) == ("/problems/acting-for-another", name), problem
                assert name in problem["detail"] and "only for yourself" in problem["detail"]
                checked += 1
    assert checked >= 6


@pytest.fixture
def t(api):
    return town(api)


def retiring(api, t) -> str:
    """A system the council decided to retire, with Kollega responsible, everything but the sign-off done."""
    system = api.system("Gammelt omsorgssystem", t.elder, lifecycle_from=on("2020-01-01"))
    api.post(f"/systems/{system}/decommissioning", {"reason": "Replaced"})
    decide(api, "decommission", "Replaced", decided_by=[t.chair], subjects=[{"kind": "system", "id": system}],
           responsible_id=t.other, decided_on=on("2026-11-01"))
    api.post(f"/systems/{system}/decommissioning/archive-duty", {"duty": "K", "deletion_record": "Slettet"})
    api.post(f"/systems/{system}/decommissioning/contracts-ended", {"ended_on": on("2026-10-31")})
    return system


def last_event(api) -> dict:
    return api.as_person(uuid.uuid4(), "auditor").get("/events", after=api.position - 1)["items"][-1]


def test_nobody_signs_off_a_decommissioning_in_the_responsible_persons_name_but_that_person(api, t):
    system = retiring(api, t)
    path = f"/systems/{system}/decommissioning/sign-off"
    for forger in (api.as_person(t.proposer), api.as_person(t.chair, "council"), api):  # a colleague, the council, an admin
        problem = forger.post(path, {"signed_off_by": t.other}, expect=403)
        assert (problem["type"], problem["field"]) == ("/problems/acting-for-another", "signed_off_by")
    assert api.get(f"/systems/{system}/decommissioning")["stage"] == "decided"
    api.as_person(t.other).post(path, {"signed_off_by": t.other})
    event = last_event(api)
    assert (event["actor_id"], event["actor_role"]) == (t.other, "owner")
    assert api.get(f"/systems/{system}/decommissioning")["signed_off_by"] == t.other


def test_a_person_proposes_a_decommissioning_in_their_own_name_and_the_council_for_another(api, t):
    system = api.system("Gammelt", t.elder, lifecycle_from=on("2020-01-01"))
    path = f"/systems/{system}/decommissioning"
    problem = api.as_person(t.proposer).post(path, {"reason": "Unused", "proposed_by": t.other}, expect=403)
    assert (problem["type"], problem["field"]) == ("/problems/acting-for-another", "proposed_by")
    assert "a council member" in problem["detail"]  # who may
    api.get(f"/systems/{system}/decommissioning", expect=404)
    api.as_person(t.member, "council").post(path, {"reason": "Raised at the meeting", "proposed_by": t.other})
    event = last_event(api)
    assert (event["actor_id"], event["actor_role"]) == (t.member, "council")  # both: who acted, and for whom
    assert api.get(path)["proposed_by"] == t.other


def test_an_owner_submits_a_proposal_only_in_their_own_name(api, t):
    problem = api.as_person(t.other).post("/proposals", proposal_body(t, "Lånt navn"), expect=403)
    assert (problem["type"], problem["field"]) == ("/problems/acting-for-another", "proposer_id")
    assert api.get("/proposals")["items"] == []
    mine = api.as_person(t.proposer).post("/proposals", proposal_body(t, "Mit eget"))
    assert api.get(f"/proposals/{mine['id']}")["proposer_id"] == t.proposer


def test_only_the_proposer_withdraws_in_their_own_name_not_a_colleague_nor_the_council(api, t):
    pid = submit(api, t, "Trækkes", assess=False)
    for forger in (api.as_person(t.other), api.as_person(t.chair, "council")):
        problem = forger.post(f"/proposals/{pid}/withdrawal", {"withdrawn_by": t.proposer}, expect=403)
        assert (problem["type"], problem["field"]) == ("/problems/acting-for-another", "withdrawn_by")
    assert api.get(f"/proposals/{pid}")["status"] == "submitted"
    api.as_person(t.proposer).post(f"/proposals/{pid}/withdrawal", {"withdrawn_by": t.proposer})
    assert api.get(f"/proposals/{pid}")["status"] == "withdrawn"


def test_the_council_records_a_decision_in_the_name_of_the_members_who_made_it(api, t):
    pid = submit(api, t, "Udskydes")
    body = {"kind": "deferral", "rationale": "Next year", "subjects": [{"kind": "proposal", "id": pid}],
            "decided_by": [t.chair, t.member]}
    refused = api.as_person(t.proposer).post("/decisions", body, expect=403)
    assert refused["type"] == "/problems/forbidden" and "council" in refused["detail"]
    recorded = api.as_person(t.member, "council").post("/decisions", body)
    event = last_event(api)
    assert (event["actor_id"], event["actor_role"]) == (t.member, "council")
    named = {d["person_id"] for d in api.get(f"/decisions/{recorded['id']}")["deciders"] if d["capacity"] == "named"}
    assert named == {t.chair, t.member}


@one_backend
def test_a_value_that_is_not_an_id_is_left_to_validation(api, t):
    problem = api.as_person(t.proposer).post("/proposals", proposal_body(t, "X", proposer_id="nobody"), expect=422)
    assert problem["field"] == "proposer_id"


@one_backend
@pytest.mark.parametrize("spelling", [str.upper, lambda u: u.replace("-", "")], ids=["upper", "hex"])
def test_another_spelling_of_someone_elses_id_is_still_someone_else(api, t, spelling):
    body = {**proposal_body(t, "Lånt navn"), "proposer_id": spelling(t.proposer)}
    problem = api.as_person(t.other).post("/proposals", body, expect=403)
    assert problem["field"] == "proposer_id"
    twice = b'{"signed_off_by": "%s", "signed_off_by": "%s"}' % (t.other.encode(), t.proposer.encode())
    response = api.client.post(f"/systems/{uuid.uuid4()}/decommissioning/sign-off", content=twice,
                               headers={**api.as_person(t.other).headers, "content-type": "application/json"})
    assert response.status_code == 403 and response.json()["field"] == "signed_off_by"  # the last one counts, as for the handler
