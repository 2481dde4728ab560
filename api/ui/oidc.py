"""Signing in to the pages at the identity provider: OpenID Connect's authorization code flow
with PKCE (S256). The provider is the one whose tokens the API already trusts; its ID token is
verified by the bearer tokens' rules (infra/tokens.py) with the pages' client id as audience, and
must carry the nonce of the flow it answers. Every failure ends on the sign-in page with one
message; why is logged, never a code or a token."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import quote_plus, urlencode, urlsplit

import anyio.to_thread
import httpx
import jwt
import msgspec
import structlog
from litestar import Controller, Request, Response, get
from litestar.datastructures import Cookie
from litestar.params import Parameter, QueryParameter
from litestar.response import Redirect

from api.tenancy import hub_of
from api.ui import UI_HANDLERS
from api.ui.session import PREFIX, same, secure, store
from api.ui.signin import Next, _oidc_on, begin_session, safe_next
from infra.jwks import KeysUnavailable
from infra.settings import Settings
from infra.tokens import InvalidToken, Principal, TokenVerifier
from infra.ui_sessions import FLOW_TTL

log = structlog.get_logger("ansvar.ui.oidc")
CALLBACK = f"{PREFIX}/login/oidc/callback"
FAILED = f"{PREFIX}/login?error=oidc"
#: Binds a flow to the browser that began it (Core 3.1.2.1, `state`): a callback URL of someone
#: else's sign-in, sent to a victim, would otherwise sign the victim in as them (login CSRF).
BROWSER_COOKIE, BROWSER_PATH = "ansvar_oidc", f"{PREFIX}/login/oidc"
SCOPE = "openid profile email"
TIMEOUT = httpx.Timeout(5.0)
METADATA_SECONDS = 3600.0  # the discovery document is fetched again after this long
_NO_STORE = {"Cache-Control": "no-store"}
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]")


class SignInFailed(Exception):
    """The provider's answer signs no one in; `str(exc)` says why, for the log only."""


class ProviderMetadata(msgspec.Struct):
    """What this flow needs of the discovery document (OpenID Connect Discovery 1.0, section 3)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    code_challenge_methods_supported: list[str] | None = None


class TokenAnswer(msgspec.Struct):
    id_token: str


def _over_tls(url: str) -> bool:
    parts = urlsplit(url)
    loopback = parts.hostname in ("127.0.0.1", "::1", "localhost")
    return parts.scheme == "https" or (parts.scheme == "http" and loopback)


async def provider_metadata(request: Request, issuer: str) -> ProviderMetadata:
    """The provider's endpoints, from its discovery document (cached on the app)."""
    cached = request.app.state.get("oidc_metadata")
    if cached is not None and cached[0] == issuer and time.monotonic() - cached[2] < METADATA_SECONDS:
        return cached[1]
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    if not _over_tls(url):
        raise SignInFailed("the issuer must be https:// (plain http only on the loopback address)")
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        response = await client.get(url, headers={"Accept": "application/json"})
    if response.status_code != 200:
        raise SignInFailed(f"the discovery document answered {response.status_code}")
    try:
        metadata = msgspec.json.decode(response.content, type=ProviderMetadata)
    except msgspec.DecodeError:
        raise SignInFailed("the discovery document lacks an issuer or an endpoint") from None
    if metadata.issuer != issuer:  # Discovery 4.3: the document must be the issuer's own
        raise SignInFailed(f"the discovery document names another issuer ({_shown(metadata.issuer)})")
    if not (_over_tls(metadata.authorization_endpoint) and _over_tls(metadata.token_endpoint)):
        raise SignInFailed("the provider's endpoints must be https:// (plain http only on the loopback address)")
    methods = metadata.code_challenge_methods_supported
    if methods is not None and "S256" not in methods:
        raise SignInFailed("the provider does not support PKCE with S256")
    request.app.state["oidc_metadata"] = (issuer, metadata, time.monotonic())
    return metadata


