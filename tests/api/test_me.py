"""GET /me: who the token speaks for, so an owner never has to know their own id."""

from __future__ import annotations

import uuid

from tests.story import on


def test_me_names_the_person_their_roles_and_what_they_hold_today(api):
    unit = api.org_unit("Kommune", "kommune")
    owner = api.person("Bodil Ejer", unit)
    system = api.system("Lønsystem", unit)
    api.assign(system, "systemejer", owner, on("2024-01-01"))
    me = api.as_person(owner).get("/me")
    assert me["person_id"] == owner and me["registered"] and me["person"]["name"] == "Bodil Ejer"
    assert me["roles"] == ["owner"]
    assert [(h["system_name"], h["role"]) for h in me["responsibilities"]["holds"]] == [("Lønsystem", "systemejer")]
    assert me["responsibilities"]["holds"][0]["attestation_due"] is not None


def test_a_token_for_nobody_registered_says_so(api):
    stranger = uuid.uuid4()
    me = api.as_person(stranger, "auditor").get("/me")
    assert me == {"person_id": str(stranger), "registered": False, "person": None, "roles": ["auditor", "owner"],
                  "responsibilities": me["responsibilities"]}
    assert me["responsibilities"]["holds"] == [] and me["responsibilities"]["open_claims"] == []
