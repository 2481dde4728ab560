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
    return re.sub(r"\{what\}", "register", re.sub(r"\{\w+_id\}", "00000000-0000-4000-8000-000000000001", path))


def test_options_allows_every_method_the_document_has_for_the_path(api, document):
    for path, item in document["paths"].items():
        documented = {m.upper() for m in item if m in METHODS}
        answer = api.client.options(concrete(path))
        assert answer.status_code == 204, path
        allowed = {m.strip() for m in answer.headers["allow"].split(",")}
        assert documented <= allowed, f"{path}: Allow {sorted(allowed)} leaves out {sorted(documented - allowed)}"
