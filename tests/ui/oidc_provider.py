"""A small OpenID provider for the tests, on 127.0.0.1, written from OpenID Connect Core 1.0
(3.1, the authorization code flow), Discovery 1.0 and RFC 7636 (PKCE).

It signs its one configured person in without asking, and is as strict about codes as a real
provider must be: a code is one it issued, redeemed once, by the client it was issued to, with
the same redirect URI, and with the verifier whose S256 is the challenge. Its times come from
the test's clock. Knobs let a test make it misbehave: sign with another key, name another
issuer, refuse the sign-in.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit
from uuid import UUID

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")  # RFC 7636 4.1
CODE_TTL = timedelta(minutes=1)
Answer = tuple[int, dict[str, str], dict[str, Any] | None]  # status, headers, JSON body


@functools.cache
def rsa_key(name: str = "provider") -> rsa.RSAPrivateKey:
    """One key per name for the whole run (generating one takes a while)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class User:
    person_id: UUID
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Grant:
    """What an authorization code stands for."""

    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str | None
    user: User
    expires: datetime


@dataclass
class Provider:
    """The provider; `with Provider(...) as provider:` serves it until the block ends."""

    now: Callable[[], datetime]
    user: User
    client_id: str = "ansvar"
    client_secret: str | None = None  # a confidential client: it must authenticate (client_secret_basic)
    redirect_uris: tuple[str, ...] = ("http://testserver.local/ui/login/oidc/callback",)
    kid: str = "test-key-1"
    published: rsa.RSAPrivateKey = field(default_factory=rsa_key)  # the key its JWKS publishes
    sign_with: rsa.RSAPrivateKey | None = None  # signs with another key than it publishes (None: the published)
    advertised_issuer: str | None = None  # the discovery document names this issuer instead
    deny: str | None = None  # /authorize answers with this error instead of a code
    id_token_ttl: timedelta = timedelta(minutes=5)
    codes: dict[str, Grant] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)  # each /token form, and its Authorization
    refusals: list[str] = field(default_factory=list)  # why /authorize or /token said no

    def __post_init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/jwks"

    def __enter__(self) -> Provider:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()

    # The endpoints -------------------------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.advertised_issuer or self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token", "jwks_uri": self.jwks_url, "response_types_supported": ["code"],
            "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"], "scopes_supported": ["openid", "profile", "email"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic" if self.client_secret else "none"],
        }

    def jwks(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self.published.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def authorize(self, query: dict[str, str]) -> Answer:
        """Core 3.1.2: a code for the configured user, sent back to the client's redirect URI."""
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id or redirect_uri not in self.redirect_uris:
            # 3.1.2.6: with no trustworthy redirect URI the error is shown here, not sent back
            return self._refuse(400, "invalid_request: unknown client or redirect_uri")
        back = {"state": query["state"]} if "state" in query else {}
        error = None
        if query.get("response_type") != "code":
            error = "unsupported_response_type"
        elif "openid" not in query.get("scope", "").split():
            error = "invalid_scope"
        elif not query.get("code_challenge") or query.get("code_challenge_method") != "S256":
            error = "invalid_request"  # RFC 7636 4.4.1: this provider requires PKCE, and S256
        elif self.deny:
            error = self.deny
        if error is not None:
            self.refusals.append(error)
            return 302, {"Location": _with_query(redirect_uri, {"error": error, **back})}, None
        code = secrets.token_urlsafe(32)
        self.codes[code] = Grant(self.client_id, redirect_uri, query["code_challenge"], query.get("nonce"),
                                 self.user, self.now() + CODE_TTL)
        # RFC 9207 `iss`, and a parameter of the provider's own, as Keycloak and Entra ID add
        answer = {"code": code, **back, "iss": self.issuer, "session_state": secrets.token_hex(8)}
        return 302, {"Location": _with_query(redirect_uri, answer)}, None

    def token(self, form: dict[str, str], authorization: str | None) -> Answer:
        """Core 3.1.3 and RFC 7636 4.6: the code, checked, exchanged for an ID token."""
        self.token_requests.append({**form, "authorization": authorization or ""})
        client_id = self._client(form, authorization)
        if client_id is None:
            return self._refuse(401, "invalid_client")
        if form.get("grant_type") != "authorization_code":
            return self._refuse(400, "unsupported_grant_type")
        grant = self.codes.pop(form.get("code", ""), None)  # once, whatever happens next
        if grant is None or grant.expires <= self.now():
            return self._refuse(400, "invalid_grant: not a code this provider issued, or used, or expired")
        if grant.client_id != client_id or grant.redirect_uri != form.get("redirect_uri"):
            return self._refuse(400, "invalid_grant: another client or redirect_uri")
        verifier = form.get("code_verifier", "")
        if not VERIFIER.match(verifier) or not hmac.compare_digest(_s256(verifier), grant.challenge):
            return self._refuse(400, "invalid_grant: the code_verifier does not match the challenge")
        now = int(self.now().timestamp())
        claims = {"iss": self.issuer, "sub": str(grant.user.person_id), "aud": client_id, "iat": now,
                  "exp": now + int(self.id_token_ttl.total_seconds()), "auth_time": now,
                  "roles": list(grant.user.roles)}
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        id_token = jwt.encode(claims, self.sign_with or self.published, algorithm="RS256", headers={"kid": self.kid})
        return 200, {"Cache-Control": "no-store"}, {
            "access_token": secrets.token_urlsafe(32), "token_type": "Bearer",
            "expires_in": int(self.id_token_ttl.total_seconds()), "id_token": id_token,
        }

    def _client(self, form: dict[str, str], authorization: str | None) -> str | None:
        """The authenticated client (RFC 6749 2.3.1), or a public client by its client_id."""
        if self.client_secret is None:
            return form.get("client_id") if form.get("client_id") == self.client_id else None
        scheme, _, encoded = (authorization or "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except ValueError:
            return None
        user, password = unquote_plus(user), unquote_plus(password)
        if user != self.client_id or not hmac.compare_digest(password.encode(), self.client_secret.encode()):
            return None
        return user if form.get("client_id", user) == user else None

    def _refuse(self, status: int, reason: str) -> Answer:
        self.refusals.append(reason)
        return status, {"Cache-Control": "no-store"}, {"error": reason.split(":")[0]}


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).decode().rstrip("=")


def _with_query(uri: str, params: dict[str, str]) -> str:
    return f"{uri}{'&' if urlsplit(uri).query else '?'}{urlencode(params)}"


def _single(raw: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            routes: dict[str, Callable[[], Answer]] = {
                "/.well-known/openid-configuration": lambda: (200, {}, provider.discovery()),
                "/jwks": lambda: (200, {}, provider.jwks()),
                "/authorize": lambda: provider.authorize(_single(url.query)),
            }
            self._answer(*routes.get(url.path, lambda: (404, {}, {"error": "not_found"}))())

        def do_POST(self) -> None:
            if urlsplit(self.path).path != "/token":
                self._answer(404, {}, {"error": "not_found"})
                return
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            self._answer(*provider.token(_single(body), self.headers.get("Authorization")))

        def _answer(self, status: int, headers: dict[str, str], body: dict[str, Any] | None) -> None:
            payload = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: pytest shows what the tests assert

    return Handler

