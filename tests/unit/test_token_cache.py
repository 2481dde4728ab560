"""A verified token is trusted again by its exact text, for a short while and never past `exp`;
nothing else about verification changes."""

from __future__ import annotations

import uuid
from datetime import timedelta

import jwt
import pytest

from domain.clock import ManualClock
from infra import tokens
from infra.settings import Auth
from infra.tokens import InvalidToken, TokenVerifier, issue
from tests.story import TEST_TODAY

SECRET = "unit-test-secret-0123456789abcdef-0123456789"


def Clock() -> ManualClock:
    return ManualClock.on(TEST_TODAY)


@pytest.fixture
def decodes(monkeypatch):
    """How many times PyJWT really verified a signature."""
    calls = []
    real = jwt.decode

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(tokens.jwt, "decode", counting)
    return calls


def test_a_token_is_verified_once_then_trusted_by_its_text(decodes):
    clock = Clock()
    verifier = TokenVerifier(Auth(secret=SECRET), clock)
    person = uuid.uuid4()
    token = issue(SECRET, person, ["auditor"], now=clock.now())
    first = verifier.verify(token)
    clock.advance(timedelta(seconds=tokens.VERIFIED_SECONDS - 1))
    assert verifier.verify(token) == first and first.person_id == person and "auditor" in first.roles
    assert len(decodes) == 1


def test_trust_lapses_after_the_bound_and_the_token_is_verified_again(decodes):
    clock = Clock()
    verifier = TokenVerifier(Auth(secret=SECRET), clock)
    token = issue(SECRET, uuid.uuid4(), [], now=clock.now())
    verifier.verify(token)
    clock.advance(timedelta(seconds=tokens.VERIFIED_SECONDS))
    verifier.verify(token)
    assert len(decodes) == 2


def test_trust_never_outlives_the_tokens_expiry(decodes):
    clock = Clock()
    verifier = TokenVerifier(Auth(secret=SECRET), clock)
    token = issue(SECRET, uuid.uuid4(), [], ttl=timedelta(seconds=20), now=clock.now())
    verifier.verify(token)
    clock.advance(timedelta(seconds=21))  # past exp, well inside VERIFIED_SECONDS
    verifier.verify(token)  # the 30 s leeway still accepts it; what matters is that it was asked
    assert len(decodes) == 2


def test_a_forged_token_is_never_trusted_because_a_real_one_was(decodes):
    clock = Clock()
    verifier = TokenVerifier(Auth(secret=SECRET), clock)
    token = issue(SECRET, uuid.uuid4(), ["council"], now=clock.now())
    verifier.verify(token)
    header, payload, signature = token.split(".")
    forged = ".".join([header, payload, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")])
    for _ in range(2):
        with pytest.raises(InvalidToken):
            verifier.verify(forged)
    assert len(decodes) == 3  # refusals are never remembered as trusted


def test_the_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(tokens, "VERIFIED_MAX", 3)
    clock = Clock()
    verifier = TokenVerifier(Auth(secret=SECRET), clock)
    for _ in range(10):
        verifier.verify(issue(SECRET, uuid.uuid4(), [], now=clock.now()))
    assert len(verifier._verified) == 3
