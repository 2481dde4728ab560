"""Provisioning from the identity provider (SCIM 2.0, issue 27): users become people, matched to
those already registered; a user set inactive or deleted is a departure that day, and their
roles show as gaps at once; set active again, the departure ends. Every backend."""

from __future__ import annotations

from datetime import timedelta

from tests.api.scim_helpers import ENTERPRISE, ERROR, Scim, credential, entra_user


def _gaps_of(api, person_id: str) -> set[tuple[str, str]]:
    # No `after`: a SCIM answer comes once the views show what it recorded.
    return {(g["rule"], g["role"]) for g in api.get("/responsibility-gaps", after=None)["items"]
            if (g.get("person") or {}).get("id") == person_id}


def test_an_entra_id_provisioning_script_from_creation_to_deletion(api, today):
    kommune = api.org_unit("Roskilde Kommune", "kommune")
    unit = api.org_unit("Teknik og Miljø", "forvaltning", kommune)
    scim = Scim(api, credential(api))

    # Create, in Entra ID's shape, with the enterprise extension naming a known org unit.
    body = entra_user("Karen.Holm@roskilde.dk", "Karen", "Holm", "0f8e7d6c-1111-4222-8333-944455556666",
                      title="Vejchef", **{ENTERPRISE: {"department": "teknik og miljø"}})
    user = scim.create("Karen.Holm@roskilde.dk", **body)
    person_id = api.get("/people", q="Karen Holm")["items"][0]["id"]
    person = api.get(f"/people/{person_id}")
    assert (person["name"], person["email"], person["org_unit_id"]) == ("Karen Holm", "Karen.Holm@roskilde.dk", unit)
    assert user["active"] is True and user[ENTERPRISE]["department"] == "teknik og miljø"
    assert user["meta"]["resourceType"] == "User" and user["meta"]["location"].endswith(f"/scim/v2/Users/{user['id']}")

    system = api.system("Vejregister", unit)
    api.assign(system, "systemejer", person_id, (today - timedelta(days=400)).isoformat())
    assert ("holder_departed", "systemejer") not in _gaps_of(api, person_id)

    # Update: Entra ID's Replace of a sub-attribute and of a filtered multi-valued one.
    updated = scim.patch(user["id"], {"op": "Replace", "path": "name.familyName", "value": "Holm-Berg"},
                         {"op": "Replace", "path": "displayName", "value": "Karen Holm-Berg"},
                         {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "khb@roskilde.dk"})
    assert updated["name"]["familyName"] == "Holm-Berg" and updated["emails"][0]["value"] == "khb@roskilde.dk"
    assert api.get(f"/people/{person_id}")["name"] == "Karen Holm-Berg"

    # Deactivate in Entra ID's dialect: a capitalised op and a string boolean.
    events = scim.events()
    gone = scim.patch(user["id"], {"op": "Replace", "path": "active", "value": "False"})
    assert gone["active"] is False
    assert scim.events() == events + 1
    assert api.get(f"/people/{person_id}")["departed_on"] == today.isoformat()
    assert ("holder_departed", "systemejer") in _gaps_of(api, person_id)
    auditor = api.as_person("00000000-0000-4000-8000-0000000a0d17", "auditor")
    departure = auditor.get("/events", limit=500)["items"][-1]
    assert (departure["topic"], departure["actor_role"]) == ("ansvar.person.departed.v1", "scim")
    assert departure["source"]["basis"] == "scim.user_deactivated"

    # The same request again records nothing.
    scim.patch(user["id"], {"op": "Replace", "path": "active", "value": "False"})
    assert scim.events() == events + 1

    # Reactivate without a path, with a value object: the departure is ended by a new fact.
    back = scim.patch(user["id"], {"op": "replace", "value": {"active": True}})
    assert back["active"] is True and scim.events() == events + 2
    assert api.get(f"/people/{person_id}")["departed_on"] is None
    assert ("holder_departed", "systemejer") not in _gaps_of(api, person_id)

    # Delete: the person has left today, and the user is gone here.
    scim.send("DELETE", f"/Users/{user['id']}", expect=204)
    assert api.get(f"/people/{person_id}")["departed_on"] == today.isoformat()
    assert ("holder_departed", "systemejer") in _gaps_of(api, person_id)
    missing = scim.send("GET", f"/Users/{user['id']}", expect=404)
    assert missing["schemas"] == [ERROR] and missing["status"] == "404"
    scim.send("DELETE", f"/Users/{user['id']}", expect=404)


