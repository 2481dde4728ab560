"""Bearer tokens: issuing local HS256 tokens, and verifying tokens from either source.

A token names a person (`sub` = person id, a UUID) and the capacities they may act in (`roles`).
Local tokens are signed with the configured secret and carry issuer and audience "ansvar";
an identity provider's tokens are checked against its issuer, audience and published keys.
Anything else - no algorithm, an algorithm we did not configure, a symmetric algorithm with a
provider's key - is refused before any key is looked at.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import jwt

from domain.clock import Clock
from domain.vocabulary import AccessRole
from infra.jwks import JwksKeys
from infra.settings import Auth
from infra.tenants import SLUG

LOCAL_ISSUER = "ansvar"
LOCAL_AUDIENCE = "ansvar"
LOCAL_ALGORITHM = "HS256"
LEEWAY = timedelta(seconds=30)  # clock skew between us and the identity provider
MAX_TOKEN_BYTES = 8192
MAX_TTL = timedelta(days=30)
_TTL = re.compile(r"^(\d+)([smhd]?)$")
_KNOWN_ROLES = frozenset(r.value for r in AccessRole)
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
# A token verified once is trusted again, by its exact text, for at most this long and never past
# its `exp`: verifying costs ~150 us per request (PyJWT's strict base64 checks and two JSON
# parses), more than the query behind most reads. The bound also caps how long a key the
# identity provider has withdrawn keeps working for a token already seen.
VERIFIED_SECONDS = 60.0
VERIFIED_MAX = 4096


class InvalidToken(Exception):
    """The token cannot be trusted; `str(exc)` says why in terms safe to show the client."""


@dataclass(frozen=True)
class Principal:
    """The authenticated person, what their token lets them act as, and (after the guard) the
    capacity they act in for this request."""

    person_id: UUID
    roles: frozenset[str]
    acting_role: str | None = None
    # With many municipalities (infra/tenants.py): the one the token is for, or, for a national
    # auditor, the ones they may read (`tenants`, chosen among by the request's Ansvar-Tenant header).
    tenant: str | None = None
    tenants: frozenset[str] = frozenset()
    issuer: str | None = None  # an identity provider's tokens: which one (it may map to a municipality)

    def acting_as(self, role: str) -> Principal:
        return replace(self, acting_role=role)


def parse_ttl(text: str) -> timedelta:
    match = _TTL.match(text.strip().lower())
    if not match:
        raise ValueError(f"ttl must look like 90s, 30m, 8h or 2d, not {text!r}")
    ttl = timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])
    if not timedelta(0) < ttl <= MAX_TTL:
        raise ValueError(f"ttl must be positive and at most {MAX_TTL.days} days")
    return ttl


def issue(secret: str, person_id: UUID, roles: Iterable[str], ttl: timedelta = timedelta(hours=8), *, now: datetime,
          tenant: str | None = None, tenants: Iterable[str] = ()) -> str:
    """A local token for `person_id`, signed with the shared secret, valid from `now` for `ttl`;
    for one municipality (`tenant`), or for a national auditor reading several (`tenants`)."""
    claims: dict[str, Any] = {
        "sub": str(person_id), "roles": sorted(set(roles)), "iss": LOCAL_ISSUER, "aud": LOCAL_AUDIENCE,
        "iat": now, "nbf": now, "exp": now + ttl, "jti": uuid.uuid4().hex,
    }
    if tenant is not None:
        claims["tenant"] = tenant
    if tenants:
        claims["tenants"] = sorted(set(tenants))
    return jwt.encode(claims, secret, algorithm=LOCAL_ALGORITHM)


class TokenVerifier:
    def __init__(self, auth: Auth, clock: Clock, keys: JwksKeys | None = None) -> None:
        self.auth = auth
        if keys is None and auth.jwks_url:
            keys = JwksKeys(auth.jwks_url, ttl=auth.jwks_cache_seconds)
        self.keys = keys
        self._clock = clock
        # Many municipalities: an issuer registered to one of them -> (its JWKS URL, its audience), or None.
        self.issuers: Callable[[str], tuple[str, str | None] | None] | None = None
        self._issuer_keys: dict[str, JwksKeys] = {}
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()  # token -> (principal, trusted until)
        self._lock = threading.Lock()  # verify() also runs in worker threads (a JWKS fetch)

    def needs_fetch(self, token: str) -> bool:
        """Whether verifying this token would first fetch the provider's keys (blocking I/O)."""
        if self._trusted(token) is not None:
            return False
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            issuer = _unverified_issuer(token)
        except (jwt.InvalidTokenError, InvalidToken):
            return False
        if self.issuers is not None and issuer not in (None, self.auth.issuer, LOCAL_ISSUER):
            return True  # finding which municipality the issuer is registered to reads the database
        return self.keys is not None and isinstance(kid, str) and self.keys.needs_fetch(kid)

    def _keys_of(self, issuer: str | None) -> JwksKeys | None:
        """The keys of a municipality's own identity provider, by its issuer (None: not one)."""
        if self.issuers is None or issuer is None or issuer == self.auth.issuer:
            return None
        found = self.issuers(issuer)
        if found is None:
            return None
        url = found[0]
        with self._lock:
            keys = self._issuer_keys.get(url)
            if keys is None:
                keys = self._issuer_keys[url] = JwksKeys(url, ttl=self.auth.jwks_cache_seconds)
        return keys

    def verify(self, token: str) -> Principal:
        now = self._clock.now().timestamp()
        trusted = self._trusted(token, now)
        if trusted is not None:
            return trusted
        principal, expires = self._verify(token, now)
        with self._lock:
            self._verified[token] = (principal, min(expires, now + VERIFIED_SECONDS))
            while len(self._verified) > VERIFIED_MAX:
                self._verified.popitem(last=False)
        return principal

    def _trusted(self, token: str, now: float | None = None) -> Principal | None:
        """The principal of a token verified less than VERIFIED_SECONDS ago and not yet expired."""
        now = self._clock.now().timestamp() if now is None else now
        with self._lock:
            seen = self._verified.get(token)
            if seen is None:
                return None
            if now >= seen[1]:
                del self._verified[token]
                return None
            self._verified.move_to_end(token)
            return seen[0]

    def _verify(self, token: str, now: float) -> tuple[Principal, float]:
        """The principal and the token's expiry (epoch seconds); raises InvalidToken."""
        if len(token) > MAX_TOKEN_BYTES:
            raise InvalidToken("the token is too large")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise InvalidToken("the token is not a well-formed JWT") from None
        alg = header.get("alg")
        key, algorithms, issuer, audience = self._key_for(alg, header, token)
        try:
            claims = jwt.decode(
                token, key, algorithms=algorithms, issuer=issuer, audience=audience, leeway=LEEWAY,
                # The times are checked below against our clock, not the calendar PyJWT would read.
                options={"require": ["exp", "sub", "iss", "aud"], "enforce_minimum_key_length": True,
                         "verify_exp": False, "verify_nbf": False, "verify_iat": False},
            )
            _check_times(claims, now, LEEWAY.total_seconds())
        except jwt.ExpiredSignatureError:
            raise InvalidToken("the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise InvalidToken("the token is not valid yet") from None
        except jwt.InvalidSignatureError:
            raise InvalidToken("the token's signature is not valid") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken("the token is meant for another audience") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("the token comes from an issuer we do not accept") from None
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(f"the token has no {exc.claim!r} claim") from None
        except (jwt.InvalidTokenError, jwt.PyJWKError):
            raise InvalidToken("the token is not valid") from None
        local = claims.get("iss") == LOCAL_ISSUER and alg == LOCAL_ALGORITHM
        principal = Principal(person_id=_person_id(claims.get("sub")), roles=_roles(claims.get("roles", [])),
                              tenant=_tenant(claims.get("tenant")) if local else None,
                              tenants=_tenants(claims.get("tenants")) if local else frozenset(),
                              issuer=None if local else str(claims.get("iss")))
        return principal, float(claims["exp"])  # required above, and a number: _check_times read it

    def _key_for(self, alg: Any, header: dict[str, Any], token: str) -> tuple[Any, list[str], str, str]:
        auth = self.auth
        if alg == LOCAL_ALGORITHM and auth.secret:
            return auth.secret, [LOCAL_ALGORITHM], LOCAL_ISSUER, LOCAL_AUDIENCE
        issuer, audience = auth.issuer or "", auth.audience or ""
        keys = self.keys
        if isinstance(alg, str) and alg in auth.algorithms and self.issuers is not None:
            claimed = _unverified_issuer(token)
            if (own := self._keys_of(claimed)) is not None:  # a municipality's own identity provider
                found = self.issuers(claimed)  # type: ignore[arg-type, misc]
                keys, issuer, audience = own, claimed, (found[1] if found else None) or audience  # type: ignore[assignment]
        if isinstance(alg, str) and keys is not None and alg in auth.algorithms:
            kid = header.get("kid")
            if not isinstance(kid, str):
                raise InvalidToken("the token names no signing key (kid)")
            jwk = keys.key(kid)
            if jwk is None:
                raise InvalidToken("the token's signing key is not one the identity provider publishes")
            try:
                key = jwt.PyJWK(jwk, algorithm=jwk.get("alg") or alg)
            except jwt.PyJWKError:
                raise InvalidToken("the token's signing key cannot verify this algorithm") from None
            return key, [alg], issuer, audience
        shown = alg if isinstance(alg, str) and len(alg) <= 16 else "?"
        raise InvalidToken(f"the signing algorithm {shown!r} is not accepted")


def _unverified_issuer(token: str) -> str | None:
    """The `iss` a token claims, read before its signature is checked: only to pick whose keys check it."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        raise InvalidToken("the token is not a well-formed JWT") from None
    issuer = claims.get("iss")
    return issuer if isinstance(issuer, str) and len(issuer) <= 500 else None


def _check_times(claims: dict[str, Any], now: float, leeway: float) -> None:
    """PyJWT's checks of exp, nbf and iat, against `now` (epoch seconds) from the clock."""
    for claim, error in (("iat", jwt.ImmatureSignatureError), ("nbf", jwt.ImmatureSignatureError)):
        if claim in claims:
            if _whole_seconds(claims[claim], claim) > now + leeway:
                raise error(f"The token is not yet valid ({claim})")
    if _whole_seconds(claims["exp"], "exp") <= now - leeway:
        raise jwt.ExpiredSignatureError("Signature has expired")


def _whole_seconds(value: Any, claim: str) -> int:
    try:
        return int(value)
    except (ValueError, TypeError, OverflowError):
        raise jwt.DecodeError(f"the {claim} claim must be a number of seconds") from None


def _person_id(sub: Any) -> UUID:
    if isinstance(sub, str) and len(sub) <= 64:
        try:
            return UUID(sub)
        except ValueError:
            pass
    raise InvalidToken("the token's subject (sub) must be a person id (a UUID)")


def _tenant(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not SLUG.match(value):
        raise InvalidToken("the token's tenant claim is not a municipality's slug")
    return value


def _tenants(value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list) or len(value) > 1000:
        raise InvalidToken("the token's tenants claim must be a list of municipalities' slugs")
    return frozenset(t for t in map(_tenant, value) if t is not None)


def _roles(value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(r, str) for r in value):
        raise InvalidToken("the token's roles claim must be a list of strings")
    # Roles we do not know (an identity provider may carry other applications' roles) grant nothing.
    return frozenset(r for r in value if r in _KNOWN_ROLES) | {AccessRole.OWNER.value}
