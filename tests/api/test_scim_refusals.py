"""What /scim/v2 refuses, always as a SCIM error (RFC 7644 §3.12), never a 500, never half a change;
and the SCIM credential's reach: /scim/v2 and nothing else."""

from __future__ import annotations

import pytest

from tests.api.client import bearer
from tests.api.scim_helpers import ERROR, PATCH, USER, Scim, credential, entra_user
from tests.conftest import one_backend

pytestmark = one_backend  # refusals are the API's, the same on every backend


@pytest.fixture
def scim(api) -> Scim:
    api.org_unit("Roskilde Kommune", "kommune")
    return Scim(api, credential(api))


def _error(body: dict, status: int, scim_type: str | None = None) -> None:
    assert body["schemas"] == [ERROR] and body["status"] == str(status), body
    assert body["detail"]
    if scim_type:
        assert body["scimType"] == scim_type, body


def test_a_persons_token_is_refused_on_scim_and_a_scim_credential_everywhere_else(api, scim):
    admin = {"Authorization": bearer()}
    response = api.client.get("/scim/v2/Users", headers=admin)
    assert response.status_code == 401 and response.headers["content-type"].startswith("application/scim+json")
    _error(response.json(), 401)
    assert "SCIM credential" in response.json()["detail"]
    assert api.client.get("/scim/v2/Users").status_code == 401
    assert api.client.get("/scim/v2/Users", headers={"Authorization": "Bearer scim_not-issued"}).status_code == 401
    for path in ("/people", "/systems", "/responsibility-gaps", "/me"):
        response = api.client.get(path, headers={"Authorization": scim.headers["Authorization"]})
        assert response.status_code == 401, (path, response.text)
    response = api.client.post("/people", json={"name": "X", "org_unit_id": None},
                               headers={"Authorization": scim.headers["Authorization"]})
    assert response.status_code == 401


def test_issuing_a_credential_again_replaces_its_secret(api, scim):
    fresh = credential(api)  # the same name: the first secret stops working
    _error(scim.send("GET", "/Users", expect=401), 401)
    assert Scim(api, fresh).users()["totalResults"] == 0


@pytest.mark.parametrize("body, scim_type", [
    (b"{not json", "invalidSyntax"),
    (b"[]", "invalidSyntax"),
    ({"schemas": [USER]}, "invalidValue"),
    ({"schemas": [USER], "userName": ""}, "invalidValue"),
    ({"schemas": [USER], "userName": 42}, "invalidValue"),
    ({"schemas": [USER], "userName": "a@b.dk", "active": "maybe"}, "invalidValue"),
    ({"schemas": [USER], "userName": "a@b.dk", "emails": [{"value": 7}]}, "invalidValue"),
    ({"schemas": [USER], "userName": "a@b.dk", "name": "Ann"}, "invalidValue"),
])
def test_a_malformed_user_is_a_scim_400_and_records_nothing(api, scim, body, scim_type):
    events = scim.events()
    _error(scim.send("POST", "/Users", body, expect=400), 400, scim_type)
    assert scim.events() == events and api.get("/people")["items"] == []


@pytest.mark.parametrize("operations, scim_type", [
    ("not a list", "invalidSyntax"),
    ([], "invalidSyntax"),
    ([{"op": "Frobnicate", "path": "active", "value": "False"}], "invalidSyntax"),
    ([{"op": "Replace", "path": "nonsense", "value": "x"}], "invalidPath"),
    ([{"op": "Replace", "path": "active", "value": "perhaps"}], "invalidValue"),
    ([{"op": "Remove"}], "noTarget"),
    ([{"op": "Remove", "path": "userName"}], "mutability"),
    ([{"op": "Replace", "path": 'emails[type sw "w"].value', "value": "x@y.dk"}], "invalidFilter"),
    # The first operation is fine, the second is not: neither is applied.
    ([{"op": "Replace", "path": "active", "value": "False"}, {"op": "Add", "path": "title", "value": 3}],
     "invalidValue"),
])
def test_a_malformed_patch_is_a_scim_400_and_changes_nothing(api, scim, operations, scim_type):
    user = scim.create("ann@roskilde.dk", **entra_user("ann@roskilde.dk", "Ann", "Lund", "ann"))
    events = scim.events()
    body = {"schemas": [PATCH], "Operations": operations}
    _error(scim.send("PATCH", f"/Users/{user['id']}", body, expect=400), 400, scim_type)
    assert scim.events() == events
    assert scim.send("GET", f"/Users/{user['id']}") == user


def test_unknown_users_and_routes_are_scim_404s(scim):
    for path in ("/Users/6d1f8e1c-0000-4000-8000-000000000000", "/Users/not-a-uuid", "/Groups", "/Bulk"):
        _error(scim.send("GET", path, expect=404), 404)
    body = {"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}
    _error(scim.send("PATCH", "/Users/6d1f8e1c-0000-4000-8000-000000000000", body, expect=404), 404)
    _error(scim.send("PUT", "/Users/6d1f8e1c-0000-4000-8000-000000000000", {"userName": "a"}, expect=404), 404)
    _error(scim.send("DELETE", "/Users/6d1f8e1c-0000-4000-8000-000000000000", expect=404), 404)


def test_unsupported_filters_are_invalid_filter_errors(scim):
    for text in ('userName sw "a"', 'title eq "x"', 'userName eq "a" or userName eq "b"', "userName eq", "(("):
        _error(scim.send("GET", "/Users", expect=400, filter=text), 400, "invalidFilter")
    _error(scim.send("GET", "/Users", expect=400, startIndex="one"), 400)


def test_a_stale_version_is_refused_with_412(scim):
    user = scim.create("bo@roskilde.dk", **entra_user("bo@roskilde.dk", "Bo", "Dam", "bo"))
    scim.patch(user["id"], {"op": "Replace", "path": "title", "value": "Chef"})
    scim.headers["If-Match"] = user["meta"]["version"]
    body = {"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "title", "value": "Leder"}]}
    _error(scim.send("PATCH", f"/Users/{user['id']}", body, expect=412), 412)
