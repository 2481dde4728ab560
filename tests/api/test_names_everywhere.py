"""Names beside ids wherever a person reads: the timeline's periods, claims and attestations, the
event log's recorders, proposals and their steps, council meetings; an erased person reads as
erased, never as their old name."""

from __future__ import annotations

from tests.api.council_helpers import proposal_body, town
from tests.story import on


def test_the_timeline_names_holders_claimants_and_attesters(api, today):
    unit = api.org_unit("Kommune", "kommune")
    owner, claimant = api.person("Grethe Sørensen", unit), api.person("Øjvind Åberg", unit)
    system = api.system("Sagssystem", unit)
    api.assign(system, "systemejer", owner, on("2024-01-01"))
    api.as_person(owner, "owner").post(f"/systems/{system}/attestations", {"role": "systemejer", "person_id": owner})
    claimed = api.as_person(claimant, "owner").post(
        f"/systems/{system}/claims", {"role": "dataejer", "person_id": claimant, "statement": "Mine"})
    timeline = api.get(f"/systems/{system}/timeline", after=claimed["position"])
    owned = next(r for r in timeline["roles"] if r["role"] == "systemejer")
    assert [(p["person_name"], p["person_erased"]) for p in owned["periods"]] == [("Grethe Sørensen", False)]
    assert [(c["person_name"], c["status"]) for c in timeline["claims"]] == [("Øjvind Åberg", "open")]
    assert [a["person_name"] for a in timeline["attestations"]] == ["Grethe Sørensen"]

    erased = api.post(f"/people/{owner}/erasure", {"basis": "request 3"})
    timeline = api.get(f"/systems/{system}/timeline", after=erased["position"])
    owned = next(r for r in timeline["roles"] if r["role"] == "systemejer")
    assert owned["periods"][0]["person_erased"] is True and owned["facts"][0]["person_erased"] is True
    assert timeline["attestations"][0]["person_erased"] is True and "Grethe" not in str(timeline)


def test_the_event_log_names_who_recorded_each_event(api):
    unit = api.org_unit("Kommune", "kommune")
    clerk = api.person("Ida Kjær", unit)
    done = api.as_person(clerk, "admin").post("/org-units", {"name": "Ny afdeling", "level": "afdeling", "parent_id": unit})
    auditor = api.as_person(api.person("Revisor", unit), "auditor")
    logged = auditor.get("/events", after=done["position"] - 1, limit=1)["items"][0]
    assert (logged["actor_id"], logged["actor_name"], logged["actor_erased"]) == (clerk, "Ida Kjær", False)


def test_proposals_name_their_proposer_and_who_took_each_step_and_meetings_their_attendees(api):
    t = town(api)
    pid = api.as_person(t.proposer, "owner").post("/proposals", proposal_body(t, "Digital post"))["id"]
    assessed = api.as_person(t.chair, "council").post(f"/proposals/{pid}/assessment")
    shown = api.get(f"/proposals/{pid}", after=assessed["position"])
    assert (shown["proposer_id"], shown["proposer_name"]) == (t.proposer, "Medarbejder")
    assert [h["actor_name"] for h in shown["history"]] == ["Medarbejder", "Rådets formand"]
    assert api.get("/proposals")["items"][0]["proposer_name"] == "Medarbejder"
    held = api.post("/meetings", {"held_on": on("2026-02-01"), "attendee_ids": [t.chair, t.member], "quorum": True})
    meeting = api.get(f"/meetings/{held['id']}", after=held["position"])
    assert [(a["id"], a["name"]) for a in meeting["attendees"]] == [(t.chair, "Rådets formand"), (t.member, "Rådsmedlem")]
    assert api.get("/meetings")["items"][0]["attendees"][0]["name"] == "Rådets formand"
