"""An identity provider's signing keys (a JWKS document), fetched once and cached.

The keys are refetched when the cache is older than its lifetime, or when a token names a key
id the cache does not know (the provider rotated its keys) - but never more often than every
`min_refresh` seconds, so tokens with made-up key ids cannot make us hammer the provider. If a
refetch fails, the keys we already have keep working.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import structlog

log = structlog.get_logger(__name__)

Fetch = Callable[[str], dict[str, Any]]
_SIGNING_KEY_TYPES = frozenset({"RSA", "EC", "OKP"})  # never "oct": a shared secret has no business in a JWKS
_MAX_BYTES = 1_048_576


class KeysUnavailable(Exception):
    """The provider's keys could not be fetched and none are cached."""


def fetch_json(url: str, timeout: float = 5.0) -> dict[str, Any]:
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "ansvar"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (https enforced by settings)
        return json.loads(response.read(_MAX_BYTES))


class JwksKeys:
    def __init__(
        self, url: str, fetch: Fetch = fetch_json, ttl: float = 300.0, min_refresh: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.fetch = fetch
        self.ttl = ttl
        self.min_refresh = min_refresh
        self.clock = clock
        self.fetches = 0
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def needs_fetch(self, kid: str) -> bool:
        """Would `key(kid)` go to the network? (Callers on an event loop then move it to a thread.)"""
        return self._stale() or (kid not in self._keys and self._may_refresh())

    def key(self, kid: str) -> dict[str, Any] | None:
        """The JWK with this key id, or None if the provider does not publish it."""
        if self.needs_fetch(kid):
            with self._lock:
                if self.needs_fetch(kid):  # another thread may have fetched meanwhile
                    self._refresh()
        return self._keys.get(kid)

    def _stale(self) -> bool:
        return self._fetched_at is None or self.clock() - self._fetched_at >= self.ttl

    def _may_refresh(self) -> bool:
        return self._fetched_at is None or self.clock() - self._fetched_at >= self.min_refresh

    def _refresh(self) -> None:
        self.fetches += 1
        try:
            document = self.fetch(self.url)
            keys = {
                k["kid"]: k for k in document.get("keys", [])
                if isinstance(k, dict) and isinstance(k.get("kid"), str) and k.get("kty") in _SIGNING_KEY_TYPES
                and k.get("use", "sig") == "sig"
            }
        except Exception as exc:  # any failure of the provider: keep what we have
            log.warning("JWKS fetch failed", url=self.url, error=f"{type(exc).__name__}: {exc}")
            if not self._keys:
                raise KeysUnavailable(f"the identity provider's keys cannot be fetched ({type(exc).__name__})") from None
            self._fetched_at = self.clock()  # retry after min_refresh/ttl, not on every request
            return
        self._keys = keys
        self._fetched_at = self.clock()
