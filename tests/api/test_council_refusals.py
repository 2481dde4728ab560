"""What the council's API refuses, and how it says why: on every backend, nothing is written."""

from __future__ import annotations

import pytest

from tests.api.council_helpers import MARKERS, decide, proposal_body, submit, town
from tests.conftest import one_backend
from tests.story import on


@pytest.fixture
def t(api):
    return town(api)


def head(api) -> int:
    return api.get("/ready")["head"]


@one_backend
def test_an_illegal_step_is_a_409_naming_the_current_state_and_the_allowed_ones(api, t):
    pid = submit(api, t, "Tidlig", assess=False)
    before = head(api)
    problem = api.post(f"/proposals/{pid}/implementation", expect=409)
    assert problem["type"] == "/problems/illegal-transition"
    assert problem["current"] == "submitted" and problem["allowed"] == ["under_assessment", "withdrawn"]
    assert problem["attempted"] == "in_implementation" and "submitted" in problem["detail"]
    assert head(api) == before


def test_a_decision_that_would_move_any_proposal_illegally_is_refused_whole(api, t):
    ready, fresh = submit(api, t, "Klar"), submit(api, t, "Ny", assess=False)
    before = head(api)
    problem = decide(api, "approval", "Both", [ready, fresh], decided_by=[t.chair], expect=409)
    assert problem["current"] == "submitted" and problem["proposal_id"] == fresh
    assert head(api) == before and api.get(f"/proposals/{ready}")["status"] == "under_assessment"
    assert api.get("/decisions")["items"] == []


@one_backend
def test_revisions_only_before_a_decision(api, t):
    pid = submit(api, t, "Revideres")
    api.post(f"/proposals/{pid}/revisions", {k: v for k, v in proposal_body(t, "Revideret").items() if k != "proposer_id"})
    assert api.get(f"/proposals/{pid}")["title"] == "Revideret"
    decide(api, "deferral", "Next year", [pid], decided_by=[t.chair])
    body = {k: v for k, v in proposal_body(t, "For sent").items() if k != "proposer_id"}
    problem = api.post(f"/proposals/{pid}/revisions", body, expect=409)
    assert problem["current"] == "deferred" and problem["allowed"] == ["submitted", "under_assessment"]


@one_backend
def test_only_the_proposer_withdraws_and_only_before_a_decision(api, t):
    pid = submit(api, t, "Trækkes")
    problem = api.as_person(t.other).post(f"/proposals/{pid}/withdrawal", {"withdrawn_by": t.other}, expect=422)
    assert problem["field"] == "withdrawn_by"  # not the proposer
    api.as_person(t.proposer).post(f"/proposals/{pid}/withdrawal", {"withdrawn_by": t.proposer, "reason": "Solved otherwise"})
    assert api.get("/proposals", status="withdrawn")["items"][0]["id"] == pid
    assert api.post(f"/proposals/{pid}/assessment", expect=409)["allowed"] == []


