"""A scripted audit story over HTTP: an owner hands over, the handover is recorded late, a claim
is disputed and ruled, a person leaves. The as-of answers and the gap list at several dates and
record times must be exactly right."""

from __future__ import annotations

from datetime import timedelta

from tests.story import day, on


def gaps(api, at) -> set[tuple[str, str, str]]:
    return {(g["rule"], g["role"], g["since"]) for g in api.get("/responsibility-gaps", at=str(at))["items"]}


def test_the_audit_story(api, today):
    kommune = api.org_unit("Testkommune", "kommune")
    forvaltning = api.org_unit("Sundhed og Omsorg", "forvaltning", kommune)
    afdeling = api.org_unit("Hjemmeplejen", "afdeling", forvaltning)
    team = api.org_unit("Hjemmepleje team Nord", "team", afdeling)
    birgit = api.person("Birgit", afdeling, "afdelingsleder")
    carsten = api.person("Carsten", afdeling, "medarbejder")
    dorthe = api.person("Dorthe", team, "teamleder")
    erik = api.person("Erik", afdeling, "IT-medarbejder")
    frida = api.person("Frida", afdeling, "medarbejder")
    system = api.system("Omsorgssystem og kørelister", team, criticality="critical", lifecycle_from=on("2022-01-01"))

    # Given the system was fully staffed from the start.
    first = api.assign(system, "systemejer", birgit, on("2022-01-01"))
    api.assign(system, "systemansvarlig", carsten, on("2022-01-01"))
    api.assign(system, "teknisk_ansvarlig", erik, on("2022-01-01"))
    api.as_person(birgit).post(f"/systems/{system}/attestations", {"role": "systemejer", "person_id": birgit})
    assert api.holders(system, on("2023-11-01")) == {
        "systemejer": birgit, "systemansvarlig": carsten, "teknisk_ansvarlig": erik,
    }

    # When Birgit hands the system to Dorthe (a team leader) from 2024-01-01 ...
    handover = api.assign(system, "systemejer", dorthe, on("2024-01-01"), basis="handover at the department meeting")
    # ... and only later is it recorded that the handover really took effect on 2023-10-01.
    late = api.assign(system, "systemejer", dorthe, on("2023-10-01"), basis=f"correction: handover was {on('2023-10-01')}")

    # Then as known before the correction, Birgit was accountable on 2023-11-01; as known after, Dorthe.
    assert api.holders(system, on("2023-11-01"), known_at=handover["recorded_at"])["systemejer"] == birgit
    assert api.holders(system, on("2023-11-01"), known_at=late["recorded_at"])["systemejer"] == dorthe
    assert api.holders(system, on("2023-11-01"))["systemejer"] == dorthe
    # And before anything was recorded, nobody was known to be accountable.
    assert api.holders(system, on("2023-11-01"), known_at=f"{on('2000-01-01')}T00:00:00+00:00") == {}
    assert api.holders(system, on("2021-12-31")) == {}
    # A critical system owned at team level is a gap from the (corrected) handover date.
    assert ("owner_too_low", "systemejer", on("2023-10-01")) in gaps(api, today)

    # The timeline shows the resolved periods and every fact behind them, with actor and basis.
    timeline = api.get(f"/systems/{system}/timeline")
    owner = next(r for r in timeline["roles"] if r["role"] == "systemejer")
    assert [(p["person_id"], p["effective_from"], p["effective_to"]) for p in owner["periods"]] == [
        (birgit, on("2022-01-01"), on("2023-10-01")), (dorthe, on("2023-10-01"), None),
    ]
    assert [f["position"] for f in owner["facts"]] == [first["position"], handover["position"], late["position"]]
    assert owner["facts"][2]["basis"] == f"correction: handover was {on('2023-10-01')}"
    as_before = api.get(f"/systems/{system}/timeline", known_at=handover["recorded_at"])
    periods = next(r for r in as_before["roles"] if r["role"] == "systemejer")["periods"]
    assert [(p["person_id"], p["effective_from"]) for p in periods] == [(birgit, on("2022-01-01")), (dorthe, on("2024-01-01"))]

    # When Frida and Carsten both claim the data owner role, the claims compete.
    c1 = api.as_person(frida).post(f"/systems/{system}/claims", {"role": "dataejer", "person_id": frida, "statement": "I run the data"})
    c2 = api.as_person(carsten).post(f"/systems/{system}/claims", {"role": "dataejer", "person_id": carsten, "statement": "No, I do"})
    assert ("competing_claims", "dataejer", str(today)) in gaps(api, today)
    assert {c["claim_id"] for c in api.get(f"/people/{frida}/responsibilities")["open_claims"]} == {c1["claim_id"]}

    # And when the council rules for Frida, her claim becomes an assignment and the other is rejected.
    api.post(f"/systems/{system}/claims/{c1['claim_id']}/confirmation", {"effective_from": on("2026-01-01")})
    api.post(f"/systems/{system}/claims/{c2['claim_id']}/rejection", {"reason": "ruled for Frida"})
    problem = api.post(f"/systems/{system}/claims/{c2['claim_id']}/confirmation", {}, expect=409)
    assert problem["type"] == "/problems/claim-already-answered" and problem["current"] == "rejected"
    assert api.holders(system, on("2026-02-01"))["dataejer"] == frida
    assert not {g for g in gaps(api, today) if g[0] == "competing_claims"}

    # When Erik (teknisk ansvarlig) leaves on 2026-06-30, the role is held by someone who left ...
    api.post(f"/people/{erik}/departure", {"effective": on("2026-06-30")})
    assert ("holder_departed", "teknisk_ansvarlig", on("2026-06-30")) in gaps(api, day("2026-07-15"))
    assert ("holder_departed", "teknisk_ansvarlig", on("2026-06-30")) not in gaps(api, day("2026-06-29"))
    # ... and an assignment starting after his departure is refused, naming the field.
    problem = api.post(f"/systems/{system}/assignments", {
        "role": "systemansvarlig", "person_id": erik, "effective_from": on("2026-07-01")}, expect=422)
    assert problem["type"] == "/problems/person-departed" and problem["field"] == "person_id"
    # ... until Frida takes over on 2026-08-01.
    api.assign(system, "teknisk_ansvarlig", frida, on("2026-08-01"))
    assert ("holder_departed", "teknisk_ansvarlig", on("2026-06-30")) in gaps(api, day("2026-07-15"))
    assert not {g for g in gaps(api, day("2026-08-01")) if g[0] == "holder_departed"}

    # The auditor's sweep agrees with the per-system answer at every probe.
    for at in (on("2022-06-01"), on("2023-11-01"), on("2026-07-15"), str(today)):
        swept = api.get("/accountability", at=at)["items"]
        mine = next(i for i in swept if i["system_id"] == system)
        assert {h["role"]: h["person_id"] for h in mine["holders"]} == api.holders(system, at)

    # Dorthe's "my systems" view lists the system she owns now.
    held = api.get(f"/people/{dorthe}/responsibilities")["holds"]
    assert [(h["system_id"], h["role"]) for h in held] == [(system, "systemejer")]


