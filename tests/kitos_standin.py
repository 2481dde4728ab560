"""A stand-in for KITOS's public API v2 on 127.0.0.1, built from ../shared/KITOS-API.md: the
token endpoint and its v1 wrapper, bearer tokens that expire, bounded paging (page from 0,
pageSize 1-250, a bare array), organisation scoping, changedSinceGtEq on lastModified, and
failures to inject (429 with Retry-After, 5xx, a token revoked)."""

from __future__ import annotations

import json
import secrets
import threading
from collections import deque
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class StandIn:
    def __init__(self, email: str = "api@kommune.dk", password: str = "hemmeligt", api_access: bool = True) -> None:
        self.email, self.password, self.api_access = email, password, api_access
        self.usages: dict[str, list[dict[str, Any]]] = {}  # organisation uuid -> usages
        self.units: dict[str, list[dict[str, Any]]] = {}
        self.users: dict[str, list[dict[str, Any]]] = {}
        self.deleted: list[dict[str, Any]] = []  # the delta feed: {occurredAtUtc, entityUuid, entityType}
        self.tokens: dict[str, datetime] = {}
        self.token_hours = 24
        self.failures: deque[tuple[str, int, dict[str, str]]] = deque()  # (path prefix, status, headers), in order
        self.log: list[tuple[str, str, dict[str, list[str]]]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(self, path_prefix: str, status: int, **headers: str) -> None:
        self.failures.append((path_prefix, status, headers))

    def revoke_tokens(self) -> None:
        self.tokens.clear()

    # Serving ---------------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                path = urlsplit(self.path).path
                standin.log.append(("POST", path, {}))
                if path != "/api/authorize/GetToken":
                    return self._answer(404, {"msg": "not found"})
                if body.get("email") != standin.email or body.get("password") != standin.password:
                    return self._answer(401, {"msg": "Unauthorized", "response": None})
                token = secrets.token_hex(16)
                expires = datetime.now(timezone.utc) + timedelta(hours=standin.token_hours)
                standin.tokens[token] = expires
                return self._answer(201, {"msg": "", "response": {
                    "token": token, "email": standin.email, "loginSuccessful": True,
                    "expires": expires.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}})

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                standin.log.append(("GET", parts.path, query))
                if standin.failures and parts.path.startswith(standin.failures[0][0]):
                    _, status, headers = standin.failures.popleft()
                    return self._answer(status, {"message": "injected"}, headers)
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                if token not in standin.tokens or standin.tokens[token] < datetime.now(timezone.utc):
                    return self._answer(401, {"message": "Authorization has been denied for this request."})
                if not standin.api_access:
                    return self._answer(403, {"message": "no API access"})
                status, body = standin.route(parts.path, query)
                return self._answer(status, body)

        return Handler

    def route(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        segments = path.strip("/").split("/")
        if segments[:2] != ["api", "v2"]:
            return 404, {"message": "not found"}
        rest = segments[2:]
        if rest == ["it-system-usages"]:
            org = (query.get("organizationUuid") or [None])[0]
            items = self.usages.get(org, []) if org else [u for us in self.usages.values() for u in us]
            return self._page(self._since(items, query), query)
        if rest == ["delta-feed", "deleted-entities"]:
            since = (query.get("deletedSinceUTC") or [None])[0]
            kind = (query.get("entityType") or [None])[0]
            found = [d for d in self.deleted if (not kind or d["entityType"] == kind)
                     and (not since or _when(d["occurredAtUtc"]) >= _when(since))]
            return self._page(found, query)
        if len(rest) >= 3 and rest[0] == "organizations":
            org = rest[1]
            if org not in self.usages and org not in self.units:
                return 404, {"message": "organization not found"}
            if rest[2:] == ["organization-units"]:
                return self._page(self.units.get(org, []), query)
            if rest[2:] == ["users"]:
                return self._page(self.users.get(org, []), query)
            if len(rest) == 4 and rest[2] == "users":
                found = [u for u in self.users.get(org, []) if u["uuid"] == rest[3]]
                return (200, found[0]) if found else (404, {"message": "user not found"})
        return 404, {"message": "not found"}

    @staticmethod
    def _since(items: list[dict[str, Any]], query: dict[str, list[str]]) -> list[dict[str, Any]]:
        since = (query.get("changedSinceGtEq") or [None])[0]
        if not since:
            return items
        return sorted((u for u in items if _when(u["lastModified"]) >= _when(since)), key=lambda u: u["lastModified"])

    @staticmethod
    def _page(items: list[Any], query: dict[str, list[str]]) -> tuple[int, Any]:
        page = int((query.get("page") or ["0"])[0])
        size = int((query.get("pageSize") or ["250"])[0])
        if not 1 <= size <= 250 or page < 0:
            return 400, {"message": "pageSize must be between 1 and 250"}
        return 200, items[page * size:(page + 1) * size]


def usage(n: int, org: str, modified: str = "2025-03-14T09:12:45.123Z") -> dict[str, Any]:
    """An it-system-usage in the 2025 shape (KITOS-API.md section 7), numbered."""
    return {
        "uuid": f"00000000-0000-4000-8000-{n:012d}", "lastModified": modified,
        "systemContext": {"uuid": f"10000000-0000-4000-8000-{n:012d}", "name": f"System {n}"},
        "organizationContext": {"uuid": org, "name": "Eksempel Kommune", "cvr": "12345678"},
        "general": {"validity": {"lifeCycleStatus": "Operational", "valid": True}},
        "roles": [], "organizationUsage": {"responsibleOrganizationUnit": None, "usingOrganizationUnits": []},
        "archiving": {"archiveDuty": "B"}, "gdpr": {"businessCritical": "Yes", "dataSensitivityLevels": ["PersonData"]},
    }