@one_backend
@pytest.mark.parametrize("change, field", [
    ({"purposes": []}, "purposes"),
    ({"purposes": ["speed"]}, "purposes.0"),
    ({"purposes": ["efficiency", "efficiency"]}, "purposes"),
    ({"category": "fun"}, "category"),
    ({"markers": {**MARKERS, "use_of_data": " "}}, "markers.use_of_data"),
    ({"title": "  "}, "title"),
    ({"driver_org_unit_id": None}, "driver_org_unit_id"),
    ({"proposer_id": "00000000-0000-0000-0000-0000000000aa"}, "proposer_id"),
    ({"related_system_ids": ["00000000-0000-0000-0000-0000000000aa"]}, "related_system_ids"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_proposal_is_a_422_naming_the_field(api, t, change, field):
    before = head(api)
    body = proposal_body(t, "Dårlig")
    body.update(change)
    problem = api.post("/proposals", body, expect=422)
    assert problem["field"] == field
    assert head(api) == before


@one_backend
def test_a_meeting_without_quorum_cannot_decide(api, t):
    pid = submit(api, t, "Uden quorum")
    meeting = api.post("/meetings", {"held_on": on("2026-03-01"), "attendee_ids": [t.chair], "quorum": False})["id"]
    problem = decide(api, "approval", "Fine", [pid], meeting_id=meeting, expect=409)
    assert problem["type"] == "/problems/no-quorum" and problem["field"] == "meeting_id"


@one_backend
@pytest.mark.parametrize("extra, field", [
    ({"rationale": " "}, "rationale"),
    ({}, "decided_by"),  # nobody decided
    ({"decided_by": ["00000000-0000-0000-0000-0000000000aa"]}, "decided_by"),
    ({"kind": "prioritisation", "priorities": [{"proposal_id": "P", "rank": 2}], "period_from": on("2026-01-01")}, "priorities"),
    ({"kind": "prioritisation", "priorities": [{"proposal_id": "P", "rank": 1}]}, "period_from"),
    ({"kind": "decommission"}, "subjects"),
    ({"supersedes": "00000000-0000-0000-0000-0000000000aa"}, "supersedes"),
    ({"kind": "verdict"}, "kind"),
])
def test_a_bad_decision_is_a_422_naming_the_field(api, t, extra, field):
    pid = submit(api, t, "Beslutning")
    body = {"kind": "approval", "rationale": "Because", "subjects": [{"kind": "proposal", "id": pid}]}
    body.update({k: v for k, v in extra.items() if k != "priorities"})
    if "priorities" in extra:
        body["priorities"] = [dict(p, proposal_id=pid) for p in extra["priorities"]]
        body["subjects"] = []
    if field != "decided_by" or extra:
        body.setdefault("decided_by", [t.chair])
    before = head(api)
    problem = api.post("/decisions", body, expect=422)
    assert problem["field"] == field, problem
    assert head(api) == before


def test_a_decision_is_superseded_at_most_once(api, t):
    pid = submit(api, t, "Udsat")
    first = decide(api, "deferral", "Not now", [pid], decided_by=[t.chair])["id"]
    second = decide(api, "deferral", "Still not now", [pid], decided_by=[t.chair], supersedes=first)["id"]
    problem = decide(api, "deferral", "Again", [pid], decided_by=[t.chair], supersedes=first, expect=409)
    assert problem["type"] == "/problems/already-superseded" and problem["superseded_by"] == second


def test_decommissioning_steps_in_order_and_only_the_named_person_signs_off(api, t):
    sid = api.system("Gammelt", t.elder, lifecycle_from=on("2020-01-01"))
    problem = decide(api, "decommission", "Old", decided_by=[t.chair], subjects=[{"kind": "system", "id": sid}],
                     responsible_id=t.chair, expect=409)
    assert problem["type"] == "/problems/decommissioning-step" and problem["allowed"] == ["proposed"]
    api.post(f"/systems/{sid}/decommissioning", {"reason": "Old"})
    assert api.post(f"/systems/{sid}/decommissioning", {"reason": "Again"}, expect=409)["current"] == "proposed"
    early = api.post(f"/systems/{sid}/decommissioning/contracts-ended", {"ended_on": on("2026-01-01")}, expect=409)
    assert early["current"] == "proposed" and early["allowed"] == ["decided"]
    assert api.get("/decommissionings")["items"][0]["lacking"] == ["decision", "archive_duty", "contracts_ended", "sign_off"]
    decide(api, "decommission", "Old", decided_by=[t.chair], subjects=[{"kind": "system", "id": sid}], responsible_id=t.tech,
           decided_on=on("2026-11-01"))
    # Nobody owned it, so the person named to carry it out holds it meanwhile: no "decommission_unowned" gap
    assert api.holders(sid, on("2026-11-01"))["systemejer"] == t.tech
    assert api.get("/responsibility-gaps", rule="decommission_unowned")["items"] == []
    missing = api.post(f"/systems/{sid}/decommissioning/archive-duty", {"duty": "B+K", "archive_receipt": "R"}, expect=422)
    assert missing["field"] == "deletion_record"
    api.post(f"/systems/{sid}/decommissioning/archive-duty", {"duty": "K", "deletion_record": f"Deleted {on('2026-10-01')}"})
    api.post(f"/systems/{sid}/decommissioning/contracts-ended", {"ended_on": on("2026-10-31")})
    chair, tech = api.as_person(t.chair), api.as_person(t.tech)
    assert chair.post(f"/systems/{sid}/decommissioning/sign-off", {"signed_off_by": t.chair}, expect=422)["field"] == "signed_off_by"
    tech.post(f"/systems/{sid}/decommissioning/sign-off", {"signed_off_by": t.tech})
    assert api.get(f"/systems/{sid}/decommissioning")["stage"] == "completed"


@one_backend
def test_unknown_proposal_decision_and_decommissioning_are_404(api):
    missing = "00000000-0000-0000-0000-0000000000aa"
    for path in (f"/proposals/{missing}", f"/decisions/{missing}", f"/systems/{missing}/decommissioning",
                 f"/meetings/{missing}"):
        assert api.client.get(path).status_code == 404, path
    assert api.client.post(f"/proposals/{missing}/assessment").json()["type"] == "/problems/proposal-not-found"


def test_the_pipeline_filters_and_pages(api, t):
    a = submit(api, t, "A", purposes=["citizen_quality", "efficiency"], category="data")
    b = submit(api, t, "B", change_kind="transformation", driver="it", driver_org_unit_id=t.it)
    c = submit(api, t, "C", assess=False)
    ids = lambda **q: [p["id"] for p in api.get("/proposals", **q)["items"]]  # noqa: E731
    assert ids(purpose="citizen_quality") == [a] and ids(category="data") == [a]
    assert ids(change_kind="transformation") == [b] and ids(driver="it") == [b]
    assert ids(forvaltning_id=t.technical) == [b] and ids(forvaltning_id=t.social) == [a, c]
    assert ids(driver_org_unit_id=t.it) == [b] and ids(driver_org_unit_id=t.elder) == [a, c]
    assert ids(status="submitted") == [c]
    page = api.get("/proposals", limit=2)
    assert [p["id"] for p in page["items"]] == [a, b]
    assert ids(cursor=page["next_cursor"]) == [c]
    assert api.client.get("/proposals", params={"status": "dreaming"}).status_code == 422


def test_an_ownership_ruling_answers_only_open_claims_on_its_system(api, t):
    sid = api.system("Omstridt", t.elder, lifecycle_from=on("2020-01-01"))
    claim = api.as_person(t.other).post(f"/systems/{sid}/claims", {"role": "dataejer", "person_id": t.other, "statement": "Mine"})["claim_id"]
    ruling = {"decided_by": [t.chair], "subjects": [{"kind": "system", "id": sid}]}
    unknown = decide(api, "ownership_ruling", "No", confirmed_claim_id=sid, expect=422, **ruling)
    assert unknown["field"] == "confirmed_claim_id"
    api.post(f"/systems/{sid}/claims/{claim}/rejection", {"reason": "Not yours"})
    answered = decide(api, "ownership_ruling", "Late", confirmed_claim_id=claim, expect=409, **ruling)
    assert answered["type"] == "/problems/claim-already-answered" and answered["current"] == "rejected"
    # The same refusal on the plain confirmation route (it used to crash the problem handler: a 500)
    again = api.post(f"/systems/{sid}/claims/{claim}/confirmation", {}, expect=409)
    assert again["status"] == 409 and again["current"] == "rejected"


def test_an_implementation_links_an_existing_system_unless_it_is_being_retired(api, t):
    pilot = api.system("Pilot", t.it, lifecycle="pilot", lifecycle_from=on("2020-01-01"))
    retiring = api.system("Udfases", t.it, lifecycle_from=on("2020-01-01"))
    api.post(f"/systems/{retiring}/lifecycle", {"lifecycle": "phasing_out", "effective_from": on("2026-01-01")})
    first, second = submit(api, t, "Første"), submit(api, t, "Anden")
    decide(api, "approval", "Go", [first, second], decided_by=[t.chair])
    for pid in (first, second):
        api.post(f"/proposals/{pid}/implementation")
    refused = api.post(f"/proposals/{second}/completion", {"operations_owner_id": t.tech, "system_id": retiring}, expect=422)
    assert refused["field"] == "system_id" and refused["lifecycle"] == "phasing_out"
    both = api.post(f"/proposals/{first}/completion", {"operations_owner_id": t.tech, "system_id": pilot,
                                                         "system": {"name": "X", "org_unit_id": t.it,
                                                                    "criticality": "low", "personal_data": False}},
                    expect=422)
    assert both["field"] == "system_id"
    linked = api.post(f"/proposals/{first}/completion", {"operations_owner_id": t.tech, "system_id": pilot})
    assert linked["id"] == pilot and api.get(f"/systems/{pilot}")["lifecycle"] == "phasing_in"
    assert api.holders(pilot, on("2026-11-22")) == {"teknisk_ansvarlig": t.tech}


@one_backend
def test_bad_council_query_parameters_are_422_naming_the_parameter(api):
    for path, query, field in (
        ("/decisions", f"decided_from={on('2026-07-02')}&decided_to={on('2026-07-01')}", "decided_to"),
        ("/decisions", "kind=verdict", "kind"),
        ("/decisions", "cursor=%%%", "cursor"),
        ("/priorities", "at=someday", "at"),
        ("/proposals", "purpose=fun", "purpose"),
    ):
        response = api.client.get(f"{path}?{query}")
        assert response.status_code == 422, (path, query, response.text)
        assert response.json()["field"] == field


def test_the_handover_to_it_is_decided_by_the_approval_or_at_the_latest_at_completion(api, t):
    undecided, decided = submit(api, t, "Uden driftsansvar"), submit(api, t, "Med driftsansvar")
    decide(api, "approval", "Go", [undecided], decided_by=[t.chair])
    decide(api, "approval", "Go, IT runs it", [decided], decided_by=[t.chair], operations_owner_id=t.tech)
    new = {"name": "Leveret", "org_unit_id": t.it, "criticality": "low", "personal_data": False}
    for pid in (undecided, decided):
        api.post(f"/proposals/{pid}/implementation")
    nobody = api.post(f"/proposals/{undecided}/completion", {"system": new}, expect=422)
    assert nobody["field"] == "operations_owner_id"
    other = api.post(f"/proposals/{decided}/completion", {"system": new, "operations_owner_id": t.other}, expect=422)
    assert other["field"] == "operations_owner_id" and other["decided"] == t.tech
    wrong_kind = decide(api, "deferral", "Later", [submit(api, t, "X")], decided_by=[t.chair],
                        operations_owner_id=t.tech, expect=422)
    assert wrong_kind["field"] == "operations_owner_id"
    system = api.post(f"/proposals/{decided}/completion", {"system": new})["id"]
    assert api.holders(system, on("2026-11-22")) == {"teknisk_ansvarlig": t.tech}