def test_attesting_a_role_one_does_not_hold_is_refused(api, today):
    kommune = api.org_unit("K", "kommune")
    unit = api.org_unit("A", "afdeling", kommune)
    owner, other = api.person("O", unit), api.person("X", unit)
    system = api.system("S", unit)
    api.assign(system, "systemejer", owner, str(today - timedelta(days=400)))
    assert ("attestation_overdue", "systemejer") in {(g["rule"], g["role"]) for g in api.get("/responsibility-gaps")["items"]}
    problem = api.as_person(other).post(f"/systems/{system}/attestations", {"role": "systemejer", "person_id": other}, expect=403)
    assert problem["type"] == "/problems/not-role-holder"
    problem = api.as_person(other).post(f"/systems/{system}/attestations", {"role": "systemejer", "person_id": owner}, expect=403)
    assert problem["type"] == "/problems/acting-for-another"
    api.as_person(owner).post(f"/systems/{system}/attestations", {"role": "systemejer", "person_id": owner})
    assert "attestation_overdue" not in {g["rule"] for g in api.get("/responsibility-gaps")["items"]}


def test_validation_of_responsibility_commands(api):
    kommune = api.org_unit("K", "kommune")
    unit = api.org_unit("A", "afdeling", kommune)
    person = api.person("P", unit)
    system = api.system("S", unit)
    for body, field in (
        ({"role": "boss", "person_id": person, "effective_from": "2024-01-01"}, "role"),
        ({"role": "systemejer", "person_id": person, "effective_from": "2024-02-30"}, "effective_from"),
        ({"role": "systemejer", "person_id": person, "effective_from": "2024-01-01", "effective_to": "2024-01-01"}, "effective_to"),
        ({"role": "systemejer", "person_id": "00000000-0000-0000-0000-000000000009", "effective_from": "2024-01-01"}, "person_id"),
    ):
        assert api.post(f"/systems/{system}/assignments", body, expect=422)["field"] == field
    assert api.post("/org-units", {"name": "T", "level": "kommune", "parent_id": unit}, expect=422)["field"] == "parent_id"
    claim = api.as_person(person).post(f"/systems/{system}/claims", {"role": "dataejer", "person_id": person, "statement": "mine"})
    missing = "00000000-0000-0000-0000-0000000000ff"
    assert api.post(f"/systems/{system}/claims/{missing}/confirmation", {}, expect=404)["type"] == "/problems/claim-not-found"
    api.post(f"/systems/{system}/claims/{claim['claim_id']}/rejection", {"reason": "no"})
    api.post(f"/people/{person}/departure", {"effective": "2024-01-01"})
    assert api.post(f"/people/{person}/departure", {"effective": "2024-02-01"}, expect=409)["type"] == "/problems/already-done"


def test_the_timeline_as_known_at_a_time_shows_claims_as_they_stood_then(api):
    kommune = api.org_unit("K", "kommune")
    unit = api.org_unit("A", "afdeling", kommune)
    person = api.person("P", unit)
    system = api.system("S", unit)
    claim = api.as_person(person).post(f"/systems/{system}/claims", {"role": "dataejer", "person_id": person, "statement": "mine"})
    api.post(f"/systems/{system}/claims/{claim['claim_id']}/rejection", {"reason": "not yours"})
    then = api.get(f"/systems/{system}/timeline", known_at=claim["recorded_at"])["claims"]
    now = api.get(f"/systems/{system}/timeline")["claims"]
    assert [(c["status"], c["answer"]) for c in then] == [("open", None)]
    assert [(c["status"], c["answer"]) for c in now] == [("rejected", "not yours")]
