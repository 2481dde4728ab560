"""Gap items say in words what is wrong, since when, about whom and which recorded facts or
claims show it; the person is named when the report is read, so an erasure reaches it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.story import on


@pytest.fixture
def story(api):
    unit = api.org_unit("Kommune", "kommune")
    owner = api.person("Karen Blixen", unit)
    claimant = api.person("Niels Bohr", unit)
    system = api.system("Byggesag", unit)
    assigned = api.assign(system, "systemejer", owner, on("2024-01-01"))
    vacancy = api.post(f"/systems/{system}/vacancies", {"role": "systemansvarlig", "effective_from": on("2024-01-01"),
                                                        "reason": "stillingen er ved at blive besat"})
    api.post(f"/people/{owner}/departure", {"effective": on("2025-02-01")})
    claim = api.as_person(claimant, "owner").post(
        f"/systems/{system}/claims", {"role": "teknisk_ansvarlig", "person_id": claimant, "statement": "Jeg driver den"})
    return system, owner, claimant, assigned, vacancy, claim


def gaps(api, system, **query) -> dict[str, dict]:
    items = api.get("/responsibility-gaps", system_id=system, after=api.position, **query)["items"]
    return {item["rule"]: item for item in items}


def test_a_departed_holder_is_named_in_the_gap_with_the_fact_that_made_them_holder(api, story):
    system, owner, _, assigned, _, _ = story
    departed = gaps(api, system, at=on("2025-03-01"))["holder_departed"]
    assert departed["since"] == on("2025-02-01")
    assert departed["detail"] == "systemejer holder Karen Blixen left the organisation or their unit was dissolved on " + on("2025-02-01")
    assert departed["person"] == {"id": owner, "name": "Karen Blixen", "erased": False}
    assert departed["facts"] == [assigned["position"]]


def test_a_vacancy_gap_says_the_reason_and_shows_the_vacancy(api, story):
    system, *_, vacancy, _ = story
    vacant = next(g for g in api.get("/responsibility-gaps", system_id=system, at=on("2025-03-01"))["items"]
                  if g["rule"] == "no_holder" and g["role"] == "systemansvarlig")
    assert "recorded reason: stillingen er ved at blive besat" in vacant["detail"]
    assert vacant["facts"] == [vacancy["position"]] and vacant["person"] is None
    uncovered = next(g for g in api.get("/responsibility-gaps", system_id=system, at=on("2025-03-01"))["items"]
                     if g["rule"] == "no_operational_handover")
    assert uncovered["detail"].endswith("no recorded fact names a holder for these dates") and uncovered["facts"] == []


def test_an_unanswered_claim_names_the_claimant_and_the_claim(api, story, today):
    system, _, claimant, _, _, claim = story
    unanswered = gaps(api, system, at=(today + timedelta(days=20)).isoformat())["claim_unanswered"]
    assert unanswered["claims"] == [claim["claim_id"]] and unanswered["person"]["name"] == "Niels Bohr"
    assert unanswered["detail"].startswith(f"Niels Bohr claimed teknisk_ansvarlig on {today.isoformat()}")


def test_once_erased_the_gap_reads_as_erased_never_the_old_name(api, story):
    system, owner, *_ = story
    done = api.post(f"/people/{owner}/erasure", {"basis": "request 12 (art. 17)"})
    departed = next(g for g in api.get("/responsibility-gaps", system_id=system, at=on("2025-03-01"),
                                       after=done["position"])["items"] if g["rule"] == "holder_departed")
    assert departed["person"] == {"id": owner, "name": None, "erased": True}
    assert "Karen" not in str(departed) and departed["detail"].startswith("systemejer holder a person whose details are erased")
    sweep = api.get("/accountability", at=on("2024-06-01"), after=done["position"])["items"]
    held = next(h for item in sweep if item["system_id"] == system for h in item["holders"])
    assert (held["person_name"], held["person_erased"]) == (None, True)


def test_the_sweep_names_each_holder(api, story):
    system, owner, *_ = story
    sweep = api.get("/accountability", at=on("2024-06-01"))["items"]
    held = next(h for item in sweep if item["system_id"] == system for h in item["holders"])
    assert (held["person_id"], held["person_name"], held["person_erased"]) == (owner, "Karen Blixen", False)
