"""Regressions for what the fuzzers found, each as the plain scenario that broke."""

from __future__ import annotations

from tests.story import on


def test_after_an_attestation_my_responsibilities_show_when_i_last_attested(api, today):
    # Was a 500 on SQLite: MAX(attested_on) came back as text and was compared with a date.
    unit = api.org_unit("Kommune", "kommune")
    person = api.person("Ejer", unit)
    system = api.system("ESDH", unit)
    api.assign(system, "systemejer", person, on("2021-01-01"))
    api.as_person(person).post(f"/systems/{system}/attestations", {"role": "systemejer", "person_id": person})
    [held] = api.get(f"/people/{person}/responsibilities")["holds"]
    assert held["last_attested_on"] == today.isoformat()


def test_a_nul_character_in_a_name_is_a_422_and_the_views_keep_up(api):
    # Was accepted: on PostgreSQL the projection then failed on that event forever, every
    # read with ?after= answered 503, and GET /systems?q= with a NUL was a 500.
    unit = api.org_unit("Kommune", "kommune")
    problem = api.post("/systems", {"name": "ES\u0000DH", "org_unit_id": unit, "criticality": "low",
                                    "personal_data": False, "lifecycle": "pilot"}, expect=422)
    assert problem["field"] == "name"
    assert api.client.get("/systems", params={"q": "a\u0000"}).status_code == 422
    api.system("ESDH", unit)
    assert [s["name"] for s in api.get("/systems")["items"]] == ["ESDH"]


def test_given_an_event_that_carries_a_nul_then_the_views_still_catch_up(api):
    # Events written before the API refused NUL (or by an import) must not freeze the views.
    unit = api.org_unit("Kommune", "kommune")
    portfolio = api.client.app.state.runtime.portfolio
    receipt = portfolio.register_system("Old\u0000name", None, __import__("uuid").UUID(unit), "low", False, "pilot")
    api.position = receipt.position
    assert len(api.get("/systems")["items"]) == 1


def test_a_known_at_before_year_1_in_utc_is_a_422_naming_it(api):
    # Was a 500 on SQLite: converting 0001-01-01T00:01+01:00 to UTC overflowed.
    response = api.client.get("/accountability", params={"known_at": "0001-01-01T00:01:00+01:00"})
    assert response.status_code == 422 and response.json()["field"] == "known_at"


def test_responsibilities_at_the_last_representable_date_are_answered(api):
    # Was a 500: 9999-12-31 plus the attestation period overflowed.
    unit = api.org_unit("Kommune", "kommune")
    person = api.person("Ejer", unit)
    api.assign(api.system("ESDH", unit), "systemejer", person, on("2021-01-01"))
    [held] = api.get(f"/people/{person}/responsibilities", at="9999-12-31")["holds"]
    assert held["role"] == "systemejer"


def test_a_form_field_that_is_not_utf8_is_a_400_not_a_500(api):
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.csv\"\r\n\r\nSystemnavn\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"mapping\"\r\n\r\n").encode() + b"A\xff\xfe\r\n" + \
        f"--{boundary}--\r\n".encode()
    response = api.client.post("/imports", content=body, headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
