"""Signing in to the pages at a municipality's own identity provider, with many municipalities in one
installation (issue 29): the flow is begun for a named municipality, kept in its store alone, and
ends in a session of that municipality only if that municipality's provider vouched for the person."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from uuid import UUID

import httpx
import jwt
import pytest

from ansvar.cli import main as cli_main
from tests.api.tenancy_fixture import SECRET_NAME, Installation, fill, installation  # noqa: F401
from tests.api.client import TEST_SECRET
from tests.conftest import PG_URL, TEST_LOG_KEY
from tests.ui.oidc_provider import Provider, User, rsa_key

pytestmark = pytest.mark.postgres
FAILED = "/ui/login?error=oidc"
CALLBACK = "/ui/login/oidc/callback"
AARHUS_SECRET = "aarhus-klienthemmelighed/med+tegn:"


@dataclass
class Two:
    """Aarhus and Køge, each with its own provider; a person of Aarhus's register whom Aarhus's vouches for."""

    installation: Installation
    aarhus: str
    koege: str
    providers: dict[str, Provider]
    person: str
    position: str


@pytest.fixture
def two(installation: Installation, clock) -> Iterator[Two]:  # noqa: F811
    aarhus, koege = (t.slug for t in installation.registry.list())
    nobody = User(UUID(int=0))
    a = Provider(now=clock.now, user=nobody, client_id="ansvar-aarhus", client_secret=AARHUS_SECRET,
                 published=rsa_key("aarhus"))
    k = Provider(now=clock.now, user=nobody, client_id="ansvar-koege", published=rsa_key("koege"))
    with a, k:
        installation.registry.configure(aarhus, issuer=a.issuer, settings={
            "ANSVAR_AUTH_JWKS_URL": a.jwks_url, "ANSVAR_AUTH_AUDIENCE": "ansvar-aarhus-api",
            "ANSVAR_OIDC_CLIENT_ID": "ansvar-aarhus", "ANSVAR_OIDC_CLIENT_SECRET": AARHUS_SECRET})
        installation.registry.configure(koege, issuer=k.issuer, settings={  # its client id is its tokens' audience
            "ANSVAR_AUTH_JWKS_URL": k.jwks_url, "ANSVAR_AUTH_AUDIENCE": "ansvar-koege"})
        api = installation.api(aarhus)
        made = fill(api, SECRET_NAME)
        fill(installation.api(koege), "Køges lønsystem")
        a.user = User(UUID(made["person"]), ("council",))
        k.user = User(UUID(made["person"]), ("council",))  # the same id, vouched for by the wrong provider
        yield Two(installation, aarhus, koege, {aarhus: a, koege: k}, made["person"], api.position)


def begun(two: Two, slug: str, next_page: str = "/ui/systems") -> str:
    """The browser asks to sign in at `slug`'s provider: where it is sent."""
    start = two.installation.client.get("/ui/login/oidc", params={"kommune": slug, "next": next_page},
                                        follow_redirects=False)
    assert start.status_code == 303 and start.headers["location"] != FAILED, start.headers.get("location")
    return start.headers["location"]


def at_provider(two: Two, slug: str) -> str:
    """... and is sent back by the provider: the callback URL."""
    back = httpx.get(begun(two, slug), follow_redirects=False)
    assert back.status_code == 302, back.text
    return back.headers["location"]


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def returns(two: Two, callback: str) -> httpx.Response:
    return two.installation.client.get(callback, follow_redirects=False)


def session_of(response: httpx.Response) -> str | None:
    found = next((c for c in response.headers.get_list("set-cookie") if c.startswith("ansvar_session=")), None)
    return found.split(";")[0].partition("=")[2] if found else None


