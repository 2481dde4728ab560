"""Forged, stale and misdirected tokens are 401 problems; good ones act as their subject.

Authentication does not depend on the storage backend, so these run on the in-memory one.
The identity-provider cases serve a JWKS from a local HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from litestar.testing import TestClient

from ansvar.web import create_app
from domain.clock import ManualClock
from infra.settings import Auth, Database, Settings
from tests.api.client import ISSUED_AT, TEST_SECRET
from tests.story import TEST_TODAY

PERSON = uuid.UUID("7b0c6a5e-3f43-4e8e-9d4c-0c1d2e3f4a5b")
ISSUER, AUDIENCE = "https://idp.kommune.test/tenant", "api://ansvar"


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims(**changes) -> dict:
    now = ISSUED_AT
    base = {"sub": str(PERSON), "roles": ["admin"], "iss": "ansvar", "aud": "ansvar", "iat": now, "exp": now + timedelta(hours=1)}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def hs(payload: dict, secret: str = TEST_SECRET, alg: str = "HS256", **headers) -> str:
    return jwt.encode(payload, secret, algorithm=alg, headers=headers or None)


def hs256_by_hand(payload: dict, secret: bytes, **headers) -> str:
    """HS256 with any bytes as the secret (PyJWT rightly refuses a public key; an attacker would not)."""
    signing_input = f"{b64({'alg': 'HS256', 'typ': 'JWT', **headers})}.{b64(payload)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


@pytest.fixture(scope="module")
def rsa_keys():
    real = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return real, forger


def client_for(auth: Auth) -> TestClient:
    settings = Settings(database=Database("memory"), log_level="warning", auth=auth)
    return TestClient(create_app(settings, clock=ManualClock.on(TEST_TODAY), configure_logging=False))


def assert_unauthenticated(response, reason: str | None = None) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Bearer")
    problem = response.json()
    assert problem["type"] == "/problems/unauthenticated" and problem["request_id"] == response.headers["x-request-id"]
    if reason:
        assert reason in problem["detail"], problem["detail"]


@pytest.fixture(scope="module")
def local() -> Iterator[TestClient]:
    with client_for(Auth(secret=TEST_SECRET)) as client:
        yield client


def get(client: TestClient, token: str | None, path: str = "/org-units", scheme: str = "Bearer"):
    return client.get(path, headers={"Authorization": f"{scheme} {token}" if token is not None else ""})


def test_given_a_good_local_token_when_reading_then_it_answers(local):
    assert get(local, hs(claims())).status_code == 200


@pytest.mark.parametrize("token, reason", [
    (f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims(iat=1, exp=4_000_000_000))}.", "algorithm"),
    (f"{b64({'alg': 'None'})}.{b64(claims(iat=1, exp=4_000_000_000))}.", "algorithm"),
    (f"{b64({'alg': 'HS256'})}.{b64(claims(iat=1, exp=4_000_000_000))}.", "signature"),
    (hs(claims(), secret="another-secret-that-is-also-long-enough-000000"), "signature"),
    (hs(claims(), alg="HS512"), "algorithm"),
    (hs(claims(), alg="HS384"), "algorithm"),
    (hs(claims(exp=ISSUED_AT - timedelta(minutes=5))), "expired"),
    (hs(claims(nbf=ISSUED_AT + timedelta(hours=1))), "not valid yet"),
    (hs(claims(aud="some-other-api")), "audience"),
    (hs(claims(iss="https://evil.example")), "issuer"),
    (hs(claims(sub=None)), "'sub'"),
    (hs(claims(exp=None)), "'exp'"),
    (hs(claims(aud=None)), "'aud'"),
    (hs(claims(sub="admin")), "person id"),
    (hs(claims(sub="' OR '1'='1")), "person id"),
    (hs(claims(sub=12345)), None),
    (hs(claims(roles="admin")), "list of strings"),
    ("not-a-jwt", "well-formed"),
    ("a.b.c", "well-formed"),
    ("x" * 10_000, "too large"),
])
def test_forged_stale_or_misdirected_tokens_are_401(local, token, reason):
    assert_unauthenticated(get(local, token), reason)


def test_a_token_whose_payload_was_edited_after_signing_is_401(local):
    header, _, signature = hs(claims(roles=[])).split(".")
    assert_unauthenticated(get(local, f"{header}.{b64(claims(roles=['admin', 'council'], iat=1, exp=4_000_000_000))}.{signature}"), "signature")


def test_a_token_carrying_its_own_key_in_the_header_is_not_trusted(local, rsa_keys):
    _, forger = rsa_keys
    public = jwt.algorithms.RSAAlgorithm.to_jwk(forger.public_key(), as_dict=True)
    assert_unauthenticated(get(local, jwt.encode(claims(), forger, algorithm="RS256", headers={"jwk": public})), "algorithm")


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc"])
def test_a_missing_or_foreign_authorization_header_is_401(local, header):
    assert_unauthenticated(local.get("/systems", headers={"Authorization": header}))


def test_roles_the_service_does_not_know_grant_nothing(local):
    response = local.post("/org-units", json={"name": "X", "level": "kommune"},
                          headers={"Authorization": f"Bearer {hs(claims(roles=['superuser', 'Admin', 'ADMIN']))}"})
    assert response.status_code == 403 and response.json()["type"] == "/problems/forbidden"


# An identity provider's keys -------------------------------------------------------------------------

class Jwks:
    """A JWKS endpoint on 127.0.0.1 that counts its requests and can be taken down."""

    def __init__(self, document: dict) -> None:
        self.document, self.hits, self.down = document, 0, False
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                outer.hits += 1
                body = json.dumps(outer.document).encode()
                self.send_response(500 if outer.down else 200)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}" if outer.down else body)

            def log_message(self, *args) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/keys"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def idp(rsa_keys) -> Iterator[tuple[TestClient, Jwks]]:
    real, _ = rsa_keys
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(real.public_key(), as_dict=True) | {"kid": "k1", "use": "sig", "alg": "RS256"}
    server = Jwks({"keys": [jwk, {"kty": "oct", "kid": "k2", "k": b64({"x": 1})}]})
    auth = Auth(issuer=ISSUER, audience=AUDIENCE, jwks_url=server.url, algorithms=("RS256",)).check()
    try:
        with client_for(auth) as client:
            yield client, server
    finally:
        server.close()


def rs(key, kid: str = "k1", alg: str = "RS256", **changes) -> str:
    return jwt.encode(claims(**({"iss": ISSUER, "aud": AUDIENCE} | changes)), key, algorithm=alg, headers={"kid": kid})


def test_given_an_identity_provider_a_token_it_signed_is_accepted_and_its_keys_are_fetched_once(idp, rsa_keys):
    client, server = idp
    real, _ = rsa_keys
    for _ in range(3):
        assert get(client, rs(real)).status_code == 200
    assert server.hits == 1


def test_given_an_identity_provider_forged_tokens_are_401(idp, rsa_keys):
    client, server = idp
    real, forger = rsa_keys
    pem = real.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert_unauthenticated(get(client, rs(forger)), "signature")  # right kid, wrong key
    assert_unauthenticated(get(client, rs(real, aud="api://another")), "audience")
    assert_unauthenticated(get(client, rs(real, iss="https://login.evil.example")), "issuer")
    assert_unauthenticated(get(client, rs(real, alg="RS512")), "algorithm")  # not configured
    assert_unauthenticated(get(client, rs(real, sub="not-a-uuid")), "person id")
    confused = claims(iss=ISSUER, aud=AUDIENCE, iat=1, exp=4_000_000_000)
    assert_unauthenticated(get(client, hs256_by_hand(confused, pem, kid="k1")), "algorithm")
    assert_unauthenticated(get(client, hs(claims(iss=ISSUER, aud=AUDIENCE), secret="k" * 40, kid="k2")), "algorithm")
    assert_unauthenticated(get(client, hs(claims())), "algorithm")  # no local secret configured here
    assert_unauthenticated(get(client, rs(real, kid="k2")), "signing key")  # a symmetric key is never used


def test_given_an_identity_provider_unknown_key_ids_cannot_make_us_hammer_it(idp, rsa_keys):
    client, server = idp
    real, _ = rsa_keys
    assert get(client, rs(real)).status_code == 200
    for i in range(20):
        assert_unauthenticated(get(client, rs(real, kid=f"made-up-{i}")), "signing key")
    assert server.hits == 1  # within the minimum refresh interval nothing is refetched


def test_given_an_unreachable_identity_provider_and_no_keys_the_answer_is_503_not_401(idp, rsa_keys):
    client, server = idp
    server.down = True
    response = get(client, rs(rsa_keys[0]))
    assert response.status_code == 503 and response.json()["type"] == "/problems/unavailable"
    assert "retry-after" in response.headers
