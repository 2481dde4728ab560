"""Hand-over with consent: the holder offers, the recipient accepts or refuses, the maker withdraws;
nobody else answers; an offer is answered once; an offer whose maker lost the role is void."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import one_backend
from tests.story import on


@pytest.fixture
def scene(api, today):
    kommune = api.org_unit("Testkommune", "kommune")
    unit = api.org_unit("Hjemmeplejen", "afdeling", kommune)
    anne, bo, carl = (api.person(n, unit) for n in ("Anne", "Bo", "Carl"))
    system = api.system("Omsorgssystem", unit)
    api.assign(system, "systemejer", anne, on("2024-01-01"))
    return {"system": system, "anne": anne, "bo": bo, "carl": carl, "today": today}


def offer(api, scene, effective_from=None, note=None):
    body = {"role": "systemejer", "to_person_id": scene["bo"],
            "effective_from": str(effective_from or scene["today"]), **({"note": note} if note else {})}
    return api.as_person(scene["anne"]).post(f"/systems/{scene['system']}/handovers", body)


def test_an_offer_accepted_later_moves_the_role_from_the_acceptance_day(api, scene, clock):
    made = offer(api, scene, note="jeg går på barsel")
    assert made["state"] == "offered" and made["id"]
    # Both see it waiting: the recipient among the offers to answer, the holder among their own
    waiting = api.as_person(scene["bo"]).get("/me")["responsibilities"]["handovers_offered_to_me"]
    assert [(w["id"], w["system_name"], w["from_person_id"]) for w in waiting] == \
        [(made["id"], "Omsorgssystem", scene["anne"])]
    mine = api.as_person(scene["anne"]).get("/me")["responsibilities"]["handovers_i_offered"]
    assert [w["id"] for w in mine] == [made["id"]]
    clock.advance(timedelta(days=3))
    answer_day = clock.today()
    api.as_person(scene["bo"]).post(f"/handovers/{made['id']}/acceptance")
    # Anne stayed responsible until Bo's answer; from his answer on it is Bo's
    assert api.holders(scene["system"], str(answer_day - timedelta(days=1)))["systemejer"] == scene["anne"]
    assert api.holders(scene["system"], str(answer_day))["systemejer"] == scene["bo"]


def test_an_offer_for_a_later_date_moves_the_role_on_that_date(api, scene):
    later = scene["today"] + timedelta(days=30)
    made = offer(api, scene, effective_from=later)
    api.as_person(scene["bo"]).post(f"/handovers/{made['id']}/acceptance")
    assert api.holders(scene["system"], str(later - timedelta(days=1)))["systemejer"] == scene["anne"]
    assert api.holders(scene["system"], str(later))["systemejer"] == scene["bo"]


def test_a_refusal_keeps_the_role_with_the_holder_and_a_second_answer_is_409(api, scene):
    made = offer(api, scene)
    bo = api.as_person(scene["bo"])
    refused = bo.post(f"/handovers/{made['id']}/refusal", {"reason": "Jeg har ikke tid"})
    assert api.holders(scene["system"], str(scene["today"]))["systemejer"] == scene["anne"]
    # The system's timeline tells the story, as known now and as known before the answer
    [now] = api.get(f"/systems/{scene['system']}/timeline")["handovers"]
    assert (now["state"], now["reason"], now["from_name"], now["to_name"]) == ("refused", "Jeg har ikke tid", "Anne", "Bo")
    assert now["answer_position"] == refused["position"]
    [then] = api.get(f"/systems/{scene['system']}/timeline", known_at=made["recorded_at"])["handovers"]
    assert (then["state"], then["reason"], then["answer_position"]) == ("offered", None, None)
    again = bo.post(f"/handovers/{made['id']}/acceptance", expect=409)
    assert again["type"] == "/problems/handover-already-answered"
    withdrawn = api.as_person(scene["anne"]).post(f"/handovers/{made['id']}/withdrawal", expect=409)
    assert withdrawn["type"] == "/problems/handover-already-answered"


def test_only_the_maker_withdraws_and_then_nobody_can_accept(api, scene):
    made = offer(api, scene)
    assert api.as_person(scene["bo"]).post(f"/handovers/{made['id']}/withdrawal", expect=403)["type"] == \
        "/problems/not-offer-maker"
    api.as_person(scene["anne"]).post(f"/handovers/{made['id']}/withdrawal")
    assert api.as_person(scene["bo"]).post(f"/handovers/{made['id']}/acceptance", expect=409)["type"] == \
        "/problems/handover-already-answered"
    assert api.holders(scene["system"], str(scene["today"]))["systemejer"] == scene["anne"]


@one_backend
@pytest.mark.parametrize("who", ["anne", "carl"])
def test_nobody_but_the_recipient_answers(api, scene, who):
    made = offer(api, scene)
    person = api.as_person(scene[who])
    assert person.post(f"/handovers/{made['id']}/acceptance", expect=403)["type"] == "/problems/not-offer-recipient"
    assert person.post(f"/handovers/{made['id']}/refusal", {"reason": "nej"}, expect=403)["type"] == \
        "/problems/not-offer-recipient"
    assert api.holders(scene["system"], str(scene["today"]))["systemejer"] == scene["anne"]


@one_backend
def test_the_same_offer_twice_is_409_while_the_first_waits(api, scene):
    first = offer(api, scene)
    body = {"role": "systemejer", "to_person_id": scene["bo"], "effective_from": str(scene["today"])}
    again = api.as_person(scene["anne"]).post(f"/systems/{scene['system']}/handovers", body, expect=409)
    assert again["type"] == "/problems/handover-already-offered" and again["field"] == "to_person_id"
    api.as_person(scene["anne"]).post(f"/handovers/{first['id']}/withdrawal")
    offer(api, scene)  # withdrawn: it may be offered again


@one_backend
def test_a_refusal_needs_a_reason_and_an_unknown_offer_is_404(api, scene):
    made = offer(api, scene)
    problem = api.as_person(scene["bo"]).post(f"/handovers/{made['id']}/refusal", {"reason": "  "}, expect=422)
    assert problem["field"] == "reason"
    missing = api.as_person(scene["bo"]).post("/handovers/00000000-0000-4000-8000-000000000000/acceptance", expect=404)
    assert missing["type"] == "/problems/handover-not-found"


def test_an_offer_on_a_role_the_holder_no_longer_holds_is_void(api, scene):
    made = offer(api, scene)
    api.assign(scene["system"], "systemejer", scene["carl"], str(scene["today"]))  # the council moves it meanwhile
    void = api.as_person(scene["bo"]).post(f"/handovers/{made['id']}/acceptance", expect=409)
    assert void["type"] == "/problems/handover-void"
    assert api.holders(scene["system"], str(scene["today"]))["systemejer"] == scene["carl"]


def test_the_note_and_the_refusal_reason_are_erasable_and_the_views_forget_them(api, scene):
    made = offer(api, scene, note="Anne Hansen går på barsel")
    refused = api.as_person(scene["bo"]).post(f"/handovers/{made['id']}/refusal", {"reason": "Bo Berg er syg"})
    api.post("/log/erasures", {"position": made["position"], "field": "note", "basis": "anmodning"})
    api.post("/log/erasures", {"position": refused["position"], "field": "reason", "basis": "anmodning"})
    api.get("/systems")  # the views have caught up with the erasures
    runtime = api.client.app.state.runtime
    with runtime.db.transaction(write=False) as cur:
        cur.execute("SELECT note, reason FROM handover_offers WHERE position = ?", (made["position"],))
        assert dict(cur.fetchone()) == {"note": "[erased]", "reason": "[erased]"}
    again = api.post("/log/erasures", {"position": made["position"], "field": "note", "basis": "igen"}, expect=409)
    assert again["field"] == "position" or again["status"] == 409


def test_an_offer_unanswered_too_long_is_a_gap_until_it_is_answered(api, scene, clock):
    made = offer(api, scene)
    gaps = lambda: [g for g in api.get("/responsibility-gaps")["items"] if g["rule"] == "handover_unanswered"]  # noqa: E731
    clock.advance(timedelta(days=13))
    assert gaps() == []
    clock.advance(timedelta(days=1))  # ANSVAR_HANDOVER_ANSWER_DAYS (14) have passed
    [gap] = gaps()
    assert gap["since"] == str(scene["today"] + timedelta(days=14)) and "Bo" in gap["detail"]
    api.as_person(scene["bo"]).post(f"/handovers/{made['id']}/refusal", {"reason": "Nej tak"})
    assert gaps() == []
