"""Errors that help the person who made them: the allowed values, the expected form, every missing
field, no silently ignored parameter, and a 403 that says who may and whom to ask."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import one_backend

pytestmark = one_backend


@pytest.fixture
def unit(api):
    return api.org_unit("Kommune", "kommune")


def test_an_invalid_choice_lists_the_allowed_values(api, unit):
    body = {"name": "A", "org_unit_id": unit, "criticality": "huge", "personal_data": True, "lifecycle": "in_operation"}
    refused = api.post("/systems", body, expect=422)
    assert refused["field"] == "criticality" and "low, medium, high, critical" in refused["detail"]
    assert "role is one of systemejer" in api.get("/accountability", role="boss", expect=422)["detail"]


def test_a_malformed_date_names_the_expected_form(api, unit):
    refused = api.post(f"/org-units/{unit}/dissolution", {"effective": "31-12-2026"}, expect=422)
    assert refused["field"] == "effective" and "YYYY-MM-DD" in refused["detail"]
    assert "YYYY-MM-DD" in api.get("/responsibility-gaps", at="2026-31-12", expect=422)["detail"]


def test_a_missing_body_or_missing_fields_name_every_one(api, unit):
    none = api.client.post("/systems")
    assert none.status_code == 400 and none.json()["required"] == ["name", "org_unit_id", "criticality",
                                                                  "personal_data", "lifecycle"]
    partial = api.post("/systems", {"name": "A", "org_unit_id": unit}, expect=422)
    assert partial["missing"] == ["criticality", "personal_data", "lifecycle"]
    assert "criticality, personal_data, lifecycle" in partial["detail"]


def test_a_parameter_given_twice_or_not_known_is_a_422_naming_it(api):
    twice = api.client.get("/proposals", params=[("status", "submitted"), ("status", "under_assessment")])
    assert twice.status_code == 422 and twice.json()["field"] == "status" and "2 times" in twice.json()["detail"]
    unknown = api.client.get("/systems", params={"colour": "red"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "colour"
    assert "q" in unknown.json()["allowed"]
    assert api.client.get("/health", params={"after": 1}).status_code == 200  # every read takes `after`


def test_a_403_says_who_may_and_whom_to_ask(api):
    owner = api.as_person(uuid.uuid4())
    refused = owner.get("/events", expect=403)["detail"]
    assert "GET /events is for auditor" in refused and "ask an auditor" in refused
    assert "listEvents" not in refused
    sweep = owner.get("/accountability", expect=403)["detail"]
    assert "ask a council member or an auditor" in sweep
