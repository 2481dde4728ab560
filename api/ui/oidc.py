"""Signing in to the pages at the identity provider: OpenID Connect's authorization code flow
with PKCE (S256). On one municipality the provider is the one whose tokens the API already trusts;
with many, the sign-in is begun for a named municipality (`?kommune=SLUG`) at its own provider
(api/ui/oidc_client.py), its flow is kept in that municipality's store alone, and the `state` sent
names it (`<slug>.<state>`, as one-time codes do). The ID token is verified by the bearer tokens'
rules (infra/tokens.py) against that provider's issuer and keys with the client id as audience, and
must carry the nonce of the flow it answers. Every failure ends on the sign-in page with one
message; why is logged, never a code or a token."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Annotated, Any
from urllib.parse import quote_plus, urlencode

import anyio.to_thread
import httpx
import jwt
import msgspec
import structlog
from litestar import Controller, Request, Response, get
from litestar.datastructures import Cookie
from litestar.params import Parameter, QueryParameter
from litestar.response import Redirect

from api.tenancy import enter, hub_of
from api.ui import UI_HANDLERS
from api.ui.oidc_client import (
    TIMEOUT,
    OidcClient,
    SignInFailed,
    client_of,
    id_token_verifier,
    installation_client,
    provider_metadata,
)
from api.ui.oidc_client import shown as _shown
from api.ui.session import PREFIX, same, secure, store
from api.ui.signin import Kommune, Next, begin_session, safe_next
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
_NO_STORE = {"Cache-Control": "no-store"}


class TokenAnswer(msgspec.Struct):
    id_token: str


def challenge(code_verifier: str) -> str:
    """RFC 7636 4.2: BASE64URL(SHA256(verifier)), unpadded."""
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def redirect_uri(request: Request, settings: Settings) -> str:
    return (settings.oidc.public_url or str(request.base_url).rstrip("/")) + CALLBACK


async def exchange(token_endpoint: str, client: OidcClient, flow: dict[str, Any], code: str) -> str:
    """The authorization code, traded at the token endpoint for the provider's ID token."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": flow["redirect_uri"],
            "client_id": client.client_id, "code_verifier": flow["code_verifier"]}
    headers = {"Accept": "application/json"}
    if client.client_secret:  # client_secret_basic; RFC 6749 2.3.1 form-encodes both halves first
        pair = f"{quote_plus(client.client_id)}:{quote_plus(client.client_secret)}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    async with httpx.AsyncClient(timeout=TIMEOUT) as http:
        response = await http.post(token_endpoint, data=form, headers=headers)
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


async def _client(request: Request, settings: Settings, slug: str | None) -> OidcClient | None:
    """The provider this sign-in is at. With many municipalities: the one `slug` names, whose
    store is then opened for the request (its flows are kept there alone); None if it has none."""
    if hub_of(request) is None:
        return installation_client(settings)
    client = await client_of(request, slug)
    if client is None or await enter(request, client.tenant or "") is None:
        return None
    return client


async def _registered_to(request: Request, principal: Principal, slug: str) -> None:
    """Who a request is for is decided by the verified identity: the ID token's issuer must be the
    one registered to the municipality the flow was begun for."""
    found = await anyio.to_thread.run_sync(hub_of(request).registry.by_issuer, principal.issuer or "")
    if found is None or found.slug != slug:
        raise SignInFailed("the ID token's issuer is not registered to the flow's municipality")


class OidcController(Controller):
    path = PREFIX
    include_in_schema = False
    exception_handlers = UI_HANDLERS

    @get("/login/oidc", operation_id="uiOidcStart")
    async def start(self, request: Request, settings: Settings, next: Next = None,  # noqa: A002
                    kommune: Kommune = None) -> Response[Any]:
        """Off to the identity provider's sign-in (with many municipalities, that of the one named by
        `kommune`), with a PKCE challenge, a nonce and a state."""
        client = await _client(request, settings, kommune)
        if client is None:
            return _failed("no identity provider signs in to these pages" + (
                f" for the municipality {_shown(kommune)!r}" if hub_of(request) is not None else
                " (ANSVAR_AUTH_JWKS_URL, ANSVAR_AUTH_ISSUER)"))
        try:
            metadata = await provider_metadata(request, client.issuer)
        except (SignInFailed, httpx.HTTPError) as exc:
            return _failed(exc)
        code_verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(24)  # 64 and 32 characters
        browser = secrets.token_urlsafe(24)
        flow = {"next": safe_next(next), "code_verifier": code_verifier, "nonce": nonce, "browser": browser,
                "redirect_uri": redirect_uri(request, settings), "issuer": client.issuer}
        state = await anyio.to_thread.run_sync(store(request).begin_flow, flow)
        if client.tenant is not None:  # the callback finds the flow in this municipality's store only
            state = f"{client.tenant}.{state}"
        query = urlencode({
            "response_type": "code", "client_id": client.client_id, "redirect_uri": flow["redirect_uri"],
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
        slug, state = None, flow_state
        if hub_of(request) is not None and flow_state:  # `<slug>.<state>`: whose store holds the flow
            slug, _, state = flow_state.partition(".")
        client = await _client(request, settings, slug)
        flow = await anyio.to_thread.run_sync(store(request).finish_flow, state) if client and state else None
        try:
            if client is None:
                raise SignInFailed(f"no identity provider signs in to these pages for the state's {_shown(slug)!r}")
            if flow is None:
                raise SignInFailed("the state is unknown, used or expired")
            if flow.get("issuer", client.issuer) != client.issuer:  # configured anew while the flow ran
                raise SignInFailed("the flow was begun at another identity provider")
            if not same(flow.get("browser"), request.cookies.get(BROWSER_COOKIE)):
                raise SignInFailed("the sign-in was begun in another browser")
            if error is not None:
                raise SignInFailed(f"the provider answered {_shown(error)}: "
                                   f"{_shown(request.query_params.get('error_description'))}")
            if not code:
                raise SignInFailed("the provider sent no code")
            if iss is not None and iss != client.issuer:  # RFC 9207: a mix-up with another provider
                raise SignInFailed("the answer comes from another issuer")
            metadata = await provider_metadata(request, client.issuer)
            id_token = await exchange(metadata.token_endpoint, client, flow, code)
            principal = await anyio.to_thread.run_sync(
                check_id_token, id_token_verifier(request, verifier, client), id_token, flow["nonce"], client.client_id)
            if client.tenant is not None:
                await _registered_to(request, principal, client.tenant)
        except (SignInFailed, httpx.HTTPError, InvalidToken, KeysUnavailable) as exc:
            return _failed(exc)
        log.info("signed in at the identity provider", person_id=str(principal.person_id), tenant=client.tenant)
        response = await begin_session(request, principal.person_id, principal.roles, flow["next"])
        response.delete_cookie(BROWSER_COOKIE, path=BROWSER_PATH)
        return response
