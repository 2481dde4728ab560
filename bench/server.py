"""Run the real API (uvicorn, 127.0.0.1 only) in a child process for the HTTP benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from bench.common import settings

SECRET = "bench-only-signing-secret-0123456789abcdef"  # the child API's ANSVAR_AUTH_SECRET


def headers(roles: tuple[str, ...] = ("council",)) -> dict[str, str]:
    """A bearer token for a council member: allowed every route the benchmarks call."""
    from datetime import timedelta
    from uuid import uuid4

    from infra.tokens import issue

    return {"Authorization": f"Bearer {issue(SECRET, uuid4(), roles, ttl=timedelta(hours=8))}"}


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
        [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log", "--log-level", "warning"],
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