def test_a_new_user_is_matched_to_the_person_registered_with_that_e_mail_in_any_case(api):
    unit = api.org_unit("Roskilde Kommune", "kommune")
    known = api.post("/people", {"name": "Henrik Sørensen", "org_unit_id": unit, "title": None,
                                 "email": "henrik.soerensen@roskilde.dk"})["id"]
    scim = Scim(api, credential(api))
    scim.create("HENRIK.SOERENSEN@Roskilde.dk", **entra_user("HENRIK.SOERENSEN@Roskilde.dk", "Henrik", "Sørensen", "e-1"))
    assert api.get("/people", q="Sørensen")["items"] == [api.get(f"/people/{known}")]
    assert len(api.get("/people")["items"]) == 1


def test_a_user_sent_again_after_deletion_is_the_same_person_by_external_id(api, today):
    unit = api.org_unit("Roskilde Kommune", "kommune")
    scim = Scim(api, credential(api))
    first = scim.create("ole@roskilde.dk", **entra_user("ole@roskilde.dk", "Ole", "Dam", "obj-42"))
    scim.send("DELETE", f"/Users/{first['id']}", expect=204)
    # Renamed in the directory meanwhile: the object id still says who it is.
    again = scim.create("ole.dam@roskilde.dk", **entra_user("ole.dam@roskilde.dk", "Ole", "Dam", "obj-42"))
    assert again["id"] != first["id"]
    people = api.get("/people")["items"]
    assert len(people) == 1 and people[0]["departed_on"] is None  # back: the departure ended
    assert api.get(f"/people/{people[0]['id']}")["org_unit_id"] == unit


def test_a_person_named_once_in_the_domain_is_matched_by_name_and_two_of_a_name_are_not_guessed(api):
    unit = api.org_unit("Roskilde Kommune", "kommune")
    one = api.person("Anne Lund", unit)
    api.person("Bo Holm", unit)
    api.person("Bo Holm", unit)
    scim = Scim(api, credential(api))
    scim.create("anne.lund@roskilde.dk", **entra_user("anne.lund@roskilde.dk", "Anne", "Lund", "a"))
    scim.create("bo.holm@roskilde.dk", **entra_user("bo.holm@roskilde.dk", "Bo", "Holm", "b"))
    assert api.get(f"/people/{one}")["email"] == "anne.lund@roskilde.dk"
    assert len(api.get("/people")["items"]) == 4  # Anne found; a third Bo Holm, nothing guessed


def test_repeating_a_creation_is_a_uniqueness_error_and_records_nothing(api):
    api.org_unit("Roskilde Kommune", "kommune")
    scim = Scim(api, credential(api))
    scim.create("x@roskilde.dk", **entra_user("x@roskilde.dk", "X", "Y", "x"))
    events = scim.events()
    problem = scim.create("X@roskilde.dk", expect=409, **entra_user("X@roskilde.dk", "X", "Y", "x"))
    assert problem["scimType"] == "uniqueness" and scim.events() == events
    user = scim.users(filter='userName eq "x@ROSKILDE.dk"')["Resources"][0]
    same = {k: v for k, v in user.items() if k not in ("id", "meta", "schemas")}
    scim.send("PUT", f"/Users/{user['id']}", {"schemas": user["schemas"], **same})
    assert scim.events() == events
    assert scim.send("GET", f"/Users/{user['id']}")["meta"]["version"] == user["meta"]["version"]


def test_filters_and_paging(api):
    api.org_unit("Roskilde Kommune", "kommune")
    scim = Scim(api, credential(api))
    ids = [scim.create(f"u{i}@roskilde.dk", **entra_user(f"u{i}@roskilde.dk", "U", str(i), f"ext-{i}"))["id"]
           for i in range(5)]
    assert [u["id"] for u in scim.users(filter='externalId eq "ext-3"')["Resources"]] == [ids[3]]
    assert [u["id"] for u in scim.users(filter='emails.value eq "U2@roskilde.dk"')["Resources"]] == [ids[2]]
    assert [u["id"] for u in scim.users(filter='emails[value eq "u4@roskilde.dk"]')["Resources"]] == [ids[4]]
    assert scim.users(filter='userName eq "nobody@roskilde.dk"')["totalResults"] == 0
    page = scim.users(startIndex=2, count=2)
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (5, 2, 2)
    assert [u["id"] for u in page["Resources"]] == ids[1:3]
    assert scim.users(count=0)["Resources"] == [] and scim.users(count=0)["totalResults"] == 5


