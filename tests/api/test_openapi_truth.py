"""The OpenAPI document and the server agree: what the server refuses, the document says it refuses.

The Schemathesis run (tests/fault/test_openapi_fuzz.py) finds disagreements by chance; these pin the
classes it found (issue 24, part 9) so that each stays closed.
"""

from __future__ import annotations

import re

import pytest

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def document(api):
    return api.client.get("/schema/openapi.json").json()


def concrete(path: str) -> str:
    """The path with every parameter filled in by a well-formed value (OPTIONS reads none)."""
    path = re.sub(r"\{what\}", "register", re.sub(r"\{\w+_id\}", "00000000-0000-4000-8000-000000000001", path))
    return path.replace("{slug}", "aarhus")


def test_options_allows_every_method_the_document_has_for_the_path(api, document):
    for path, item in document["paths"].items():
        documented = {m.upper() for m in item if m in METHODS}
        answer = api.client.options(concrete(path))
        assert answer.status_code == 204, path
        allowed = {m.strip() for m in answer.headers["allow"].split(",")}
        assert documented <= allowed, f"{path}: Allow {sorted(allowed)} leaves out {sorted(documented - allowed)}"


def parameters(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []) if method in METHODS else []:
                yield f"{method.upper()} {path} {parameter['name']}", parameter["schema"]


def value_branch(schema):
    values = [s for s in schema.get("oneOf", [schema]) if s.get("type") != "null"]
    return values[0] if len(values) == 1 else schema


def test_a_limit_of_zero_is_in_the_document_and_every_limit_is_on_the_value_it_binds(api, document):
    # Litestar dropped ge=0 (falsy), so after=-1 was schema-valid and refused.
    checkpoint = dict(parameters(document))["GET /log/checkpoint after"]
    assert value_branch(checkpoint)["minimum"] == 0
    assert api.client.get("/log/checkpoint", params={"after": -1}).status_code == 422
    limits = {"minimum", "maximum", "minLength", "maxLength", "pattern", "enum"}
    for name, schema in parameters(document):
        assert not ("oneOf" in schema and limits & set(schema)), f"{name}: a limit beside oneOf binds nothing clearly"


def test_a_body_limit_of_msgspec_is_on_the_field_it_binds(document):
    vendor = document["components"]["schemas"]["RegisterSystem"]["properties"]["vendor"]
    assert value_branch(vendor)["maxLength"] == 200 and "maxLength" not in vendor


def test_the_export_names_and_formats_are_choices_in_the_document(document):
    found = dict(parameters(document))
    assert found["GET /exports/{what} what"]["enum"] == ["register", "gaps", "decisions"]
    assert value_branch(found["GET /exports/{what} format"])["enum"] == ["csv", "xlsx"]


def test_a_header_longer_than_any_the_api_reads_is_a_documented_problem(api, document):
    answer = api.client.get("/systems", headers={"X-Padding": "a" * 100_000})
    assert answer.status_code == 431 and answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["field"] == "x-padding"
    assert "431" in document["paths"]["/systems"]["get"]["responses"]
    assert api.client.get("/systems", headers={"X-Padding": "a" * 8_000}).status_code == 200


def test_a_cursor_of_60_kb_is_a_problem_naming_the_cursor_and_the_document_bounds_it(api, document):
    answer = api.client.get("/systems", params={"cursor": "a" * 60_000})  # httpx sends at most 64 kB; uvicorn's parser refuses 80 kB (test_server_refusals.py)
    assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["field"] == "cursor"
    for name, schema in parameters(document):
        if name.endswith(" cursor"):
            assert value_branch(schema)["maxLength"] <= 2048, name


def listed_rules(document, path, method):
    return {(r["type"], r["field"]) for r in document["paths"][path][method]["responses"]["422"].get("x-rules", [])}


def test_a_refusal_of_a_well_formed_request_is_a_rule_its_operation_lists(api, document):
    nobody = "00000000-0000-4000-8000-00000000dead"
    answer = api.client.post("/systems", json={"name": "ESDH", "org_unit_id": nobody, "criticality": "low",
                                               "personal_data": False, "lifecycle": "pilot"})
    assert answer.status_code == 422
    assert (answer.json()["type"], answer.json()["field"]) in listed_rules(document, "/systems", "post")
    past_the_log = api.client.get("/systems", params={"after": 10**9}).json()
    assert (past_the_log["type"], past_the_log["field"]) in listed_rules(document, "/systems", "get")
    assert "after" in document["paths"]["/systems"]["get"]["responses"]["422"]["description"]


def test_a_business_date_outside_the_calendar_the_domain_computes_with_is_outside_the_document_too(api, document):
    pattern = re.compile(document["components"]["schemas"]["RecordAssignment"]["properties"]["effective_from"]["pattern"])
    assert pattern.match("1900-01-01") and pattern.match("9998-12-31") and pattern.match("2026-12-07")
    assert not pattern.match("1899-12-31") and not pattern.match("9999-01-01") and not pattern.match("0044-04-01")


def test_a_form_part_without_a_filename_that_is_not_text_is_a_listed_refusal_naming_it(api, document):
    body = b'--XX\r\nContent-Disposition: form-data; name="file"\r\n\r\n\x89PNG\xff\xfe\r\n--XX--\r\n'
    answer = api.client.post("/imports", content=body, headers={"Content-Type": "multipart/form-data; boundary=XX"})
    assert answer.status_code == 422 and answer.json()["field"] == "file"
    assert (answer.json()["type"], "file") in listed_rules(document, "/imports", "post")
