"""The council's story over HTTP, on every backend: ten proposals, a prioritisation and a
superseding reprioritisation, approvals, a rejection with its rationale, an implementation that
registers a system with its operational owner, a disputed ownership ruled by the council, and a
decommissioning that cannot complete until the archive duty is settled. The decision log then
tells that story in order, with who decided and why."""

from __future__ import annotations

from tests.api.council_helpers import decide, submit, town
from tests.story import on


def test_the_council_story_is_told_by_the_decision_log(api):
    t = town(api)
    # Given ten proposals from two forvaltninger, all under assessment
    ids = [
        submit(api, t, f"Forslag {i}", change_kind="transformation" if i % 3 == 0 else "transition",
               category=["citizen_service", "processes", "data"][i % 3],
               **({"driver": "it", "driver_org_unit_id": t.it} if i >= 7 else {}))
        for i in range(10)
    ]
    meeting = api.post("/meetings", {"held_on": on("2026-03-01"), "attendee_ids": [t.chair, t.member], "quorum": True})["id"]
    assert api.get(f"/meetings/{meeting}")["attendee_ids"] == [t.chair, t.member]
    assert [m["id"] for m in api.get("/meetings")["items"]] == [meeting]

    # When the council prioritises five of them for the year...
    first = decide(api, "prioritisation", "Citizen-facing work first", meeting_id=meeting, decided_on=on("2026-03-01"),
                   period_from=on("2026-01-01"), period_to=on("2027-01-01"),
                   priorities=[{"proposal_id": p, "rank": r + 1, "note": f"note {r}"} for r, p in enumerate(ids[:5])])["id"]
    # ...and reprioritises in June, superseding the March list
    second = decide(api, "prioritisation", "Data work moved up after the audit", decided_by=[t.chair],
                    decided_on=on("2026-06-01"), period_from=on("2026-06-01"), period_to=on("2027-01-01"),
                    supersedes=first,
                    priorities=[{"proposal_id": p, "rank": r + 1} for r, p in enumerate([ids[2], ids[0], ids[5]])])["id"]
    approval = decide(api, "approval", "Fits the budget", [ids[0], ids[2], ids[7]], meeting_id=meeting,
                      decided_on=on("2026-07-01"), operations_owner_id=t.tech)["id"]
    rejection = decide(api, "rejection", "Duplicates the regional solution", [ids[1]], decided_by=[t.chair, t.member],
                       decided_on=on("2026-07-01"))["id"]

    # Then the priority list today is June's, and March's as of April
    now = api.get("/priorities")
    assert now["decision"]["id"] == second and [i["proposal_id"] for i in now["items"]] == [ids[2], ids[0], ids[5]]
    april = api.get("/priorities", at=on("2026-04-01"))
    assert april["decision"]["id"] == first and [i["rank"] for i in april["items"]] == [1, 2, 3, 4, 5]
    assert april["items"][0]["note"] == "note 0"
    assert api.get("/priorities", at=on("2025-06-01"))["decision"] is None

    # An implementation registers the delivered system with the person the approval named to take it
    # into operation: the handover to IT was decided with the approval
    api.post(f"/proposals/{ids[0]}/implementation")
    done = api.post(f"/proposals/{ids[0]}/completion", {
        "effective_from": on("2026-09-01"),
        "system": {"name": "Digital kørselsplan", "org_unit_id": t.elder, "criticality": "high", "personal_data": True},
    })
    delivered = api.get(f"/systems/{done['id']}")
    assert delivered["lifecycle"] == "phasing_in"
    assert api.holders(done["id"], on("2026-10-01")) == {"teknisk_ansvarlig": t.tech}
    facts = api.get(f"/systems/{done['id']}/timeline")["roles"][0]["facts"]
    assert facts[0]["decision_id"] == approval  # the handover cites the approval
    assert api.get(f"/proposals/{ids[0]}")["system_id"] == done["id"]

    # A disputed ownership is ruled by the council: one claim confirmed, the other rejected
    old = api.system("Gammelt omsorgssystem", t.elder, lifecycle_from=on("2015-01-01"))
    mine = api.as_person(t.chair).post(f"/systems/{old}/claims", {"role": "systemejer", "person_id": t.chair, "statement": "Mine"})["claim_id"]
    theirs = api.as_person(t.member).post(f"/systems/{old}/claims", {"role": "systemejer", "person_id": t.member, "statement": "Ours"})["claim_id"]
    # (decided by a member with no claim of their own: a claimant never rules on their own claim)
    ruling = decide(api, "ownership_ruling", "The forvaltning carries the budget", decided_by=[t.tech],
                    decided_on=on("2026-08-01"), subjects=[{"kind": "system", "id": old}], confirmed_claim_id=mine)["id"]
    claims = {c["claim_id"]: c for c in api.get(f"/systems/{old}/timeline")["claims"]}
    assert claims[mine]["status"] == "confirmed" and claims[theirs]["status"] == "rejected"
    assert claims[theirs]["decision_id"] == ruling and "carries the budget" in claims[theirs]["answer"]
    assert api.holders(old, on("2026-08-02"))["systemejer"] == t.chair

    # A decommissioning that cannot complete until the archive duty is settled
    api.post(f"/systems/{old}/decommissioning", {"reason": "Replaced by Digital kørselsplan", "proposed_by": t.other})
    retire = decide(api, "decommission", "Replaced; contracts run out", decided_by=[t.chair], decided_on=on("2026-09-01"),
                    subjects=[{"kind": "system", "id": old}], responsible_id=t.chair)["id"]
    assert api.get(f"/systems/{old}")["lifecycle"] == "phasing_out"
    chair = api.as_person(t.chair)  # the person the council made responsible signs off, in their own name
    refused = chair.post(f"/systems/{old}/decommissioning/sign-off", {"signed_off_by": t.chair}, expect=409)
    assert refused["type"] == "/problems/decommissioning-incomplete"
    assert refused["missing"] == ["archive_duty", "contracts_ended"]
    assert api.get("/decommissionings")["items"][0]["lacking"] == ["archive_duty", "contracts_ended", "sign_off"]
    api.post(f"/systems/{old}/decommissioning/archive-duty", {"duty": "B", "archive_receipt": "Stadsarkivet 2026/118"})
    api.post(f"/systems/{old}/decommissioning/contracts-ended", {"ended_on": on("2026-10-31")})
    assert api.get(f"/systems/{old}/decommissioning")["lacking"] == ["sign_off"]
    chair.post(f"/systems/{old}/decommissioning/sign-off", {"signed_off_by": t.chair})
    assert api.get(f"/systems/{old}")["lifecycle"] == "decommissioned"
    assert api.get("/decommissionings")["items"] == []
    assert len(api.get(f"/systems/{old}/timeline")["roles"]) == 1  # its history survives retirement

    # The decision log tells the story in order, with who decided and why
    log = api.get("/decisions")["items"]
    assert [d["id"] for d in log] == [first, second, approval, rejection, ruling, retire]
    assert [d["kind"] for d in log] == [
        "prioritisation", "prioritisation", "approval", "rejection", "ownership_ruling", "decommission"]
    assert log[0]["meeting_id"] == meeting and "decided_by" not in log[3]  # one list of who decided: deciders
    assert {(d["person_id"], d["capacity"], d["name"]) for d in log[3]["deciders"]} == {
        (t.chair, "named", "Rådets formand"), (t.member, "named", "Rådsmedlem")}
    assert {s["name"] for s in log[3]["subjects"]} == {api.get(f"/proposals/{ids[1]}")["title"]}
    assert {(d["person_id"], d["capacity"]) for d in log[0]["deciders"]} == {(t.chair, "attendee"), (t.member, "attendee")}
    assert log[3]["rationale"] == "Duplicates the regional solution"
    assert log[0]["superseded_by"] == second
    detail = api.get(f"/decisions/{second}")
    assert detail["superseded"]["id"] == first and detail["superseded"]["rationale"] == "Citizen-facing work first"
    assert {c["subject_id"] for c in detail["consequences"]} == {ids[2], ids[0], ids[5]}
    approved = api.get(f"/decisions/{approval}")["consequences"]
    assert {c["subject_id"] for c in approved if c["consequence"] == "proposal became approved"} == {ids[0], ids[2], ids[7]}
    assert any(c["subject_id"] == done["id"] and "teknisk_ansvarlig" in c["consequence"] for c in approved)
    assert {c["subject_id"] for c in api.get(f"/decisions/{ruling}")["consequences"]} == {old}
    assert "phasing_out" in api.get(f"/decisions/{retire}")["consequences"][0]["consequence"]

    page = api.get("/decisions", limit=4)
    assert [d["id"] for d in page["items"]] == [first, second, approval, rejection]
    assert [d["id"] for d in api.get("/decisions", limit=4, cursor=page["next_cursor"])["items"]] == [ruling, retire]

    # Filters: by subject, kind, date range and decider
    assert [d["id"] for d in api.get("/decisions", subject_id=ids[0])["items"]] == [first, second, approval]
    assert [d["id"] for d in api.get("/decisions", kind="rejection")["items"]] == [rejection]
    assert [d["id"] for d in api.get("/decisions", subject_id=theirs)["items"]] == [ruling]  # the claim it rejected
    assert [d["id"] for d in api.get("/decisions", decided_from=on("2026-06-01"), decided_to=on("2026-07-01"))["items"]] == [
        second, approval, rejection]
    assert [d["id"] for d in api.get("/decisions", decider_id=t.member)["items"]] == [first, approval, rejection]

    # The proposal's own history shows every step and the decision behind it
    history = api.get(f"/proposals/{ids[2]}")["history"]
    assert [(h["status"], h["decision_id"]) for h in history] == [
        ("submitted", None), ("under_assessment", None), ("prioritised", first), ("prioritised", second),
        ("approved", approval)]

    # Portfolio balance over approved and in-progress proposals, per forvaltning
    balance = {b["forvaltning_name"]: b for b in api.get("/proposals/balance")["items"]}
    assert balance["Sundhed og Omsorg"]["total"] == 1  # ids[2] approved; ids[0] is implemented now
    assert balance["Økonomi og IT"]["total"] == 1 and balance["Økonomi og IT"]["change_kinds"]["transition"] == 1

    # Benefit follow-ups: the implemented proposal is due after its follow-up date until reviewed
    assert [p["id"] for p in api.get("/proposals/benefit-follow-ups")["items"]] == [ids[0]]
    decide(api, "benefit_review", "Hours saved as promised", [ids[0]], decided_by=[t.chair])
    assert api.get("/proposals/benefit-follow-ups")["items"] == []