def test_the_sign_in_page_lists_the_municipalities_with_their_own_provider(two: Two) -> None:
    client = two.installation.client
    plain = two.installation.registry.add(f"lejre-{two.aarhus[-6:]}", "Lejre Kommune")  # no provider of its own
    client.app.state.oidc_municipalities = None  # the list is read again (it is kept a few seconds)
    page = client.get("/ui/login").text
    assert f'<option value="{two.aarhus}">Aarhus Kommune</option>' in page
    assert f'<option value="{two.koege}">Køge Kommune</option>' in page and "Lejre" not in page
    chosen = client.get("/ui/login", params={"kommune": two.aarhus}).text
    assert "Log ind med Aarhus Kommunes log-ind" in chosen and f"kommune={two.aarhus}" in chosen
    assert "Køge Kommune" not in chosen
    for other in (plain.slug, "../x", "lejre-nope"):  # told nothing beyond the list
        assert client.get("/ui/login", params={"kommune": other}).text.replace(f"kommune={other}", "") == page


def test_signing_in_at_aarhuss_provider_opens_aarhuss_pages_alone(two: Two) -> None:
    a, k = two.providers[two.aarhus], two.providers[two.koege]
    sent_to = begun(two, two.aarhus)
    asked = query_of(sent_to)
    assert sent_to.startswith(a.issuer + "/authorize?") and asked["client_id"] == "ansvar-aarhus"
    assert asked["state"].startswith(two.aarhus + ".")  # the state names whose store holds the flow
    done = returns(two, httpx.get(sent_to, follow_redirects=False).headers["location"])
    assert done.status_code == 303 and done.headers["location"] == "/ui/systems"
    cookie = session_of(done)
    assert cookie and cookie.startswith(two.aarhus + ".")
    page = two.installation.client.get("/ui/systems", params={"after": two.position}, follow_redirects=False)
    assert page.status_code == 200 and SECRET_NAME in page.text and "Aarhus Kommune" in page.text
    assert "Køges lønsystem" not in page.text
    assert a.token_requests[0]["authorization"].startswith("Basic ") and a.refusals == []  # its own secret
    assert k.token_requests == []


def test_a_code_of_aarhuss_provider_under_koeges_state_signs_no_one_in(two: Two) -> None:
    a, k = two.providers[two.aarhus], two.providers[two.koege]
    from_aarhus = query_of(at_provider(two, two.aarhus))
    from_koege = query_of(at_provider(two, two.koege))  # the browser's flow is now Køge's
    crossed = {"code": from_aarhus["code"], "state": from_koege["state"]}
    done = returns(two, f"{CALLBACK}?{urlencode(crossed)}")
    assert done.headers["location"] == FAILED and session_of(done) is None
    assert k.refusals == ["invalid_grant: not a code this provider issued, or used, or expired"]
    # and saying where it came from (RFC 9207) ends it before any provider is asked
    again = query_of(at_provider(two, two.koege))
    done = returns(two, f"{CALLBACK}?{urlencode({**crossed, 'state': again['state'], 'iss': a.issuer})}")
    assert done.headers["location"] == FAILED and session_of(done) is None and len(k.token_requests) == 1


@pytest.mark.parametrize("vouching", ["aarhus", "koege"])
def test_koeges_flow_takes_only_an_id_token_of_koeges_provider(two: Two, monkeypatch, clock, vouching: str) -> None:
    # Given a sign-in begun at Køge's provider, whose token endpoint hands back an ID token
    # signed by `vouching`'s provider, for Køge's client, with the flow's nonce
    slug = two.aarhus if vouching == "aarhus" else two.koege
    asked = query_of(begun(two, two.koege))
    now = int(clock.now().timestamp())
    claims = {"iss": two.providers[slug].issuer, "sub": two.person, "aud": "ansvar-koege", "iat": now,
              "exp": now + 300, "nonce": asked["nonce"], "roles": ["council"]}
    id_token = jwt.encode(claims, rsa_key(vouching), algorithm="RS256", headers={"kid": "test-key-1"})

    async def exchange(*args: Any) -> str:
        return id_token

    monkeypatch.setattr("api.ui.oidc.exchange", exchange)
    done = returns(two, f"{CALLBACK}?{urlencode({'code': 'a-code', 'state': asked['state']})}")
    # Then only Køge's own provider's token signs in, and to Køge
    if vouching == "koege":
        assert (session_of(done) or "").startswith(two.koege + ".")
    else:
        assert done.headers["location"] == FAILED and session_of(done) is None


