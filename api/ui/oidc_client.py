"""Whose identity provider a sign-in to the pages goes to, and as which client: on an installation
of one municipality the provider whose tokens the API trusts (ANSVAR_AUTH_ISSUER) with the pages'
client id; with many (ANSVAR_TENANCY=schemas) the named municipality's own provider, registered
to it (`ansvar tenant configure SLUG --issuer ISS --set ANSVAR_AUTH_JWKS_URL=... --set
ANSVAR_OIDC_CLIENT_ID=...`). Also the provider's discovery document, and the verifier of its ID
tokens, each kept per provider."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import anyio.to_thread
import httpx
import msgspec
from litestar import Request

from api.tenancy import hub_of
from infra.settings import Auth, Settings
from infra.tenants import LOOKUP_SECONDS, SLUG, Tenant
from infra.tokens import TokenVerifier

TIMEOUT = httpx.Timeout(5.0)
METADATA_SECONDS = 3600.0  # the discovery document is fetched again after this long
_KEPT = 1000  # providers remembered at once (one per municipality at most)
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]")


class SignInFailed(Exception):
    """The provider's answer signs no one in; `str(exc)` says why, for the log only."""


@dataclass(frozen=True)
class OidcClient:
    """The pages as a client of one provider. `tenant`: the municipality whose provider it is."""

    issuer: str
    jwks_url: str
    client_id: str
    client_secret: str | None = None
    tenant: str | None = None


class ProviderMetadata(msgspec.Struct):
    """What the flow needs of the discovery document (OpenID Connect Discovery 1.0, section 3)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    code_challenge_methods_supported: list[str] | None = None


def installation_client(settings: Settings) -> OidcClient | None:
    auth = settings.auth
    if settings.tenancy.enabled or not (auth.jwks_url and auth.issuer and settings.oidc.client_id):
        return None
    return OidcClient(auth.issuer, auth.jwks_url, settings.oidc.client_id, settings.oidc.client_secret)


def municipality_client(tenant: Tenant) -> OidcClient | None:
    """A municipality's own provider, if it has one the pages can sign in at: its registered issuer,
    its keys, and a client id (ANSVAR_OIDC_CLIENT_ID, else its tokens' audience, as on one)."""
    own = tenant.settings.get
    client_id = own("ANSVAR_OIDC_CLIENT_ID") or own("ANSVAR_AUTH_AUDIENCE")
    jwks_url = own("ANSVAR_AUTH_JWKS_URL")
    if not (tenant.active and tenant.issuer and jwks_url and client_id):
        return None
    return OidcClient(tenant.issuer, jwks_url, client_id, own("ANSVAR_OIDC_CLIENT_SECRET") or None, tenant.slug)


async def client_of(request: Request, slug: object) -> OidcClient | None:
    """The provider of the municipality `slug` names; None for anything that is not the slug of an
    active municipality with one (the slug is checked before anything reads it)."""
    if not isinstance(slug, str) or not SLUG.match(slug):
        return None
    tenant = await anyio.to_thread.run_sync(hub_of(request).tenant, slug)
    return municipality_client(tenant) if tenant is not None else None


async def signing_in(request: Request) -> list[tuple[str, str]]:
    """(slug, name) of every municipality whose own provider signs in to the pages, by name: the
    sign-in page's public list (read again at most every LOOKUP_SECONDS)."""
    cached = request.app.state.get("oidc_municipalities")
    if cached is not None and time.monotonic() - cached[1] < LOOKUP_SECONDS:
        return cached[0]  # type: ignore[no-any-return]
    tenants = await anyio.to_thread.run_sync(hub_of(request).registry.list)
    found = sorted(((t.slug, t.name) for t in tenants if municipality_client(t) is not None), key=lambda t: t[1])
    request.app.state["oidc_municipalities"] = (found, time.monotonic())
    return found


def _over_tls(url: str) -> bool:
    parts = urlsplit(url)
    loopback = parts.hostname in ("127.0.0.1", "::1", "localhost")
    return parts.scheme == "https" or (parts.scheme == "http" and loopback)


def shown(value: Any) -> str:
    return _UNPRINTABLE.sub("?", value)[:200] if isinstance(value, str) else "-"


def _kept(request: Request, name: str) -> dict[Any, Any]:
    found = request.app.state.get(name)
    if found is None or len(found) > _KEPT:
        found = request.app.state[name] = {}
    return found  # type: ignore[no-any-return]


async def provider_metadata(request: Request, issuer: str) -> ProviderMetadata:
    """The provider's endpoints, from its discovery document (kept on the app, per issuer)."""
    kept = _kept(request, "oidc_metadata")
    cached = kept.get(issuer)
    if cached is not None and time.monotonic() - cached[1] < METADATA_SECONDS:
        return cached[0]  # type: ignore[no-any-return]
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
        raise SignInFailed(f"the discovery document names another issuer ({shown(metadata.issuer)})")
    if not (_over_tls(metadata.authorization_endpoint) and _over_tls(metadata.token_endpoint)):
        raise SignInFailed("the provider's endpoints must be https:// (plain http only on the loopback address)")
    methods = metadata.code_challenge_methods_supported
    if methods is not None and "S256" not in methods:
        raise SignInFailed("the provider does not support PKCE with S256")
    kept[issuer] = (metadata, time.monotonic())
    return metadata


def id_token_verifier(request: Request, verifier: TokenVerifier, client: OidcClient) -> TokenVerifier:
    """A verifier of this provider's ID tokens: its issuer and keys, with the client id as audience
    (OIDC Core 3.1.3.7); the local HS256 secret never vouches for one. A municipality's trusts its
    own provider alone: an ID token of another municipality's fails on issuer and keys."""
    kept = _kept(request, "oidc_id_tokens")
    key = (client.issuer, client.jwks_url, client.client_id)
    found = kept.get(key)
    if found is None:
        if client.tenant is None:  # the API's own provider: share its keys
            auth = replace(verifier.auth, secret=None, audience=client.client_id)
            found = TokenVerifier(auth, request.app.state.clock, keys=verifier.keys)
        else:
            auth = Auth(issuer=client.issuer, audience=client.client_id, jwks_url=client.jwks_url,
                        algorithms=verifier.auth.algorithms, jwks_cache_seconds=verifier.auth.jwks_cache_seconds)
            found = TokenVerifier(auth, request.app.state.clock)
        kept[key] = found
    return found  # type: ignore[no-any-return]
