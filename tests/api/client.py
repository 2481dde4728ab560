"""A thin test client that speaks the API's language: commands return receipts, reads wait
for the last receipt's position (read-your-writes), and failures show the problem body."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from litestar.testing import TestClient

from domain.clock import ManualClock
from infra.tokens import issue
from tests.story import TEST_TODAY, on

TEST_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
#: Who the default client acts as: not a registered person, holding the admin and council roles.
DEFAULT_PERSON = UUID("00000000-0000-4000-8000-00000000a11c")
#: Test tokens are issued when the test clock starts (noon on ANSVAR_TEST_TODAY), for 30 days.
ISSUED_AT = ManualClock.on(TEST_TODAY).now()
TOKEN_TTL = timedelta(days=30)


def bearer(
    person_id: UUID | str = DEFAULT_PERSON, roles: tuple[str, ...] = ("admin", "council"), now: datetime | None = None,
) -> str:
    return f"Bearer {issue(TEST_SECRET, UUID(str(person_id)), roles, TOKEN_TTL, now=now or ISSUED_AT)}"


class Api:
    def __init__(self, client: TestClient, headers: dict[str, str] | None = None, log: dict[str, int] | None = None) -> None:
        self.client = client
        self.headers = headers or {}
        self._log = log if log is not None else {"position": 0}  # shared by every persona: read-your-writes

    @property
    def position(self) -> int:
        return self._log["position"]

    @position.setter
    def position(self, value: int) -> None:
        self._log["position"] = value

    def as_person(self, person_id: UUID | str, *roles: str) -> Api:
        """The same API, acting as `person_id` with these roles (none: an ordinary person, an owner)."""
        return Api(self.client, {"Authorization": bearer(person_id, roles)}, self._log)

    def post(self, path: str, body: Any = None, expect: int = 201, **kwargs: Any) -> dict[str, Any]:
        kwargs["headers"] = {**self.headers, **kwargs.get("headers", {})}
        response = self.client.post(path, json=body, **kwargs)
        assert response.status_code == expect, f"POST {path} -> {response.status_code}: {response.text}"
        data = response.json()
        if response.status_code < 300:
            self.position = max(self.position, data.get("position") or 0)
        return data

    def get(self, path: str, expect: int = 200, **params: Any) -> Any:
        params.setdefault("after", self.position or None)
        response = self.client.get(path, params={k: v for k, v in params.items() if v is not None}, headers=self.headers)
        assert response.status_code == expect, f"GET {path} -> {response.status_code}: {response.text}"
        return response.json()

    # Scenario helpers -------------------------------------------------------------------------

    def org_unit(self, name: str, level: str, parent_id: str | None = None) -> str:
        return self.post("/org-units", {"name": name, "level": level, "parent_id": parent_id})["id"]

    def person(self, name: str, org_unit_id: str, title: str | None = None) -> str:
        return self.post("/people", {"name": name, "org_unit_id": org_unit_id, "title": title})["id"]

    def system(self, name: str, org_unit_id: str, criticality: str = "high", lifecycle: str = "in_operation",
               lifecycle_from: str | None = on("2020-01-01"), **extra: Any) -> str:
        body = {"name": name, "org_unit_id": org_unit_id, "criticality": criticality, "personal_data": True,
                "lifecycle": lifecycle, "lifecycle_from": lifecycle_from, **extra}
        return self.post("/systems", body)["id"]

    def assign(self, system_id: str, role: str, person_id: str, start: str, end: str | None = None, **extra: Any) -> dict:
        return self.post(f"/systems/{system_id}/assignments",
                         {"role": role, "person_id": person_id, "effective_from": start, "effective_to": end, **extra})

    def holders(self, system_id: str, at: str, known_at: str | None = None) -> dict[str, str]:
        body = self.get(f"/systems/{system_id}/accountability", at=at, known_at=known_at)
        return {h["role"]: h["person_id"] for h in body["holders"]}
