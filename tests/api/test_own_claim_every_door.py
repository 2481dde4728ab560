"""A claimant never confirms their own claim, by any door: not by the confirmation route, not by
an ownership ruling they decide, record or attend the meeting of. Another council member can."""

from __future__ import annotations

import pytest

from tests.conftest import one_backend


@pytest.fixture
def claim(api):
    unit = api.org_unit("Kommune", "kommune")
    me, colleague = api.person("Rådsmedlem", unit), api.person("Kollega i rådet", unit)
    system = api.system("Omsorgssystem", unit)
    claim = api.as_person(me).post(f"/systems/{system}/claims", {"role": "systemejer", "person_id": me,
                                                                "statement": "Mine"})["claim_id"]
    return me, colleague, system, claim


def ruling(system: str, claim: str, **how) -> dict:
    return {"kind": "ownership_ruling", "rationale": "The forvaltning carries the budget",
            "subjects": [{"kind": "system", "id": system}], "confirmed_claim_id": claim, **how}


@one_backend
def test_every_door_to_confirming_ones_own_claim_is_shut_and_another_member_can(api, claim):
    me, colleague, system, claim_id = claim
    mine = api.as_person(me, "council")
    refusals = [
        mine.post(f"/systems/{system}/claims/{claim_id}/confirmation", {}, expect=403),
        mine.post("/decisions", ruling(system, claim_id, decided_by=[me]), expect=403),
        mine.post("/decisions", ruling(system, claim_id, decided_by=[colleague]), expect=403),  # I record it
        api.post("/decisions", ruling(system, claim_id, decided_by=[me, colleague]), expect=403),  # I decide it
    ]
    alone = api.post("/meetings", {"held_on": "2026-01-05", "attendee_ids": [me], "quorum": True})["id"]
    refusals.append(api.post("/decisions", ruling(system, claim_id, meeting_id=alone), expect=403))
    present = api.post("/meetings", {"held_on": "2026-01-06", "attendee_ids": [colleague, me], "quorum": True})["id"]
    refusals.append(api.post("/decisions", ruling(system, claim_id, meeting_id=present), expect=403))
    assert {r["type"] for r in refusals} == {"/problems/own-claim"}
    assert api.get(f"/systems/{system}/timeline")["claims"][0]["status"] == "open"  # nothing was recorded

    ruled = api.as_person(colleague, "council").post("/decisions", ruling(system, claim_id, decided_by=[colleague]))
    assert api.get(f"/systems/{system}/timeline")["claims"][0]["status"] == "confirmed"
    assert api.get(f"/decisions/{ruled['id']}")["kind"] == "ownership_ruling"
