"""Merging two records of one person (issue 27 part 2): `POST /people/{id}/merge {"into": survivor}`.
Afterwards the merged record's facts, claims, attestations, hand-overs, reminders and tokens read and
act as the survivor's; the merged id answers with a pointer; erasure of either still works; the log
gains events and loses nothing, so `ansvar verify` passes. Every backend (the read sides of SQLite
and PostgreSQL alike), and a rebuild of the views gives the same answers."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from tests.conftest import one_backend
from tests.contract.test_log_tamper import run_verify


def town(api, today):
    unit = api.org_unit("Kultur og Fritid", "forvaltning")
    named = api.person("Henrik Sørensen", unit, "afdelingsleder")  # the survivor: named in one place
    mailed = api.post("/people", {"name": "henrik.soerensen@kommune.dk", "org_unit_id": unit, "title": None,
                                  "email": "henrik.soerensen@kommune.dk"})["id"]  # ... by address in another
    system = api.system("Bibliotekssystem", unit)
    other = api.system("Booking", unit)
    start = (today - timedelta(days=400)).isoformat()
    api.assign(system, "systemejer", mailed, start)
    api.assign(other, "dataejer", named, start)
    return unit, named, mailed, system, other


def test_the_merged_records_facts_read_as_the_survivors_everywhere(api, today):
    unit, named, mailed, system, other = town(api, today)
    claim = api.as_person(mailed).post(f"/systems/{other}/claims", {"role": "systemansvarlig", "person_id": mailed,
                                                                    "statement": "Jeg driver den"})
    api.as_person(mailed).post(f"/systems/{system}/attestations", {"role": "systemejer", "person_id": mailed})
    before_gaps = api.get("/responsibility-gaps", system_id=system)

    done = api.post(f"/people/{mailed}/merge", {"into": named})
    assert done["id"] == named

    assert api.holders(system, today.isoformat())["systemejer"] == named  # accountability
    timeline = api.get(f"/systems/{system}/timeline")
    people_named = {f["person_id"] for r in timeline["roles"] for f in r["facts"] if f.get("person_id")}
    people_named |= {p["person_id"] for r in timeline["roles"] for p in r["periods"] if p.get("person_id")}
    people_named |= {a["person_id"] for a in timeline["attestations"]}
    assert people_named == {named}  # every fact, period and attestation of the merged record: the survivor's
    mine = api.get(f"/people/{named}/responsibilities")
    assert {(h["system_id"], h["role"]) for h in mine["holds"]} == {(system, "systemejer"), (other, "dataejer")}
    assert [c["claim_id"] for c in mine["open_claims"]] == [claim["id"]]
    assert api.get(f"/people/{mailed}/responsibilities") == mine  # the merged id answers as the survivor
    sweep = api.get("/accountability", role="systemejer")
    assert [[h["person_id"] for h in i["holders"]] for i in sweep["items"] if i["system_id"] == system] == [[named]]
    gaps = api.get("/responsibility-gaps", system_id=system)
    assert all(g.get("person_id") != mailed for g in gaps["items"]) and len(gaps["items"]) == len(before_gaps["items"])

    pointer = api.get(f"/people/{mailed}")
    assert pointer["merged_into"] == named and pointer["id"] == mailed
    assert [(m["merged_id"], m["into_id"]) for m in pointer["merges"]] == [(mailed, named)]
    assert pointer["merges"][0]["position"] < done["position"]  # the receipt names the merge's last event
    assert api.get(f"/people/{named}")["merges"][0]["actor_id"] is not None  # who made it
    assert api.get(f"/people/{named}")["merged_into"] is None


def test_the_history_shows_the_merge_with_ids_only_and_who_made_it(api, today):
    unit, named, mailed, system, other = town(api, today)
    done = api.post(f"/people/{mailed}/merge", {"into": named})
    auditor = api.as_person(api.person("Revisor", unit), "auditor")
    events = auditor.get("/events", after=done["position"] - 4, limit=4)["items"]
    assert [(e["topic"], e["originator_id"]) for e in events] == [  # the address moved to the survivor, by digests
        ("ansvar.person.details_corrected.v1", mailed), ("ansvar.person.merged.v1", mailed),
        ("ansvar.person.details_corrected.v1", named), ("ansvar.person.absorbed.v1", named)]
    assert all(e["actor_role"] == "admin" and e["actor_id"] for e in events)
    assert "Sørensen" not in str(events) and "soerensen" not in str(events)


def test_a_token_of_the_merged_record_acts_as_the_survivor(api, today):
    unit, named, mailed, system, other = town(api, today)
    api.post(f"/people/{mailed}/merge", {"into": named})
    old_token = api.as_person(mailed)
    assert old_token.get("/me")["person_id"] == named
    # the role the merged record held is the survivor's to attest and hand over
    done = old_token.post(f"/systems/{system}/attestations", {"role": "systemejer", "person_id": named})
    assert done["position"] > 0
    api.as_person(named).post(f"/systems/{system}/attestations", {"role": "systemejer", "person_id": named})
    heir = api.person("Ny Ejer", unit)
    offer = api.as_person(named).post(f"/systems/{system}/handovers", {
        "role": "systemejer", "to_person_id": heir, "effective_from": today.isoformat()})
    api.as_person(heir).post(f"/handovers/{offer['id']}/acceptance", {})
    assert api.holders(system, today.isoformat())["systemejer"] == heir


def test_an_offer_made_to_the_merged_record_is_the_survivors_to_accept(api, today):
    unit, named, mailed, system, other = town(api, today)
    offer = api.as_person(named).post(f"/systems/{other}/handovers", {
        "role": "dataejer", "to_person_id": mailed, "effective_from": today.isoformat()})
    api.post(f"/people/{mailed}/merge", {"into": named, }, expect=201)
    # named offered it to themself, as it turns out; the council gives it to someone else instead
    heir = api.person("Anden", unit)
    offer2 = api.as_person(named).post(f"/systems/{system}/handovers", {
        "role": "systemejer", "to_person_id": heir, "effective_from": today.isoformat()})
    assert offer["id"] != offer2["id"]
    api.as_person(heir).post(f"/handovers/{offer2['id']}/acceptance", {})
    assert api.holders(system, today.isoformat())["systemejer"] == heir


def test_erasing_either_record_after_a_merge_still_works(api, today):
    unit, named, mailed, system, other = town(api, today)
    api.post(f"/people/{mailed}/merge", {"into": named})
    api.post(f"/people/{mailed}/erasure", {"basis": "request 1"})
    done = api.post(f"/people/{named}/erasure", {"basis": "request 2"})
    shown = api.get(f"/people/{mailed}", after=done["position"])
    assert (shown["erased"], shown["name"], shown["merged_into"]) == (True, None, named)
    assert api.get(f"/people/{named}")["erased"] is True
    assert api.holders(system, today.isoformat())["systemejer"] == named


def test_a_rebuild_of_the_views_gives_the_same_answers(api, today):
    unit, named, mailed, system, other = town(api, today)
    api.post(f"/people/{mailed}/merge", {"into": named})

    when = {"at": today.isoformat(), "known_at": api.client.app.state.runtime.clock.now().isoformat()}

    def snapshot():
        return [api.get(f"/people/{p}") for p in (named, mailed)] + [
            api.get(f"/people/{named}/responsibilities", **when), api.get(f"/systems/{system}/timeline", known_at=when["known_at"]),
            api.get("/responsibility-gaps", at=when["at"]), api.get(f"/systems/{system}/accountability", **when)]

    live = snapshot()
    runtime = api.client.app.state.runtime
    names = ["systems", "accountability", "gaps", "handovers", "reminders"]
    assert sorted(runtime.catchup.reset(names)) == sorted(names)
    runtime.worker.nudge()
    assert snapshot() == live


def test_a_chain_of_merges_reads_as_the_last_survivor(api, today):
    unit, named, mailed, system, other = town(api, today)
    third = api.person("H. Sørensen", unit)
    api.post(f"/people/{mailed}/merge", {"into": named})
    api.post(f"/people/{named}/merge", {"into": third})
    assert api.holders(system, today.isoformat())["systemejer"] == third
    assert api.get(f"/people/{mailed}")["merged_into"] == third
    assert api.as_person(mailed).get("/me")["person_id"] == third


@one_backend
def test_refusals_name_the_reason_and_write_nothing(api, today):
    unit, named, mailed, system, other = town(api, today)
    council = api.as_person(api.person("Rådet", unit), "council")
    head = api.client.app.state.runtime.catchup.head
    written = head()
    assert api.post(f"/people/{mailed}/merge", {"into": mailed}, expect=422)["field"] == "into"
    assert api.post(f"/people/{mailed}/merge", {"into": "00000000-0000-0000-0000-000000000001"},
                    expect=422)["field"] == "into"
    api.post("/people/00000000-0000-0000-0000-000000000001/merge", {"into": named}, expect=404)
    for body in ({}, {"into": "x"}, {"into": named, "extra": 1}):
        api.post(f"/people/{mailed}/merge", body, expect=422)
    owner = api.as_person(named)
    assert "admin" in owner.post(f"/people/{mailed}/merge", {"into": named}, expect=403)["detail"]
    council.post(f"/people/{mailed}/merge", {"into": named}, expect=403)
    assert head() == written

    api.post(f"/people/{mailed}/merge", {"into": named})
    again = api.post(f"/people/{mailed}/merge", {"into": named}, expect=409)
    assert again["type"].endswith("person-merged") and again["merged_into"] == named
    third = api.person("Tredje", unit)
    into_merged = api.post(f"/people/{third}/merge", {"into": mailed}, expect=409)
    assert into_merged["field"] == "into" and into_merged["merged_into"] == named
    cycle = api.post(f"/people/{named}/merge", {"into": mailed}, expect=409)  # a circle: refused
    assert cycle["merged_into"] == named
    # a merged record takes no new facts: name the survivor
    assigned = api.post(f"/systems/{other}/assignments", {"role": "kontraktejer", "person_id": mailed,
                                                         "effective_from": today.isoformat()}, expect=409)
    assert assigned["field"] == "person_id" and assigned["merged_into"] == named


@one_backend
def test_no_merge_into_an_erased_or_departed_person(api, today):
    unit = api.org_unit("Kultur", "forvaltning")
    a, b, c = (api.person(n, unit) for n in ("Anne Ager", "Anne Ager", "Bo Berg"))
    api.post(f"/people/{b}/erasure", {"basis": "request"})
    assert api.post(f"/people/{a}/merge", {"into": b}, expect=409)["type"].endswith("merge-refused")
    api.post(f"/people/{c}/departure", {"effective": today.isoformat()})
    assert api.post(f"/people/{a}/merge", {"into": c}, expect=409)["type"].endswith("merge-refused")
    api.post(f"/people/{c}/merge", {"into": a})  # a departed record into an active one: fine
    assert api.get(f"/people/{c}")["merged_into"] == a


@one_backend
def test_concurrent_conflicting_merges_one_wins_the_other_is_a_409(api, today):
    unit = api.org_unit("Kultur", "forvaltning")
    a, b = api.person("Per Holm", unit), api.person("Per Holm", unit)
    portfolio = api.client.app.state.runtime.portfolio
    original = portfolio.save
    gate = threading.Barrier(2, timeout=10)

    def save(*objs, **kwargs):  # both have checked the rule before either saves
        if any(getattr(o, "merged_into", None) for o in objs):
            try:
                gate.wait()
            except threading.BrokenBarrierError:
                pass
        return original(*objs, **kwargs)

    portfolio.save = save
    answers: list[int] = []

    def merge(one, two):
        answers.append(api.client.post(f"/people/{one}/merge", json={"into": two}).status_code)

    threads = [threading.Thread(target=merge, args=pair) for pair in ((a, b), (b, a))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    portfolio.save = original
    assert sorted(answers) == [201, 409]
    shown = [api.get(f"/people/{p}")["merged_into"] for p in (a, b)]
    assert shown.count(None) == 1


def test_the_merged_records_reminders_are_the_survivors_and_the_next_go_to_the_survivor(api, clock, today):
    from ansvar import reminders

    unit, named, mailed, system, other = town(api, today)
    runtime = api.client.app.state.runtime
    first = reminders.run(runtime, worker_runs=True)
    assert ("attestation_overdue", mailed) in {(r.duty, str(r.recipient_id)) for r in first.planned}
    done = api.post(f"/people/{mailed}/merge", {"into": named})
    listed = api.get("/reminders", after=done["position"])["items"]
    overdue = [r for r in listed if r["duty"] == "attestation_overdue"]
    assert [r["recipient_id"] for r in overdue] == [named] and overdue[0]["recipient_name"] == "Henrik Sørensen"
    clock.advance(timedelta(days=8))
    later = reminders.run(runtime, worker_runs=True)
    recipients = {str(r.recipient_id) for r in later.planned if r.duty == "attestation_overdue"}
    assert recipients == {named}


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
def test_ansvar_verify_passes_after_a_merge_and_an_erasure(api, settings, clock, capsys, today):
    unit, named, mailed, system, other = town(api, today)
    before = api.client.app.state.runtime.transparency.checkpoint()
    api.post(f"/people/{mailed}/merge", {"into": named})
    api.post(f"/people/{mailed}/erasure", {"basis": "request 3"})
    api.get("/ready")
    code, out = run_verify(settings, clock, capsys, before)
    assert code == 0, out


def test_a_survivor_without_an_address_takes_the_merged_records(api, today):
    unit, named, mailed, system, other = town(api, today)
    done = api.post(f"/people/{mailed}/merge", {"into": named})
    survivor, merged = api.get(f"/people/{named}", after=done["position"]), api.get(f"/people/{mailed}")
    assert (survivor["name"], survivor["email"]) == ("Henrik Sørensen", "henrik.soerensen@kommune.dk")
    assert merged["email"] is None and merged["merged_into"] == named


def test_a_departed_records_roles_are_no_gap_once_merged_into_the_person_still_here(api, today):
    unit, named, mailed, system, other = town(api, today)
    api.post(f"/people/{mailed}/departure", {"effective": (today - timedelta(days=10)).isoformat()})
    rules = {g["rule"] for g in api.get("/responsibility-gaps", system_id=system)["items"]}
    assert "holder_departed" in rules
    api.post(f"/people/{mailed}/merge", {"into": named})
    rules = {g["rule"] for g in api.get("/responsibility-gaps", system_id=system)["items"]}
    assert "holder_departed" not in rules  # one person, still here: the survivor holds the role