def test_a_state_is_looked_for_only_in_the_store_it_names(two: Two) -> None:
    callback = at_provider(two, two.aarhus)
    given = query_of(callback)
    inner = given["state"].partition(".")[2]
    browser = two.installation.client.cookies.get("ansvar_oidc")
    as_koeges = returns(two, f"{CALLBACK}?{urlencode({**given, 'state': f'{two.koege}.{inner}'})}")
    assert as_koeges.headers["location"] == FAILED and session_of(as_koeges) is None
    assert two.providers[two.koege].token_requests == [] and two.providers[two.aarhus].token_requests == []
    # Aarhus's flow was never seen there, so it is still Aarhus's to finish (in the browser that
    # began it: a failure ends the flow's cookie)
    two.installation.client.cookies.set("ansvar_oidc", browser, path="/ui/login/oidc")
    assert (session_of(returns(two, callback)) or "").startswith(two.aarhus + ".")


@pytest.mark.parametrize("slug", ["../x", "UPPER", "x'; DROP SCHEMA public CASCADE--", "", "a" * 300, "lejre-nope",
                                  "plain"])
def test_a_municipality_that_is_not_one_with_a_provider_ends_on_the_sign_in_page(two: Two, slug: str) -> None:
    client = two.installation.client
    if slug == "UPPER":
        slug = two.aarhus.upper()
    if slug == "plain":  # a municipality of the installation without a provider of its own
        slug = two.installation.registry.add(f"lejre-{two.aarhus[-6:]}", "Lejre Kommune").slug
    start = client.get("/ui/login/oidc", params={"kommune": slug}, follow_redirects=False)
    assert start.status_code == 303 and start.headers["location"] == FAILED
    back = client.get(CALLBACK, params={"code": "a-code", "state": f"{slug}.{'x' * 43}"}, follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == FAILED and session_of(back) is None
    shown = client.get(FAILED)
    assert shown.status_code == 401 and "Log-ind hos identitetsudbyderen mislykkedes" in shown.text
    assert all(p.token_requests == [] for p in two.providers.values())


def test_a_municipalitys_client_secret_is_never_shown_nor_logged(two: Two, monkeypatch, capsys, clock) -> None:
    settings = two.installation.settings
    monkeypatch.setenv("ANSVAR_DATABASE_URL", f"{PG_URL}?schema={settings.database.schema}")
    monkeypatch.setenv("ANSVAR_TENANCY", "schemas")
    monkeypatch.setenv("ANSVAR_LOG_LEVEL", "warning")
    monkeypatch.setenv("ANSVAR_LOG_KEY", str(TEST_LOG_KEY))
    monkeypatch.setenv("ANSVAR_AUTH_SECRET", TEST_SECRET)
    assert cli_main(["tenant", "list", "--json"], clock=clock) == 0
    listed = capsys.readouterr().out
    aarhus = next(t for t in json.loads(listed)["tenants"] if t["slug"] == two.aarhus)
    assert AARHUS_SECRET not in listed and aarhus["settings"]["ANSVAR_OIDC_CLIENT_ID"] == "ansvar-aarhus"
    assert aarhus["settings"]["ANSVAR_OIDC_CLIENT_SECRET"] == "***"
    # and the command that sets it says it back masked
    assert cli_main(["tenant", "configure", two.aarhus, "--set", "ANSVAR_OIDC_CLIENT_SECRET=" + AARHUS_SECRET + "2",
                     "--json"], clock=clock) == 0
    assert AARHUS_SECRET not in capsys.readouterr().out
    national = json.dumps([op.detail for op in two.installation.registry.operations()])
    assert AARHUS_SECRET not in national and "ANSVAR_OIDC_CLIENT_SECRET" in national
