"""`POST /kitos/sync` (admin): the sync's report as JSON; 201 once written; a KITOS refusal is a
502 naming the URL and status; without the KITOS settings a 422 naming the setting."""

from __future__ import annotations

from dataclasses import replace

import pytest
from litestar.testing import TestClient

from ansvar.web import create_app
from infra.settings import KitosAccount
from tests.api.client import Api, bearer
from tests.contract.test_kitos_sync import ORG, USAGES, municipality
from tests.kitos_standin import StandIn


@pytest.fixture
def kitos_api(settings, clock):
    k = StandIn()
    municipality(k)
    app = create_app(replace(settings, kitos=KitosAccount(k.url, k.email, k.password)), clock=clock,
                     configure_logging=False)
    with TestClient(app) as client:
        client.headers["Authorization"] = bearer()
        yield Api(client), k
    k.close()


def test_an_admin_syncs_over_http(kitos_api):
    api, k = kitos_api
    dry = api.post("/kitos/sync", {"organization": ORG}, expect=200)
    assert dry["dry_run"] and dry["systems"]["to_create"] == USAGES
    done = api.post("/kitos/sync", {"organization": ORG, "apply": True}, expect=201)
    assert done["applied"] and done["position"]
    api.position = done["position"]
    assert len(api.get("/systems", limit=500)["items"]) == USAGES
    again = api.post("/kitos/sync", {"organization": ORG, "apply": True}, expect=200)
    assert not again["applied"]


def test_a_refusal_is_a_502_and_a_bad_body_a_422(kitos_api):
    api, k = kitos_api
    k.password = "changed"
    refused = api.post("/kitos/sync", {"organization": ORG}, expect=502)
    assert refused["type"] == "/problems/kitos-refused" and k.url in refused["detail"] and "401" in refused["detail"]
    assert api.post("/kitos/sync", {"organization": "not-a-uuid"}, expect=422)["field"] == "organization"
    bad = api.post("/kitos/sync", {"organization": ORG, "roles": {"X": "nope"}}, expect=422)
    assert bad["field"] == "roles"


def test_without_the_settings_it_names_the_one_missing(api):
    problem = api.post("/kitos/sync", {"organization": ORG}, expect=422)
    assert problem["field"] == "ANSVAR_KITOS_URL"