def challenge(code_verifier: str) -> str:
    """RFC 7636 4.2: BASE64URL(SHA256(verifier)), unpadded."""
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def redirect_uri(request: Request, settings: Settings) -> str:
    return (settings.oidc.public_url or str(request.base_url).rstrip("/")) + CALLBACK


async def exchange(token_endpoint: str, settings: Settings, flow: dict[str, Any], code: str) -> str:
    """The authorization code, traded at the token endpoint for the provider's ID token."""
    client_id = settings.oidc.client_id or ""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": flow["redirect_uri"],
            "client_id": client_id, "code_verifier": flow["code_verifier"]}
    headers = {"Accept": "application/json"}
    if settings.oidc.client_secret:  # client_secret_basic; RFC 6749 2.3.1 form-encodes both halves first
        pair = f"{quote_plus(client_id)}:{quote_plus(settings.oidc.client_secret)}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        response = await client.post(token_endpoint, data=form, headers=headers)
    if response.status_code != 200:
        try:
            reason = msgspec.json.decode(response.content, type=dict).get("error")
        except msgspec.DecodeError:
            reason = None
        raise SignInFailed(f"the token endpoint answered {response.status_code} ({_shown(reason)})")
    try:
        return msgspec.json.decode(response.content, type=TokenAnswer).id_token
    except msgspec.DecodeError:
        raise SignInFailed("the token endpoint's answer holds no id_token") from None


def check_id_token(verifier: TokenVerifier, id_token: str, nonce: str, client_id: str) -> Principal:
    """The person the ID token names, if it is the provider's, for us, unexpired and this flow's."""
    principal = verifier.verify(id_token)  # signature, issuer, audience and times; may fetch the keys
    claims = jwt.decode(id_token, options={"verify_signature": False})  # verified just above
    given = claims.get("nonce")
    if not isinstance(given, str) or not hmac.compare_digest(given.encode(), nonce.encode()):
        raise SignInFailed("the ID token's nonce is not the flow's")
    audience = claims.get("aud")
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != client_id:
        raise SignInFailed("the ID token was issued to another party (azp)")
    return principal


def id_token_verifier(request: Request, verifier: TokenVerifier, settings: Settings) -> TokenVerifier:
    """The API's verifier with the same keys and rules, but for ID tokens: the audience is the pages'
    client id (OIDC Core 3.1.3.7), and the local HS256 secret never vouches for one."""
    found = request.app.state.get("oidc_id_tokens")
    if found is None:
        auth = replace(verifier.auth, secret=None, audience=settings.oidc.client_id)
        found = request.app.state["oidc_id_tokens"] = TokenVerifier(auth, request.app.state.clock, keys=verifier.keys)
    return found


def _shown(value: Any) -> str:
    return _UNPRINTABLE.sub("?", value)[:200] if isinstance(value, str) else "-"


def _browser_cookie(request: Request, value: str, max_age: int) -> Cookie:
    # Lax, not Strict: the provider sends the browser back with a top-level GET from its own site.
    return Cookie(key=BROWSER_COOKIE, value=value, path=BROWSER_PATH, httponly=True, samesite="lax",
                  secure=secure(request), max_age=max_age)


def _failed(reason: object) -> Response[Any]:
    log.warning("sign-in at the identity provider failed", reason=_shown(str(reason)), kind=type(reason).__name__)
    response: Response[Any] = Redirect(FAILED, status_code=303, headers=_NO_STORE)
    response.delete_cookie(BROWSER_COOKIE, path=BROWSER_PATH)
    return response


async def _provider_query(request: Request) -> Response[Any] | None:
    """The callback's query is the provider's, which adds parameters of its own (session_state,
    scope, ...): they are let through, unlike on every other route (api/query.py), but the
    flow's own parameters come once."""
    if any(len(request.query_params.getall(name, [])) > 1 for name in ("code", "state", "error", "iss")):
        return _failed("a parameter of the callback is given twice")
    return None


