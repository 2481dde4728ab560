"""Reorganising (issue 25): an org unit renamed or moved, a person's details corrected. Each is an
event with ids and org facts only (a person's name and e-mail stay out of the log), refused by
field when it cannot be, and followed by the views and the gap rules."""

from __future__ import annotations

from datetime import timedelta


def events_since(api, position: int) -> list[dict]:
    auditor = api.as_person(api.person("Revisor Rask", api.org_unit("Revision", "forvaltning")), "auditor")
    return auditor.get("/events", after=position - 1, limit=20)["items"]


def test_an_admin_renames_an_org_unit_and_the_same_name_again_is_a_409(api):
    unit = api.org_unit("Børn og Unge", "forvaltning")
    done = api.post(f"/org-units/{unit}/name", {"name": "Børn, Unge og Familie"})
    assert api.get(f"/org-units/{unit}", after=done["position"])["name"] == "Børn, Unge og Familie"
    assert [e["topic"] for e in events_since(api, done["position"])][0] == "ansvar.org_unit.renamed.v1"
    assert api.post(f"/org-units/{unit}/name", {"name": "Børn, Unge og Familie"}, expect=409)["field"] == "name"
    assert "name" in str(api.post(f"/org-units/{unit}/name", {"name": "  "}, expect=422))
    api.post("/org-units/00000000-0000-4000-8000-000000000001/name", {"name": "Ingen"}, expect=404)


def test_an_admin_moves_a_unit_under_another_of_a_higher_level_only(api, today):
    old, new = api.org_unit("Teknik og Miljø", "forvaltning"), api.org_unit("Kultur og Fritid", "forvaltning")
    afdeling = api.org_unit("Natur", "afdeling", old)
    team = api.org_unit("Skovteamet", "team", afdeling)
    done = api.post(f"/org-units/{afdeling}/parent", {"parent_id": new})
    assert api.get(f"/org-units/{afdeling}", after=done["position"])["parent_id"] == new
    assert api.get(f"/org-units/{team}")["parent_id"] == afdeling  # what sits below moves with it
    for parent in (team, afdeling, api.org_unit("Vej", "afdeling", new)):  # below it, itself, its own level
        problem = api.post(f"/org-units/{afdeling}/parent", {"parent_id": parent}, expect=422)
        assert "parent_id" in str(problem)
    api.post(f"/org-units/{afdeling}/parent", {"parent_id": new}, expect=409)  # already there
    gone = api.org_unit("Lukket", "forvaltning")
    api.post(f"/org-units/{gone}/dissolution", {"effective": today.isoformat()})
    problem = api.post(f"/org-units/{afdeling}/parent", {"parent_id": gone}, expect=422)
    assert "parent_id" in str(problem)


def test_an_admin_corrects_a_person_and_the_log_holds_no_name(api):
    unit = api.org_unit("Social", "forvaltning")
    other = api.org_unit("Sundhed", "forvaltning")
    person = api.person("Jens Jensen", unit, "afdelingsleder")
    done = api.post(f"/people/{person}/correction", {"name": "Jens Jensen Holm", "email": "jjh@kommune.dk",
                                                     "title": "fagchef", "org_unit_id": other})
    shown = api.get(f"/people/{person}", after=done["position"])
    assert (shown["name"], shown["email"], shown["title"], shown["org_unit_id"]) == (
        "Jens Jensen Holm", "jjh@kommune.dk", "fagchef", other)
    logged = events_since(api, done["position"])[0]
    assert logged["topic"] == "ansvar.person.corrected.v1" and "Jens" not in str(logged) and "jjh@" not in str(logged)
    untitled = api.post(f"/people/{person}/correction", {"title": ""})
    assert api.get(f"/people/{person}", after=untitled["position"])["title"] is None
    assert api.get(f"/people/{person}")["name"] == "Jens Jensen Holm"  # left out: stays
    api.post(f"/people/{person}/correction", {}, expect=422)
    api.post(f"/people/{person}/correction", {"title": None, "org_unit_id": other}, expect=409)  # nothing changes
    api.post(f"/people/{person}/correction", {"email": "not-an-address"}, expect=422)
    api.post(f"/people/{person}/correction", {"org_unit_id": "00000000-0000-4000-8000-000000000001"}, expect=422)
    api.post(f"/people/{person}/erasure", {"basis": "request 12"})
    assert "erased" in api.post(f"/people/{person}/correction", {"name": "Jens igen"}, expect=409)["detail"]
    assert api.get(f"/people/{person}")["name"] is None  # erased details are not given back


def test_a_systemejer_moved_to_a_team_makes_a_critical_system_a_gap(api, today):
    unit = api.org_unit("Økonomi", "forvaltning")
    team = api.org_unit("Lønteamet", "team", api.org_unit("Løn", "afdeling", unit))
    owner = api.person("Karen Løn", unit, "fagchef")
    system = api.system("Lønsystem", unit, criticality="critical")
    api.assign(system, "systemejer", owner, (today - timedelta(days=30)).isoformat())
    rules = {g["rule"] for g in api.get("/responsibility-gaps", system_id=system)["items"]}
    assert "owner_too_low" not in rules
    api.post(f"/people/{owner}/correction", {"org_unit_id": team})
    rules = {g["rule"] for g in api.get("/responsibility-gaps", system_id=system)["items"]}
    assert "owner_too_low" in rules


def test_only_an_admin_reorganises(api):
    unit = api.org_unit("Kultur", "forvaltning")
    person = api.person("Ole Olsen", unit)
    council = api.as_person(person, "council")
    council.post(f"/org-units/{unit}/name", {"name": "Kultur og Fritid"}, expect=403)
    council.post(f"/org-units/{unit}/parent", {"parent_id": unit}, expect=403)
    council.post(f"/people/{person}/correction", {"title": "chef"}, expect=403)
