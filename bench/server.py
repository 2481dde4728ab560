"""Run the real API (`ansvar serve`, 127.0.0.1 only) in a child process for the HTTP benchmarks."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from bench.common import settings
from domain.clock import SystemClock

SECRET = "bench-only-signing-secret-0123456789abcdef"  # the child API's ANSVAR_AUTH_SECRET


def headers(roles: tuple[str, ...] = ("council",)) -> dict[str, str]:
    """A bearer token for a council member: allowed every route the benchmarks call."""
    from datetime import timedelta
    from uuid import uuid4

    from infra.tokens import issue

    return {"Authorization": f"Bearer {issue(SECRET, uuid4(), roles, ttl=timedelta(hours=8), now=SystemClock().now())}"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def api(run_projections: bool = True, **env: str) -> Iterator[str]:
    """The base URL of a freshly started API on the benchmark database; stopped on exit."""
    port = _free_port()
    child_env = {
        **os.environ, "ANSVAR_DATABASE_URL": os.environ.get("ANSVAR_DATABASE_URL", "") or _url(),
        "ANSVAR_RUN_PROJECTIONS": "true" if run_projections else "false", "ANSVAR_LOG_LEVEL": "warning", "ANSVAR_AUTH_SECRET": SECRET, **env,
    }
    proc = subprocess.Popen(
        # The production entry point (`ansvar serve`), so that the benchmark measures what ships.
        [sys.executable, "-m", "ansvar.cli", "serve",
         "--host", "127.0.0.1", "--port", str(port)],
        env=child_env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the API did not start")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _url() -> str:
    db = settings().database
    return f"postgresql://{db.user}@{db.host}:{db.port}/{db.name}?schema={db.schema}"


class Client:
    """One keep-alive HTTP/1.1 connection through the standard library's `http.client`: the
    timing client of the latency benchmarks. It does little besides the request, so a figure is
    the server's and the network's; httpx, which the other benchmarks use, adds ~0.5 ms of its
    own per request on this machine (bench/accountability.py prints both)."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=120)
        self.headers = headers

    def get(self, path: str, params: dict[str, Any] | None = None) -> bytes:
        """The body of a 200 answer; anything else raises."""
        status, _, body = self.exchange(path, params)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {body[:300]!r}")
        return body

    def exchange(self, path: str, params: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """A GET's status, headers (lower-case names) and body, whatever the status."""
        target = f"{path}?{urlencode(params)}" if params else path
        sent = {**self.headers, **(headers or {})}
        try:
            self.connection.request("GET", target, headers=sent)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closes a connection idle past its keep-alive (5 s): open a new one, once.
            self.connection.close()
            self.connection.request("GET", target, headers=sent)
            response = self.connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return json.loads(self.get(path, params))

    def close(self) -> None:
        self.connection.close()