Text = Annotated[str | None, Parameter(max_length=8192)]


class OidcController(Controller):
    path = PREFIX
    include_in_schema = False
    exception_handlers = UI_HANDLERS

    @get("/login/oidc", operation_id="uiOidcStart")
    async def start(self, request: Request, settings: Settings, next: Next = None) -> Response[Any]:  # noqa: A002
        """Off to the identity provider's sign-in, with a PKCE challenge, a nonce and a state."""
        if not _oidc_on(settings):
            return _failed("the identity provider is not configured (ANSVAR_AUTH_JWKS_URL, ANSVAR_AUTH_ISSUER)")
        if hub_of(request) is not None:  # whose sessions the flow belongs to is not known before it ends
            return _failed("with many municipalities the pages are signed in to with a token or a one-time link")
        try:
            metadata = await provider_metadata(request, settings.auth.issuer or "")
        except (SignInFailed, httpx.HTTPError) as exc:
            return _failed(exc)
        code_verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(24)  # 64 and 32 characters
        browser = secrets.token_urlsafe(24)
        flow = {"next": safe_next(next), "code_verifier": code_verifier, "nonce": nonce, "browser": browser,
                "redirect_uri": redirect_uri(request, settings)}
        state = await anyio.to_thread.run_sync(store(request).begin_flow, flow)
        query = urlencode({
            "response_type": "code", "client_id": settings.oidc.client_id, "redirect_uri": flow["redirect_uri"],
            "scope": SCOPE, "state": state, "nonce": nonce, "code_challenge": challenge(code_verifier),
            "code_challenge_method": "S256",
        })
        endpoint = metadata.authorization_endpoint  # may carry a query of its own (RFC 6749 3.1)
        response: Response[Any] = Redirect(f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", status_code=303,
                                           headers=_NO_STORE)
        response.set_cookie(_browser_cookie(request, browser, int(FLOW_TTL.total_seconds())))
        return response

    @get("/login/oidc/callback", operation_id="uiOidcCallback", before_request=_provider_query)
    async def callback(
        self, request: Request, settings: Settings, verifier: TokenVerifier, code: Text = None,
        flow_state: Annotated[str | None, QueryParameter(name="state", max_length=500)] = None,
        error: Text = None, iss: Text = None,
    ) -> Response[Any]:
        """Back from the identity provider: its code becomes an ID token, and that a session."""
        if hub_of(request) is not None:
            return _failed("with many municipalities the pages are signed in to with a token or a one-time link")
        flow = await anyio.to_thread.run_sync(store(request).finish_flow, flow_state) if flow_state else None
        try:
            if flow is None:
                raise SignInFailed("the state is unknown, used or expired")
            if not same(flow.get("browser"), request.cookies.get(BROWSER_COOKIE)):
                raise SignInFailed("the sign-in was begun in another browser")
            if error is not None:
                raise SignInFailed(f"the provider answered {_shown(error)}: "
                                   f"{_shown(request.query_params.get('error_description'))}")
            if not _oidc_on(settings) or not code:
                raise SignInFailed("the provider sent no code")
            if iss is not None and iss != settings.auth.issuer:  # RFC 9207: a mix-up with another provider
                raise SignInFailed("the answer comes from another issuer")
            metadata = await provider_metadata(request, settings.auth.issuer or "")
            id_token = await exchange(metadata.token_endpoint, settings, flow, code)
            principal = await anyio.to_thread.run_sync(
                check_id_token, id_token_verifier(request, verifier, settings), id_token, flow["nonce"],
                settings.oidc.client_id or "")
        except (SignInFailed, httpx.HTTPError, InvalidToken, KeysUnavailable) as exc:
            return _failed(exc)
        log.info("signed in at the identity provider", person_id=str(principal.person_id))
        response = await begin_session(request, principal.person_id, principal.roles, flow["next"])
        response.delete_cookie(BROWSER_COOKIE, path=BROWSER_PATH)
        return response
