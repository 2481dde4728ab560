"""The council may say no to a proposed decommissioning: the system stays as it was, the
decision log shows why, and the system may be proposed again later and then be retired."""

from __future__ import annotations

from tests.api.council_helpers import decide, town
from tests.story import on


def test_a_rejected_decommissioning_leaves_the_system_and_it_may_be_proposed_again(api):
    t = town(api)
    system = api.system("Kørselsplan", t.elder, lifecycle_from=on("2018-01-01"))
    api.post(f"/systems/{system}/decommissioning", {"reason": "Seems unused", "proposed_by": t.other})
    subjects = [{"kind": "system", "id": system}]
    no = decide(api, "rejection", "Still the only source for school transport", decided_by=[t.chair],
                decided_on=on("2026-03-01"), subjects=subjects)["id"]

    assert api.get(f"/systems/{system}")["lifecycle"] == "in_operation"
    shown = api.get(f"/systems/{system}/decommissioning")
    assert (shown["stage"], shown["decision_id"], shown["lacking"]) == ("rejected", no, [])
    assert api.get("/decommissionings")["items"] == []  # not in progress
    logged = next(d for d in api.get("/decisions")["items"] if d["id"] == no)
    assert logged["kind"] == "rejection"
    assert logged["subjects"] == [{**subject, "name": "Kørselsplan"} for subject in subjects]
    consequences = api.get(f"/decisions/{no}")["consequences"]
    assert [(c["subject_id"], c["consequence"]) for c in consequences] == [
        (system, "proposed decommissioning rejected; the system stays")]
    again = decide(api, "rejection", "Twice?", decided_by=[t.chair], subjects=subjects, expect=409)
    assert again["type"] == "/problems/decommissioning-step" and again["current"] == "rejected"

    # Months later, replaced: proposed again with a new reason, decided, and carried out.
    api.post(f"/systems/{system}/decommissioning", {"reason": "Replaced by the regional platform", "proposed_by": t.member})
    shown = api.get(f"/systems/{system}/decommissioning")
    assert (shown["stage"], shown["reason"], shown["proposed_by"], shown["decision_id"]) == (
        "proposed", "Replaced by the regional platform", t.member, None)
    assert [d["system_id"] for d in api.get("/decommissionings")["items"]] == [system]
    api.post(f"/systems/{system}/decommissioning", {"reason": "Once more"}, expect=409)  # already proposed
    retire = decide(api, "decommission", "Replaced", decided_by=[t.chair], decided_on=on("2026-10-01"),
                    subjects=subjects, responsible_id=t.chair)["id"]
    shown = api.get(f"/systems/{system}/decommissioning")
    assert shown["decision_id"] == retire
    assert {k: (p["id"], p["name"]) for k, p in shown["people"].items()} == {
        "proposed_by": (t.member, "Rådsmedlem"), "responsible_id": (t.chair, "Rådets formand")}
    assert api.get(f"/systems/{system}")["lifecycle"] == "phasing_out"


def test_a_rejection_about_a_system_needs_a_proposed_decommissioning_and_only_that_system(api):
    t = town(api)
    system = api.system("Lønsystem", t.it, lifecycle_from=on("2020-01-01"))
    subjects = [{"kind": "system", "id": system}]
    problem = decide(api, "rejection", "No", decided_by=[t.chair], subjects=subjects, expect=409)
    assert "no proposed decommissioning to reject" in problem["detail"]
    other = api.system("Vagtplan", t.it, lifecycle_from=on("2020-01-01"))
    two = subjects + [{"kind": "system", "id": other}]
    problem = decide(api, "rejection", "No", decided_by=[t.chair], subjects=two, expect=422)
    assert problem["field"] == "subjects" and "one system" in problem["detail"]
    for kind in ("approval", "deferral"):
        assert decide(api, kind, "No", decided_by=[t.chair], subjects=subjects, expect=422)["field"] == "subjects"


def test_a_decided_decommissioning_cannot_be_rejected_afterwards(api):
    t = town(api)
    system = api.system("Arkivsystem", t.it, lifecycle_from=on("2020-01-01"))
    subjects = [{"kind": "system", "id": system}]
    api.post(f"/systems/{system}/decommissioning", {"reason": "Old"})
    decide(api, "decommission", "Old", decided_by=[t.chair], subjects=subjects, responsible_id=t.tech)
    problem = decide(api, "rejection", "Changed our minds", decided_by=[t.chair], subjects=subjects, expect=409)
    assert problem["type"] == "/problems/decommissioning-step" and problem["current"] == "decided"
    assert api.get(f"/systems/{system}")["lifecycle"] == "phasing_out"  # the refused rejection changed nothing
