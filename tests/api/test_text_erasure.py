"""Erasing a free text that can name a person: gone from every view and answer, the erasure
itself on the record, and the log's proofs as valid as before."""

from __future__ import annotations

from tests.story import on


def scene(api):
    unit = api.org_unit("Kommune", "kommune")
    owner, claimant = api.person("Ida Ibsen", unit), api.person("Jens Juhl", unit)
    system = api.system("Lønsystem", unit)
    handed = api.assign(system, "systemejer", owner, on("2024-01-01"), basis="overdraget af Jens Juhl ved mødet")
    vacancy = api.post(f"/systems/{system}/vacancies", {"role": "systemansvarlig", "effective_from": on("2024-01-01"),
                                                       "reason": "Jens Juhl, måske"})
    claim = api.as_person(claimant).post(f"/systems/{system}/claims", {
        "role": "dataejer", "person_id": claimant, "statement": "Jens Juhl har altid haft det"})
    rejected = api.post(f"/systems/{system}/claims/{claim['claim_id']}/rejection", {"reason": "Ida Ibsen siger nej"})
    return {"system": system, "assignment": handed["position"], "vacancy": vacancy["position"],
            "claim": claim["claim_id"], "rejection": rejected["position"]}


def texts(api, system: str) -> str:
    timeline = api.get(f"/systems/{system}/timeline")
    gaps = api.get("/responsibility-gaps")
    return repr(timeline) + repr(gaps)


def test_an_admin_erases_each_kind_of_text_and_no_answer_holds_it_afterwards(api):
    s = scene(api)
    assert "Jens Juhl, måske" in texts(api, s["system"])
    timeline = api.get(f"/systems/{s['system']}/timeline")
    claim = timeline["claims"][0]
    assert claim["answer_position"] == s["rejection"] and claim["position"] < s["rejection"]
    for position in (s["assignment"], s["vacancy"], claim["position"], s["rejection"]):
        api.post("/log/erasures", {"position": position, "basis": "anmodning 2026-17 (art. 17)"})
    after = texts(api, s["system"])
    for text in ("Jens Juhl, måske", "overdraget af", "altid haft det", "siger nej"):
        assert text not in after
    timeline = api.get(f"/systems/{s['system']}/timeline")
    facts = {f["position"]: f for r in timeline["roles"] for f in r["facts"]}
    assert facts[s["assignment"]]["basis"] == facts[s["vacancy"]]["basis"] == "[erased]"
    assert timeline["claims"][0]["statement"] == timeline["claims"][0]["answer"] == "[erased]"
    # The erasures are on the record: which event, by whom; never the text.
    events = api.as_person(api.person("Revisor", api.org_unit("Revision", "kommune")), "auditor").get("/events", after=0)
    erasures = [e for e in events["items"] if e["topic"] == "ansvar.system.text_erased.v1"]
    assert len(erasures) == 4 and all(e["actor_role"] == "admin" for e in erasures)


def test_a_second_erasure_is_409_and_bad_targets_name_the_field(api):
    s = scene(api)
    api.post("/log/erasures", {"position": s["vacancy"], "basis": "anmodning"})
    assert api.post("/log/erasures", {"position": s["vacancy"], "basis": "igen"}, expect=409)["field"] == "position"
    missing = api.post("/log/erasures", {"position": 10**9, "basis": "x"}, expect=404)
    assert missing["field"] == "position"
    not_text = api.post("/log/erasures", {"position": 1, "basis": "x"}, expect=422)  # the org unit's creation
    assert not_text["field"] == "position" and "erasable_topics" in not_text
    wrong_field = api.post("/log/erasures", {"position": s["vacancy"] + 0, "field": "role", "basis": "x"}, expect=422)
    assert wrong_field["field"] == "field"
    assert api.post("/log/erasures", {"position": 0, "basis": "x"}, expect=422)["field"] == "position"
    assert api.post("/log/erasures", {"position": s["vacancy"]}, expect=422)["field"] == "basis"


def test_the_log_still_verifies_and_old_proofs_still_hold_after_erasure(api):
    s = scene(api)
    reader = api.as_person(api.person("Revisor", api.org_unit("Revision", "kommune")), "auditor")
    proof = reader.get("/log/proof/inclusion", position=s["vacancy"])
    api.post("/log/erasures", {"position": s["vacancy"], "basis": "anmodning"})
    again = reader.get("/log/proof/inclusion", position=s["vacancy"], tree_size=proof["tree_size"])
    assert again == proof  # the same leaf, the same path: nothing the auditor holds is invalidated


def test_every_erasable_text_has_its_place_in_the_views():
    from domain.erasable import ERASABLE
    from projections.accountability_view import _ERASED_IN
    from projections.handovers_view import _ERASED_IN as _IN_OFFERS

    assert set(_ERASED_IN) | set(_IN_OFFERS) == set(ERASABLE)  # a text made erasable must also be erased where the views keep it
