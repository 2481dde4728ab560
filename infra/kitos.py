"""A client for KITOS's public API v2 (../shared/KITOS-API.md), the municipalities' shared IT-system
overview: the groundwork of `ansvar kitos sync` (issue 17).

- A token from `POST /api/authorize/GetToken` (`{"email", "password"}`, answered in the v1
  wrapper `{"msg", "response": {"token", "expires", ...}}`), sent as `Authorization: Bearer`,
  fetched again before it expires and once more when KITOS answers 401 to it.
- Every list paged with `page` from 0 and `pageSize` (at most 250) until a page comes back
  shorter than asked (KITOS answers a bare array: no total, no next link).
- Timeouts; 429 retried after its `Retry-After` (seconds or an HTTP date), 5xx and lost
  connections with a doubling backoff; a 401 (after a fresh token), 403 or 404 is a KitosError
  naming the URL and status: wrong password, no API access, or the wrong organisation.
- https only, but for plain http on the loopback address (a stand-in in tests).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from domain.kitos_plan import kitos_time

PAGE_SIZE = 250
LOOPBACK = ("127.0.0.1", "::1", "localhost")


class KitosError(Exception):
    """KITOS refused, or could not be reached: what was asked, and what came back."""

    def __init__(self, detail: str, url: str, status: int | None = None) -> None:
        super().__init__(f"{detail} ({'status ' + str(status) + ', ' if status else ''}{url})")
        self.detail, self.url, self.status = detail, url, status


_REFUSALS = {
    401: "KITOS did not accept the credentials: check ANSVAR_KITOS_EMAIL and ANSVAR_KITOS_PASSWORD",
    403: "the KITOS user may not read this: it needs API access (ask KITOS through the local admin)"
         " and access to the organisation",
    404: "KITOS has no such resource: check the organisation's uuid",
}


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK):
        return url.rstrip("/")
    raise ValueError(f"the KITOS address must be https:// (plain http only on 127.0.0.1), not {url!r}")


class KitosClient:
    def __init__(
        self, base_url: str, email: str, password: str, *, http: httpx.Client | None = None, timeout: float = 30.0,
        attempts: int = 6, page_size: int = PAGE_SIZE, sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        if not 1 <= page_size <= PAGE_SIZE:
            raise ValueError(f"KITOS pages hold 1 to {PAGE_SIZE} items, not {page_size}")
        self.base = check_url(base_url)
        self.email, self.password = email, password
        self.http = http or httpx.Client(timeout=timeout)
        self.attempts, self.page_size, self.sleep, self.now = attempts, page_size, sleep, now
        self._token: str | None = None
        self._expires: datetime | None = None
        self.requests = 0  # how many requests were sent (for reports and tests)

    def close(self) -> None:
        self.http.close()

    # Auth ---------------------------------------------------------------------------------------

    def token(self) -> str:
        if self._token and self._expires and self.now() < self._expires - timedelta(minutes=5):
            return self._token
        url = f"{self.base}/api/authorize/GetToken"
        answer = self._send("POST", url, json={"email": self.email, "password": self.password}, auth=False)
        try:
            body = answer.json()["response"]
            self._token = str(body["token"])
        except (ValueError, KeyError, TypeError):
            raise KitosError("KITOS answered the token request without a token", url, answer.status_code) from None
        self._expires = kitos_time(body.get("expires")) or self.now() + timedelta(hours=23)
        return self._token

    # Requests -----------------------------------------------------------------------------------

    def _send(self, method: str, url: str, *, params: Mapping[str, Any] | None = None, json: Any = None,
              auth: bool = True) -> httpx.Response:
        refreshed = False
        for attempt in range(1, self.attempts + 1):
            headers = {"Accept": "application/json"}
            if auth:
                headers["Authorization"] = f"Bearer {self.token()}"
            try:
                self.requests += 1
                answer = self.http.request(method, url, params=params, json=json, headers=headers)
            except httpx.TransportError as exc:
                if attempt == self.attempts:
                    raise KitosError(f"KITOS could not be reached: {exc}", url) from None
                self.sleep(min(0.5 * 2 ** (attempt - 1), 30.0))
                continue
            status = answer.status_code
            if status == 401 and auth and not refreshed:  # the token ran out: a fresh one, once
                self._token, refreshed = None, True
                continue
            if status in _REFUSALS:
                raise KitosError(_REFUSALS[status], str(answer.url), status)
            if status == 429 or status >= 500:
                if attempt == self.attempts:
                    raise KitosError(f"KITOS kept answering {status}; try again later", str(answer.url), status)
                self.sleep(self._wait(answer, attempt))
                continue
            if status >= 400:
                raise KitosError(f"KITOS refused the request: {answer.text[:200]}", str(answer.url), status)
            return answer
        raise KitosError("KITOS did not answer", url)

    def _wait(self, answer: httpx.Response, attempt: int) -> float:
        backoff = min(0.5 * 2 ** (attempt - 1), 30.0)
        after = answer.headers.get("Retry-After")
        if not after:
            return backoff
        try:
            return min(max(float(after), 0.0), 300.0)
        except ValueError:
            pass
        try:
            moment = parsedate_to_datetime(after)
        except (TypeError, ValueError):
            return backoff
        return min(max((moment - self.now()).total_seconds(), 0.0), 300.0)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        answer = self._send("GET", f"{self.base}{path}", params=params)
        try:
            return answer.json()
        except ValueError:
            raise KitosError("KITOS answered with something that is not JSON", str(answer.url), answer.status_code) from None

    def pages(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a list, page after page, until a page comes back short."""
        page = 0
        while True:
            items = self.get(path, {**(params or {}), "page": page, "pageSize": self.page_size})
            if not isinstance(items, list):
                raise KitosError("KITOS answered a list request with something that is not a list",
                                 f"{self.base}{path}")
            yield from items
            if len(items) < self.page_size:
                return
            page += 1

    # What a sync reads (always scoped by the organisation) --------------------------------------

    def usages(self, organization: str, since: datetime | None = None) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {"organizationUuid": organization}
        if since is not None:
            params["changedSinceGtEq"] = _utc(since)
        return self.pages("/api/v2/it-system-usages", params)

    def org_units(self, organization: str, since: datetime | None = None) -> Iterator[dict[str, Any]]:
        params = {"changedSinceGtEq": _utc(since)} if since is not None else {}
        return self.pages(f"/api/v2/organizations/{organization}/organization-units", params)

    def users(self, organization: str) -> Iterator[dict[str, Any]]:
        return self.pages(f"/api/v2/organizations/{organization}/users")

    def user(self, organization: str, user: str) -> dict[str, Any]:
        return self.get(f"/api/v2/organizations/{organization}/users/{user}")

    def role_types(self, organization: str) -> Iterator[dict[str, Any]]:
        return self.pages("/api/v2/it-system-usage-role-types", {"organizationUuid": organization})

    def deleted_usages(self, since: datetime) -> Iterator[dict[str, Any]]:
        return self.pages("/api/v2/delta-feed/deleted-entities",
                          {"entityType": "ItSystemUsage", "deletedSinceUTC": _utc(since)})


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
