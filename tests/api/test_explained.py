"""Every accountability answer explains itself: per role, the fact that decided it (recorded when,
by whom, as what, on what basis, from which import), or why nobody held it."""

from __future__ import annotations

import pytest

from tests.story import on


@pytest.fixture
def story(api):
    unit = api.org_unit("Kommune", "kommune")
    council = api.person("Rådsmedlem Rasmussen", unit)
    owner = api.person("Bodil Ejer", unit)
    system = api.system("Lønsystem", unit)
    as_council = api.as_person(council, "council")
    assigned = as_council.post(f"/systems/{system}/assignments", {
        "role": "systemejer", "person_id": owner, "effective_from": on("2024-01-01"), "basis": "the director's letter"})
    as_council.post(f"/systems/{system}/vacancies", {"role": "systemansvarlig", "effective_from": on("2024-01-01"),
                                                     "reason": "the post is being recruited"})
    as_council.post(f"/systems/{system}/assignments", {"role": "dataejer", "person_id": owner,
                                                       "effective_from": on("2025-01-01"), "effective_to": on("2025-06-01")})
    return system, owner, council, assigned


def roles(answer: dict) -> dict[str, dict]:
    return {r["role"]: r for r in answer["roles"]}


def test_a_held_role_names_the_holder_and_the_fact_behind_it(api, story):
    system, owner, council, assigned = story
    answer = api.get(f"/systems/{system}/accountability", at=on("2025-03-01"))
    assert answer["system_name"] == "Lønsystem" and len(answer["roles"]) == 8  # every role, not only the held ones
    owned = roles(answer)["systemejer"]
    assert owned["answer"] == "held" and owned["holder"] == {"id": owner, "name": "Bodil Ejer", "erased": False}
    fact = owned["fact"]
    assert fact["position"] == assigned["position"] and fact["recorded_by"]["name"] == "Rådsmedlem Rasmussen"
    assert fact["capacity"] == "council" and fact["basis"] == "the director's letter"
    assert "Bodil Ejer holds systemejer from" in owned["why"] and "Rådsmedlem Rasmussen as council" in owned["why"]
    assert answer["holders"][0]["person_name"] == "Bodil Ejer"


def test_where_nobody_holds_a_role_the_answer_says_why(api, story):
    system, _, _, assigned = story
    answer = roles(api.get(f"/systems/{system}/accountability", at=on("2025-08-01")))
    assert answer["systemansvarlig"]["answer"] == "vacant" and "the post is being recruited" in answer["systemansvarlig"]["why"]
    assert answer["dataejer"]["answer"] == "not_covered" and "ended before" in answer["dataejer"]["why"]
    assert answer["kontraktejer"]["answer"] == "never" and answer["kontraktejer"]["fact"] is None
    before = roles(api.get(f"/systems/{system}/accountability", at=on("2025-03-01"),
                           known_at=f"{on('2020-01-01')}T00:00:00+00:00"))
    assert before["systemejer"]["answer"] == "not_yet_known" and "was known yet" in before["systemejer"]["why"]
    assert before["systemejer"]["fact"]["position"] == assigned["position"]


def test_an_imported_fact_says_which_file_and_row_it_came_from(api):
    csv = "Systemnavn;Forvaltning;Afdeling;Systemejer\r\nESDH;Økonomi;Løn;Bo Larsen\r\n"
    done = api.client.post("/imports", files={"file": ("it.csv", csv.encode(), "text/csv")}, data={"apply": "true"})
    api.position = done.json()["position"]
    [system] = api.get("/systems", q="ESDH")["items"]
    owned = roles(api.get(f"/systems/{system['id']}/accountability"))["systemejer"]
    assert owned["fact"]["source"]["file"] == "it.csv" and owned["fact"]["source"]["row"] == 2
    assert "imported from it.csv row 2" in owned["why"] and owned["fact"]["capacity"] == "admin"


def test_an_erased_holder_reads_as_erased_never_as_their_old_name(api, story):
    system, owner, _, _ = story
    api.post(f"/people/{owner}/erasure", {"basis": "request 12 (art. 17)"})
    owned = roles(api.get(f"/systems/{system}/accountability", at=on("2025-03-01")))["systemejer"]
    assert owned["holder"] == {"id": owner, "name": None, "erased": True}
    assert "Bodil" not in owned["why"] and "erased" in owned["why"]
    timeline = api.get(f"/systems/{system}/timeline")["roles"]
    assert all(f["person_name"] is None for r in timeline for f in r["facts"])
