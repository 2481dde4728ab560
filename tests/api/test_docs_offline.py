"""The API documents itself without the internet: the page at /schema loads nothing from outside
the server, and every operation says in one line what it does and in words how."""

from __future__ import annotations

import re

import pytest

from api.docs import SUMMARIES


@pytest.mark.parametrize("page", ["/schema", "/schema/swagger"])
def test_the_documentation_page_loads_every_asset_from_the_server_itself(api, page):
    anonymous = api.client  # no token: the documents are public
    html = anonymous.get(page, headers={"Authorization": ""}).text
    assert "swagger-ui" in html.lower()
    assert not re.findall(r"""(?:src|href)=["']https?://""", html), "an asset from outside the server"
    assets = re.findall(r"""(?:src|href)=["'](/schema/assets/[^"']+)["']""", html)
    assert {a.rsplit("/", 1)[1] for a in assets} >= {"swagger-ui-bundle.js", "swagger-ui.css"}
    for asset in assets:
        answer = anonymous.get(asset, headers={"Authorization": ""})
        assert answer.status_code == 200 and len(answer.content) > 100, asset
    assert "spec: " in html or "openapi.json" in html  # it reads the server's own document


def test_every_operation_has_a_one_line_summary_and_a_description(api):
    document = api.client.get("/schema/openapi.json").json()
    operations = [op for item in document["paths"].values() for op in item.values() if isinstance(op, dict)]
    assert len(operations) == len(SUMMARIES)
    for op in operations:
        assert op["summary"] == SUMMARIES[op["operationId"]] and "\n" not in op["summary"]
        assert len(op.get("description", "")) > 15, op["operationId"]


def test_an_asset_outside_the_packaged_folder_is_not_served(api):
    assert api.client.get("/schema/assets/../../pyproject.toml").status_code == 404
