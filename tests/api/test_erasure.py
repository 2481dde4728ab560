"""Erasing a person's name and e-mail (GDPR art. 17): the details go, the id and every
responsibility stay, and the log records that it was done, when, by whom and why."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest


def test_an_admin_erases_a_persons_details_and_the_log_records_it_without_them(api, today):
    unit = api.org_unit("Social og Sundhed", "forvaltning")
    person = api.person("Mette Frederiksen", unit, "systemejer")
    system = api.system("Omsorgssystem", unit)
    api.assign(system, "systemejer", person, (today - timedelta(days=100)).isoformat())

    done = api.post(f"/people/{person}/erasure", {"basis": "request 2026-118 (art. 17)"})
    shown = api.get(f"/people/{person}", after=done["position"])
    assert (shown["erased"], shown["name"], shown["email"], shown["title"]) == (True, None, None, "systemejer")
    assert api.holders(system, today.isoformat())["systemejer"] == person  # responsibility is history, not personal data

    auditor = api.as_person(api.person("Revisor", unit), "auditor")
    logged = auditor.get("/events", after=done["position"] - 1, limit=1)["items"]
    assert [(e["position"], e["topic"], e["originator_id"]) for e in logged] == [
        (done["position"], "ansvar.person.details_erased.v1", person)
    ]
    assert logged[0]["actor_role"] == "admin" and "Mette" not in str(logged)


def test_erasing_twice_is_a_409_and_records_nothing_more(api):
    person = api.person("Hans Hansen", api.org_unit("Kultur", "forvaltning"))
    api.post(f"/people/{person}/erasure", {"basis": "request 7"})
    head = api.client.app.state.runtime.catchup.head
    written = head()
    problem = api.post(f"/people/{person}/erasure", {"basis": "request 7"}, expect=409)
    assert "already erased" in problem["detail"]
    assert head() == written


def test_an_erasure_whose_event_was_lost_is_recorded_when_asked_again(api, monkeypatch):
    # The directory is erased first; if the process dies before the event is written, asking
    # again must record it rather than answer 'already erased' with nothing in the log.
    person = api.person("Lis Berg", api.org_unit("Kultur", "forvaltning"))
    portfolio = api.client.app.state.runtime.portfolio

    def dies(*args: object) -> None:
        raise SystemExit("the process died here")

    monkeypatch.setattr(portfolio, "_update", dies)
    with pytest.raises(SystemExit):
        portfolio.erase_person_details(UUID(person), "request 9")
    monkeypatch.undo()
    assert api.get(f"/people/{person}", after=api.position)["erased"] is True
    done = api.post(f"/people/{person}/erasure", {"basis": "request 9"})
    assert done["position"] > 0
    api.post(f"/people/{person}/erasure", {"basis": "request 9"}, expect=409)


def test_only_an_admin_may_erase_and_bad_input_names_the_field(api):
    unit = api.org_unit("Kultur", "forvaltning")
    person = api.person("Ida Jensen", unit)
    council = api.as_person(api.person("Rådsmedlem", unit), "council")
    assert "admin" in council.post(f"/people/{person}/erasure", {"basis": "x"}, expect=403)["detail"]
    for body in ({}, {"basis": ""}, {"basis": "x", "name": "Ida"}):
        problem = api.post(f"/people/{person}/erasure", body, expect=422)
        assert "basis" in str(problem) or "name" in str(problem), problem
    api.post("/people/00000000-0000-0000-0000-000000000001/erasure", {"basis": "x"}, expect=404)
    assert api.get(f"/people/{person}")["name"] == "Ida Jensen"  # nothing erased by the refusals
