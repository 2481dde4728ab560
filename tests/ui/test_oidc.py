"""Signing in to the pages at the identity provider (OpenID Connect, authorization code with PKCE),
against the small provider of tests/ui/oidc_provider.py on 127.0.0.1, on the test's clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID, uuid4

import httpx
import pytest
from litestar.testing import TestClient

from ansvar.web import create_app
from api.ui.oidc import challenge
from domain.clock import ManualClock
from infra.settings import Auth, Database, LogSigning, Oidc, Settings
from tests.api.client import TEST_SECRET, Api, bearer
from tests.conftest import TEST_LOG_KEY
from tests.ui.oidc_provider import Provider, User, rsa_key

FAILED = "/ui/login?error=oidc"
CALLBACK = "/ui/login/oidc/callback"


def settings_for(provider: Provider | None, audience: str = "ansvar", **oidc: Any) -> Settings:
    """The pages as the provider's client (and a local secret, for the tests' own admin token)."""
    auth = Auth(secret=TEST_SECRET)
    if provider is not None:
        auth = Auth(secret=TEST_SECRET, issuer=provider.issuer, audience=audience, jwks_url=provider.jwks_url)
    return Settings(database=Database("memory"), log_level="warning", log=LogSigning(key=str(TEST_LOG_KEY)),
                    auth=auth, oidc=Oidc(**{"client_id": audience, **oidc}))


@contextmanager
def pages_on(settings: Settings, clock: ManualClock) -> Iterator[TestClient]:
    # A browser reaches the pages at the public address when one is set (https behind a proxy).
    base = settings.oidc.public_url or "http://testserver.local"
    with TestClient(create_app(settings, clock=clock, configure_logging=False), base_url=base) as client:
        yield client


@pytest.fixture
def provider(clock: ManualClock) -> Iterator[Provider]:
    with Provider(now=clock.now, user=User(uuid4(), ("council", "another-applications-role"))) as running:
        yield running


@pytest.fixture
def pages(provider: Provider, clock: ManualClock) -> Iterator[TestClient]:
    with pages_on(settings_for(provider), clock) as client:
        yield client


def at_provider(pages: TestClient, next_page: str = "/ui/me") -> str:
    """The browser goes from the sign-in button to the provider and back: the callback URL it is sent to."""
    start = pages.get("/ui/login/oidc", params={"next": next_page}, follow_redirects=False)
    assert start.status_code == 303, start.text
    back = httpx.get(start.headers["location"], follow_redirects=False)
    assert back.status_code == 302, back.text
    return back.headers["location"]


def returns(pages: TestClient, callback: str) -> httpx.Response:
    return pages.get(callback, follow_redirects=False)


def session_cookie(response: httpx.Response, name: str = "ansvar_session") -> str | None:
    return next((c for c in response.headers.get_list("set-cookie") if c.startswith(f"{name}=")), None)


def tamper_flow(monkeypatch: pytest.MonkeyPatch, pages: TestClient, **changes: str) -> None:
    """What the store hands back for a state, changed (as if the flow had been another)."""
    sessions = pages.app.state.ui_sessions
    finish = sessions.finish_flow

    def tampered(state: str) -> dict[str, Any] | None:
        flow = finish(state)
        return None if flow is None else {**flow, **changes}

    monkeypatch.setattr(sessions, "finish_flow", tampered)


def test_signing_in_at_the_provider_starts_a_session_for_the_person_its_id_token_names(provider, clock):
    with pages_on(settings_for(provider), clock) as pages:
        # Given a person in the register, whom the provider vouches for as a council member
        admin = Api(pages, {"Authorization": bearer()})
        unit = admin.org_unit("Testkommune", "kommune")
        person = admin.person("Inge Identitet", unit)
        provider.user = User(UUID(person), ("council", "another-applications-role"))
        # When they sign in at the provider
        done = returns(pages, at_provider(pages))
        # Then a session begins (HttpOnly, SameSite=Lax) and they land where they were going
        assert done.status_code == 303 and done.headers["location"] == "/ui/me"
        cookie = session_cookie(done)
        assert cookie is not None and "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Path=/ui" in cookie
        assert "Max-Age=0" in (session_cookie(done, "ansvar_oidc") or "")  # the flow's cookie is done with
        me = pages.get("/ui/me", params={"after": admin.position}, follow_redirects=False)
        assert me.status_code == 200 and "Inge Identitet" in me.text and "porteføljeråd" in me.text
        # And the roles the provider gave are theirs on the pages (the unknown one grants nothing)
        assert pages.get("/ui/gaps", follow_redirects=False).status_code == 200
    assert provider.refusals == [] and provider.codes == {}  # the code was redeemed, once


def test_the_authorization_request_carries_an_s256_challenge_a_nonce_and_the_public_redirect_uri(provider, clock):
    public = "https://ansvar.kommune.example"
    provider.redirect_uris = (public + CALLBACK,)
    with pages_on(settings_for(provider, public_url=public), clock) as pages:
        start = pages.get("/ui/login/oidc", follow_redirects=False)
        assert start.status_code == 303 and start.headers["cache-control"] == "no-store"
        binding = session_cookie(start, "ansvar_oidc")  # the flow is this browser's alone
        assert binding is not None and "HttpOnly" in binding and "samesite=lax" in binding.lower()
        assert "Path=/ui/login/oidc" in binding
        url = urlsplit(start.headers["location"])
        assert f"{url.scheme}://{url.netloc}{url.path}" == provider.issuer + "/authorize"
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        assert query.pop("code_challenge_method") == "S256" and len(query.pop("code_challenge")) == 43
        assert len(query.pop("state")) >= 43 and len(query.pop("nonce")) >= 32
        assert query == {"response_type": "code", "client_id": "ansvar", "redirect_uri": public + CALLBACK,
                         "scope": "openid profile email"}
        # the provider's answer, sent to the public address, is taken at the same path
        back = urlsplit(httpx.get(start.headers["location"], follow_redirects=False).headers["location"])
        assert returns(pages, f"{back.path}?{back.query}").headers["location"] == "/ui/"
    form = provider.token_requests[0]
    assert form["redirect_uri"] == public + CALLBACK and 43 <= len(form["code_verifier"]) <= 128
    assert challenge(form["code_verifier"]) == parse_qs(url.query)["code_challenge"][0]
    assert form["authorization"] == "" and "client_secret" not in form  # a public client: PKCE is its proof


def test_a_state_is_used_once_and_only_a_state_the_pages_issued(pages, provider):
    callback = at_provider(pages)
    assert session_cookie(returns(pages, callback)) is not None
    replayed = returns(pages, callback)
    assert replayed.headers["location"] == FAILED and session_cookie(replayed) is None
    forged = returns(pages, f"{CALLBACK}?code=anything&state={'x' * 43}")
    assert forged.headers["location"] == FAILED and session_cookie(forged) is None
    assert len(provider.token_requests) == 1  # neither reached the provider


def test_a_callback_url_of_a_sign_in_begun_in_another_browser_is_refused(pages, provider):
    callback = at_provider(pages)  # the attacker's own sign-in, its URL then sent to a victim
    pages.cookies.clear()  # the victim's browser: it never began this sign-in
    done = returns(pages, callback)
    assert done.headers["location"] == FAILED and session_cookie(done) is None
    assert provider.token_requests == []


def test_a_wrong_code_verifier_is_refused_by_the_provider_and_signs_no_one_in(pages, provider, monkeypatch):
    callback = at_provider(pages)
    tamper_flow(monkeypatch, pages, code_verifier="A" * 64)
    done = returns(pages, callback)
    assert done.status_code == 303 and done.headers["location"] == FAILED and session_cookie(done) is None
    assert provider.refusals == ["invalid_grant: the code_verifier does not match the challenge"]
    shown = pages.get(FAILED)
    assert shown.status_code == 401 and "Log-ind hos identitetsudbyderen mislykkedes" in shown.text


def test_an_id_token_with_another_flows_nonce_is_refused(pages, provider, monkeypatch):
    callback = at_provider(pages)
    tamper_flow(monkeypatch, pages, nonce="the-nonce-of-another-sign-in-0123456789")
    done = returns(pages, callback)
    assert done.headers["location"] == FAILED and session_cookie(done) is None
    assert provider.refusals == []  # the provider answered; the pages refused


def test_an_id_token_signed_by_a_key_the_provider_does_not_publish_is_refused(pages, provider):
    provider.sign_with = rsa_key("intruder")  # same kid, another key
    done = returns(pages, at_provider(pages))
    assert done.headers["location"] == FAILED and session_cookie(done) is None


def test_an_expired_id_token_is_refused(pages, provider):
    provider.id_token_ttl = -provider.id_token_ttl  # expired before it arrives, on the test's clock
    done = returns(pages, at_provider(pages))
    assert done.headers["location"] == FAILED and session_cookie(done) is None


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/ui/", "/ui/../evil"])
def test_after_signing_in_the_browser_stays_on_the_pages(pages, target):
    done = returns(pages, at_provider(pages, target))
    assert done.headers["location"] == "/ui/" and session_cookie(done) is not None


def test_a_sign_in_the_provider_refuses_ends_on_the_sign_in_page(pages, provider):
    provider.deny = "access_denied"
    done = returns(pages, at_provider(pages))
    assert done.headers["location"] == FAILED and session_cookie(done) is None
    assert provider.token_requests == []


def test_a_provider_that_cannot_be_reached_signs_no_one_in(pages, provider):
    callback = at_provider(pages)
    provider.stop()  # gone between the browser's visit and the code's exchange
    done = returns(pages, callback)
    assert done.headers["location"] == FAILED and session_cookie(done) is None


def test_a_discovery_document_naming_another_issuer_is_not_followed(provider, clock):
    provider.advertised_issuer = "https://evil.example"
    with pages_on(settings_for(provider), clock) as pages:
        start = pages.get("/ui/login/oidc", follow_redirects=False)
    assert start.status_code == 303 and start.headers["location"] == FAILED


def test_a_confidential_client_authenticates_with_its_secret(provider, clock):
    provider.client_secret = "a secret: with/odd+characters"
    with pages_on(settings_for(provider, client_secret=provider.client_secret), clock) as pages:
        assert session_cookie(returns(pages, at_provider(pages))) is not None
    assert provider.token_requests[0]["authorization"].startswith("Basic ") and provider.refusals == []


def test_the_pages_may_be_a_client_of_their_own_beside_the_apis_audience(provider, clock):
    provider.client_id = "ansvar-pages"
    with pages_on(settings_for(provider, audience="ansvar-api", client_id="ansvar-pages"), clock) as pages:
        assert session_cookie(returns(pages, at_provider(pages))) is not None


def test_the_login_page_offers_the_provider_only_when_one_is_configured(provider, clock):
    with pages_on(settings_for(provider), clock) as pages:
        assert 'href="/ui/login/oidc?next=' in pages.get("/ui/login").text
    with pages_on(settings_for(None), clock) as pages:
        login = pages.get("/ui/login")
        assert login.status_code == 200 and "/ui/login/oidc" not in login.text and "kommunens log-ind" not in login.text
        assert pages.get("/ui/login/oidc", follow_redirects=False).headers["location"] == FAILED
