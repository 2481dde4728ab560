"""What authentication and authorisation cost per request.

Prints: token verification (HS256; RS256 with cached provider keys), and the in-process
latency of one read as a council member (role check only) beside the same read as the
system's holder (one extra read-model query), on a SQLite file. Baseline: GET /health
(public, no token checked).

    .venv/bin/python bench/auth_overhead.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from litestar.testing import TestClient

from ansvar.web import create_app
from domain.clock import SystemClock
from infra import logging as app_logging
from infra.jwks import JwksKeys
from infra.settings import Auth, Database, Settings
from infra.tokens import TokenVerifier, issue

SECRET = "bench-secret-that-is-long-enough-0123456789"


def per_call_us(fn, n: int = 2000) -> float:
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - started) / n * 1e6


def median_ms(client: TestClient, path: str, headers: dict[str, str], n: int = 300) -> float:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        assert client.get(path, headers=headers).status_code == 200
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    app_logging.configure("warning", "console")
    person = uuid.uuid4()
    clock = SystemClock()
    local = TokenVerifier(Auth(secret=SECRET), clock)
    hs_token = issue(SECRET, person, ["council"], now=clock.now())
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True) | {"kid": "k", "alg": "RS256"}
    provider = TokenVerifier(
        Auth(issuer="https://idp", audience="ansvar-api", jwks_url="https://idp/keys"), clock,
        JwksKeys("https://idp/keys", fetch=lambda url: {"keys": [jwk]}),
    )
    rs_token = jwt.encode({"sub": str(person), "iss": "https://idp", "aud": "ansvar-api", "exp": clock.now().timestamp() + 3600},
                          key, algorithm="RS256", headers={"kid": "k"})
    print(f"verify HS256 (local secret):        {per_call_us(lambda: local.verify(hs_token)):7.1f} µs")
    print(f"verify RS256 (cached provider keys): {per_call_us(lambda: provider.verify(rs_token)):7.1f} µs")

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database=Database("sqlite", path=Path(tmp) / "b.db"), log_level="warning",
                            auth=Auth(secret=SECRET))
        with TestClient(create_app(settings, clock=clock, configure_logging=False)) as client:
            admin = {"Authorization": f"Bearer {issue(SECRET, person, ['admin', 'council'], now=clock.now())}"}
            unit = client.post("/org-units", json={"name": "K", "level": "kommune"}, headers=admin).json()["id"]
            holder = client.post("/people", json={"name": "H", "org_unit_id": unit}, headers=admin).json()["id"]
            system = client.post("/systems", json={"name": "S", "org_unit_id": unit, "criticality": "high",
                                                   "personal_data": True, "lifecycle": "in_operation"}, headers=admin).json()["id"]
            last = client.post(f"/systems/{system}/assignments", json={"role": "systemejer", "person_id": holder,
                                                                     "effective_from": "2024-01-01"}, headers=admin).json()
            client.get("/systems", params={"after": last["position"]}, headers=admin)
            as_holder = {"Authorization": f"Bearer {issue(SECRET, uuid.UUID(holder), [], now=clock.now())}"}
            as_council = {"Authorization": f"Bearer {issue(SECRET, person, ['council'], now=clock.now())}"}
            path = f"/systems/{system}/accountability"
            print(f"GET /health, no token (baseline):    {median_ms(client, '/health', {}):7.2f} ms median")
            print(f"GET accountability as council:       {median_ms(client, path, as_council):7.2f} ms median")
            print(f"GET accountability as holder:        {median_ms(client, path, as_holder):7.2f} ms median")


if __name__ == "__main__":
    main()
