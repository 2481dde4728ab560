"""A SCIM client for the tests: a provisioning credential issued the way the command line does,
and requests in the identity provider's media type."""

from __future__ import annotations

from typing import Any

from tests.api.client import Api

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def credential(api: Api, name: str = "entra-id") -> str:
    runtime = api.client.app.state.runtime
    return runtime.extras["scim_store"].issue(name, runtime.clock.now())[1]


class Scim:
    def __init__(self, api: Api, secret: str) -> None:
        self.api = api
        self.headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/scim+json"}

    def send(self, method: str, path: str, body: Any = None, expect: int = 200, **params: Any) -> Any:
        content = None if body is None else (body if isinstance(body, (bytes, str)) else _json(body))
        response = self.api.client.request(method, f"/scim/v2{path}", content=content, headers=self.headers,
                                           params=params)
        assert response.status_code == expect, f"{method} {path} -> {response.status_code}: {response.text}"
        if response.status_code != 204:
            assert response.headers["content-type"].startswith("application/scim+json"), response.headers
        return response.json() if response.content else None

    def create(self, user_name: str, expect: int = 201, **attrs: Any) -> dict[str, Any]:
        return self.send("POST", "/Users", {"schemas": [USER], "userName": user_name, **attrs}, expect)

    def patch(self, user_id: str, *operations: dict[str, Any], expect: int = 200) -> Any:
        return self.send("PATCH", f"/Users/{user_id}", {"schemas": [PATCH], "Operations": list(operations)}, expect)

    def users(self, **params: Any) -> dict[str, Any]:
        return self.send("GET", "/Users", **params)

    def events(self) -> int:
        """How many events the log holds (a repeat must not add one)."""
        return self.api.client.app.state.runtime.catchup.head()


def _json(body: Any) -> bytes:
    import json

    return json.dumps(body).encode()


def entra_user(user_name: str, given: str, family: str, external_id: str, **extra: Any) -> dict[str, Any]:
    """A user as Entra ID's provisioning sends it."""
    return {
        "externalId": external_id, "active": True, "displayName": f"{given} {family}",
        "name": {"givenName": given, "familyName": family, "formatted": f"{given} {family}"},
        "emails": [{"primary": True, "type": "work", "value": user_name}],
        **extra,
    }
