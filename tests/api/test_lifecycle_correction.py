"""A lifecycle corrected on the same effective date: the change recorded last decides, and the
register, the gap rules and every command that looks at the lifecycle agree, over HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.council_helpers import decide, submit, town


def upload(api, csv: str, apply: bool) -> tuple[int, dict]:
    response = api.client.post("/imports", files={"file": ("it.csv", csv.encode(), "text/csv")},
                               data={"apply": "true"} if apply else {})
    body = response.json()
    if response.status_code == 201:
        api.position = max(api.position, body["position"])
    return response.status_code, body


@pytest.fixture
def corrected(api, today):
    """A system in operation for years, wrongly recorded as decommissioned ten days ago, and
    corrected the same day: back in operation from that very date."""
    kommune = api.org_unit("Testkommune", "kommune")
    forvaltning = api.org_unit("Økonomiforvaltningen", "forvaltning", kommune)
    afdeling = api.org_unit("Løn", "afdeling", forvaltning)
    system = api.system("Lønsystem", afdeling, lifecycle_from=(today - timedelta(days=3 * 365)).isoformat())
    when = (today - timedelta(days=10)).isoformat()
    api.post(f"/systems/{system}/lifecycle", {"lifecycle": "decommissioned", "effective_from": when})
    api.post(f"/systems/{system}/lifecycle", {"lifecycle": "in_operation", "effective_from": when})
    return system, when


def test_the_register_says_what_the_correction_says(api, corrected):
    system, when = corrected
    shown = api.get(f"/systems/{system}")
    assert shown["lifecycle"] == "in_operation"
    assert [(h["lifecycle"], h["effective_from"]) for h in shown["lifecycle_history"]][-2:] == [
        ("decommissioned", when), ("in_operation", when)]
    assert [s["id"] for s in api.get("/systems", lifecycle="in_operation")["items"]] == [system]
    assert api.get("/systems", lifecycle="decommissioned")["items"] == []


def test_the_gap_rules_still_see_a_system_in_operation(api, corrected, today):
    system, _ = corrected
    gaps = api.get("/responsibility-gaps", system_id=system)["items"]
    no_owner = [g for g in gaps if g["rule"] == "no_holder" and g["role"] == "systemejer"]
    assert no_owner and no_owner[0]["until"] is None  # not ended by the mistaken decommissioning


def test_it_can_be_proposed_for_decommissioning_as_a_system_in_operation_can(api, corrected):
    system, _ = corrected
    api.post(f"/systems/{system}/decommissioning", {"reason": "Replaced by the regional solution"})
    assert api.get(f"/systems/{system}/decommissioning")["stage"] == "proposed"


def test_an_import_compares_against_the_same_lifecycle_and_applies(api, corrected):
    system, _ = corrected
    row = "Systemnavn;Forvaltning;Afdeling;Livscyklus\r\nLønsystem;Økonomiforvaltningen;Løn;{}\r\n"
    status, same = upload(api, row.format("I drift"), apply=True)
    assert status == 200 and not same["applied"] and same["facts"]["lifecycle_changes"] == 0
    status, changed = upload(api, row.format("Under udfasning"), apply=True)
    assert status == 201, changed  # not a false "changed after the import was planned"
    assert changed["facts"]["lifecycle_changes"] == 1
    assert api.get(f"/systems/{system}")["lifecycle"] == "phasing_out"


def test_a_proposal_may_deliver_it_since_it_is_not_being_retired(api, corrected):
    system, _ = corrected
    t = town(api)
    proposal = submit(api, t, "Ny lønmodul")
    decide(api, "approval", "Worth it", [proposal], decided_by=[t.chair], operations_owner_id=t.tech)
    api.post(f"/proposals/{proposal}/implementation")
    api.post(f"/proposals/{proposal}/completion", {"system_id": system})
    assert api.get(f"/proposals/{proposal}")["system_id"] == system
