"""The identity provider's keys are cached, refreshed on rotation at a bounded rate, and kept
through an outage; no network: the fetch function is injected and the clock is a counter."""

from __future__ import annotations

import pytest

from infra.jwks import JwksKeys, KeysUnavailable
from infra.settings import Settings, SettingsError

RSA = {"kty": "RSA", "n": "x", "e": "AQAB", "use": "sig"}


class Provider:
    def __init__(self, *kids: str) -> None:
        self.kids, self.calls, self.down = list(kids), 0, False

    def __call__(self, url: str) -> dict:
        self.calls += 1
        if self.down:
            raise OSError("connection refused")
        return {"keys": [RSA | {"kid": k} for k in self.kids]}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def keys_for(provider: Provider, clock: Clock) -> JwksKeys:
    return JwksKeys("https://idp.test/keys", fetch=provider, ttl=300, min_refresh=30, clock=clock)


def test_keys_are_fetched_once_and_served_from_the_cache_until_they_are_stale():
    provider, clock = Provider("a"), Clock()
    keys = keys_for(provider, clock)
    assert keys.key("a")["kid"] == "a" and keys.key("a") and provider.calls == 1
    clock.now += 299
    assert keys.key("a") and provider.calls == 1
    clock.now += 1
    assert keys.needs_fetch("a")
    assert keys.key("a") and provider.calls == 2


def test_a_rotated_key_is_found_by_refetching_but_no_more_often_than_the_minimum_interval():
    provider, clock = Provider("a"), Clock()
    keys = keys_for(provider, clock)
    keys.key("a")
    provider.kids.append("b")
    assert keys.key("b") is None and provider.calls == 1  # too soon after the last fetch
    clock.now += 30
    assert keys.key("b")["kid"] == "b" and provider.calls == 2
    assert keys.key("nonsense") is None and keys.key("more-nonsense") is None and provider.calls == 2


def test_an_outage_keeps_the_keys_we_have_and_without_any_it_is_unavailable():
    provider, clock = Provider("a"), Clock()
    keys = keys_for(provider, clock)
    provider.down = True
    with pytest.raises(KeysUnavailable):
        keys.key("a")
    provider.down = False
    keys.key("a")
    provider.down = True
    clock.now += 301
    assert keys.key("a")["kid"] == "a"  # stale but still the provider's
    assert not keys.needs_fetch("a")  # and the failed attempt is not retried on every request


def test_symmetric_and_encryption_keys_in_a_jwks_are_ignored():
    document = {"keys": [{"kty": "oct", "kid": "s", "k": "c2VjcmV0"}, RSA | {"kid": "e", "use": "enc"}, RSA | {"kid": "a"}]}
    keys = JwksKeys("https://idp.test/keys", fetch=lambda url: document)
    assert keys.key("s") is None and keys.key("e") is None and keys.key("a") is not None


@pytest.mark.parametrize("env, complaint", [
    ({"ANSVAR_AUTH_SECRET": "short"}, "at least 32"),
    ({"ANSVAR_AUTH_JWKS_URL": "https://idp.test/keys"}, "ISSUER"),
    ({"ANSVAR_AUTH_JWKS_URL": "http://idp.test/keys", "ANSVAR_AUTH_ISSUER": "i", "ANSVAR_AUTH_AUDIENCE": "a"}, "https"),
    ({"ANSVAR_AUTH_JWKS_URL": "https://idp.test/keys", "ANSVAR_AUTH_ISSUER": "i", "ANSVAR_AUTH_AUDIENCE": "a",
      "ANSVAR_AUTH_ALGORITHMS": "RS256,HS256"}, "asymmetric"),
])
def test_unsafe_authentication_settings_are_refused_at_startup(env, complaint):
    with pytest.raises(SettingsError, match=complaint):
        Settings.from_env(env)


def test_an_identity_provider_on_the_loopback_address_may_use_plain_http():
    env = {"ANSVAR_AUTH_JWKS_URL": "http://127.0.0.1:8080/keys", "ANSVAR_AUTH_ISSUER": "i", "ANSVAR_AUTH_AUDIENCE": "a"}
    assert Settings.from_env(env).auth.jwks_url == env["ANSVAR_AUTH_JWKS_URL"]