def test_the_councils_next_reminder_names_the_holder_the_provider_deactivated(api, today):
    from usecases import reminders

    unit = api.org_unit("Roskilde Kommune", "kommune")
    member, chair = api.person("Rita Råd", unit), api.person("Formand", unit)
    api.post("/meetings", {"held_on": today.isoformat(), "attendee_ids": [member, chair], "quorum": True})
    scim = Scim(api, credential(api))
    user = scim.create("ole@roskilde.dk", **entra_user("ole@roskilde.dk", "Ole", "Ejer", "obj-ole"))
    ole = api.get("/people", q="Ole Ejer")["items"][0]["id"]
    system = api.system("Lønsystem", unit)
    api.assign(system, "systemejer", ole, (today - timedelta(days=400)).isoformat())  # attestation overdue
    scim.patch(user["id"], {"op": "Replace", "path": "active", "value": "False"})
    planned = reminders.run(api.client.app.state.runtime, worker_runs=True).planned
    gone = [r for r in planned if r.duty == "holder_gone"]
    assert gone and {str(r.about_person_id) for r in gone} == {ole}
    assert {str(r.recipient_id) for r in gone} <= {member, chair, "None"}


def test_a_replacement_that_says_nothing_of_active_leaves_a_departed_person_departed(api, today):
    api.org_unit("Roskilde Kommune", "kommune")
    scim = Scim(api, credential(api))
    user = scim.create("eva@roskilde.dk", **entra_user("eva@roskilde.dk", "Eva", "Lund", "obj-eva"))
    scim.patch(user["id"], {"op": "Replace", "path": "active", "value": "False"})
    events = scim.events()
    body = {k: v for k, v in entra_user("eva@roskilde.dk", "Eva", "Lund", "obj-eva").items() if k != "active"}
    scim.send("PUT", f"/Users/{user['id']}", {"userName": "eva@roskilde.dk", **body})
    person = api.get("/people", q="Eva Lund")["items"][0]
    assert person["departed_on"] == today.isoformat() and scim.events() == events


def test_erasing_a_person_erases_their_scim_users_name_and_e_mail(api):
    api.org_unit("Roskilde Kommune", "kommune")
    scim = Scim(api, credential(api))
    user = scim.create("ida@roskilde.dk", **entra_user("ida@roskilde.dk", "Ida", "Holm", "obj-17"))
    person = api.get("/people", q="Ida Holm")["items"][0]["id"]
    api.post(f"/people/{person}/erasure", {"basis": "sag 2026-17"})
    left = scim.send("GET", f"/Users/{user['id']}")
    assert "ida" not in str(left).lower() and left["externalId"] == "obj-17" and left["active"] is True
    assert scim.users(filter='userName eq "ida@roskilde.dk"')["totalResults"] == 0


def test_a_user_whose_address_spells_a_registered_name_is_that_person_and_several_are_not_guessed(api):
    # issue 27: the SCIM match uses the spelling rule (domain/person_match.py) after externalId and e-mail
    unit = api.org_unit("Roskilde Kommune", "kommune")
    api.post("/people", {"name": "Åse Holm", "org_unit_id": unit, "title": None, "email": "aase.holm@roskilde.dk"})
    soeren = api.person("Søren Kjærgaard", unit)
    api.person("Mette Lund", unit)
    api.person("Mette Lund", unit)
    scim = Scim(api, credential(api))
    # displayName as the directory writes it, not as registered: the address spells the name
    scim.create("soeren.kjaergaard@roskilde.dk", **entra_user("soeren.kjaergaard@roskilde.dk", "Soeren", "Kjaergaard",
                                                              "s-1"))
    shown = api.get(f"/people/{soeren}")
    assert shown["email"] == "soeren.kjaergaard@roskilde.dk"
    scim.create("mette.lund@roskilde.dk", **entra_user("mette.lund@roskilde.dk", "M.", "Lund", "m-1"))
    people = api.get("/people")["items"]
    assert len(people) == 5  # Søren found, not duplicated; two Mette Lunds fit: a new record, nothing guessed
    scim.create("soeren.kjaergaard2@other.dk", **entra_user("soeren.kjaergaard2@other.dk", "S", "K", "s-2"))
    assert len(api.get("/people")["items"]) == 6


def test_a_user_matched_to_a_merged_record_is_its_survivor(api):
    unit = api.org_unit("Roskilde Kommune", "kommune")
    survivor = api.post("/people", {"name": "Ib Ravn", "org_unit_id": unit, "title": None,
                                    "email": "ib.ravn@roskilde.dk"})["id"]
    merged = api.post("/people", {"name": "I. Ravn", "org_unit_id": unit, "title": None,
                                  "email": "iravn@roskilde.dk"})["id"]
    api.post(f"/people/{merged}/merge", {"into": survivor})
    scim = Scim(api, credential(api))
    user = scim.create("iravn@roskilde.dk", **entra_user("iravn@roskilde.dk", "Ib", "Ravn", "r-1"))
    scim.send("DELETE", f"/Users/{user['id']}", expect=204)
    assert api.get(f"/people/{survivor}", after=None)["departed_on"] is not None  # the person, not the old record
    assert len(api.get("/people")["items"]) == 2