def test_a_benefit_follow_up_falls_due_once_its_date_has_passed(api, today):
    t = town(api)
    due = {}
    for name, follow_up in (("Yesterday", on("2026-11-21")), ("Today", str(today)), ("Never", None)):
        pid = submit(api, t, name, follow_up_on=follow_up)
        decide(api, "approval", "Go", [pid], decided_by=[t.chair])
        api.post(f"/proposals/{pid}/implementation")
        api.post(f"/proposals/{pid}/completion", {"operations_owner_id": t.tech, "system": {
            "name": f"System {name}", "org_unit_id": t.it, "criticality": "low", "personal_data": False}})
        due[name] = pid
    assert [p["id"] for p in api.get("/proposals/benefit-follow-ups")["items"]] == [due["Yesterday"]]
    tomorrow = api.get("/proposals/benefit-follow-ups", at=on("2026-11-23"))["items"]
    assert [p["id"] for p in tomorrow] == [due["Yesterday"], due["Today"]]


def test_a_priority_list_is_out_of_force_once_superseded_even_by_another_kind_of_decision(api):
    t = town(api)
    a, b = submit(api, t, "A"), submit(api, t, "B")
    spring = decide(api, "prioritisation", "Spring", decided_by=[t.chair], decided_on=on("2026-02-01"),
                    period_from=on("2026-02-01"), priorities=[{"proposal_id": a, "rank": 1}])["id"]
    summer = decide(api, "prioritisation", "Summer", decided_by=[t.chair], decided_on=on("2026-05-01"),
                    period_from=on("2026-05-01"), priorities=[{"proposal_id": b, "rank": 1}])["id"]
    assert api.get("/priorities")["decision"]["id"] == summer
    # The summer list is withdrawn by deferring its only proposal in a decision that supersedes it:
    decide(api, "deferral", "Summer list withdrawn", [b], decided_by=[t.chair], decided_on=on("2026-08-01"),
           supersedes=summer)
    assert api.get("/priorities", at=on("2026-07-31"))["decision"]["id"] == summer
    assert api.get("/priorities")["decision"]["id"] == spring  # the earlier list, never superseded, is back in force
