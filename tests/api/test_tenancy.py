"""Many municipalities in one installation (issue 29): each in its own schema, chosen by the
verified identity alone, and nothing of one reachable with another's token or session."""

from __future__ import annotations

import asyncio
import uuid

import psycopg
import pytest

from ansvar.tenancy import POLL_SECONDS
from infra.checkpoints import Checkpoint, VerifierKey
from infra.settings import Database
from infra.shared_pools import application_name
from tests.api.client import ISSUED_AT, TOKEN_TTL
from tests.api.tenancy_fixture import SECRET_NAME, Installation, fill, installation, token  # noqa: F401
from tests.api.test_tokens import rsa_keys  # noqa: F401
from tests.conftest import PG_URL
from tests.story import on

pytestmark = pytest.mark.postgres


def test_each_municipality_reads_only_its_own_register(installation: Installation) -> None:
    aarhus, koege = (t.slug for t in installation.registry.list())
    a, k = installation.api(aarhus), installation.api(koege)
    mine = fill(a, SECRET_NAME)
    theirs = fill(k, "Køges lønsystem")

    assert [s["name"] for s in a.get("/systems")["items"]] == [SECRET_NAME]
    assert [s["name"] for s in k.get("/systems")["items"]] == ["Køges lønsystem"]
    # Another municipality's ids are not found, whatever the route.
    k.get(f"/systems/{mine['system']}", expect=404)
    k.get(f"/systems/{mine['system']}/accountability", expect=404, at=on("2025-01-01"))
    k.get(f"/people/{mine['person']}", expect=404)
    k.post(f"/systems/{mine['system']}/assignments",
           {"role": "systemansvarlig", "person_id": theirs["person"], "effective_from": on("2024-02-01")}, expect=404)
    assert a.get(f"/systems/{mine['system']}/accountability", at=on("2025-01-01"))["holders"][0]["person_id"] == mine["person"]


def test_a_token_must_name_a_municipality_the_installation_serves(installation: Installation) -> None:
    client = installation.client
    assert client.get("/systems", headers={"Authorization": token(None)}).status_code == 401
    assert client.get("/systems", headers={"Authorization": token("lejre-nope")}).status_code == 401
    assert client.get("/log/checkpoint").status_code == 404  # the public log names its municipality
    assert client.get("/t/lejre-nope/log/checkpoint").status_code == 404
    assert client.get("/t/NOT_A_SLUG/log/key").status_code in (400, 404, 422)


def test_each_checkpoint_verifies_with_its_own_key_and_not_anothers(installation: Installation) -> None:
    aarhus, koege = (t.slug for t in installation.registry.list())
    fill(installation.api(aarhus), SECRET_NAME)
    fill(installation.api(koege), "Køges lønsystem")
    client = installation.client
    notes = {s: Checkpoint.parse(client.get(f"/t/{s}/log/checkpoint").text) for s in (aarhus, koege)}
    keys = {s: VerifierKey.parse(client.get(f"/t/{s}/log/key").text.strip()) for s in (aarhus, koege)}
    assert notes[aarhus].origin.endswith("/" + aarhus) and notes[koege].origin.endswith("/" + koege)
    assert keys[aarhus].verifies(notes[aarhus]) and keys[koege].verifies(notes[koege])
    assert not keys[koege].verifies(notes[aarhus]) and not keys[aarhus].verifies(notes[koege])
    # A municipality's proofs are for its own token: another's sees no such log.
    assert client.get(f"/t/{aarhus}/log/entries", headers={"Authorization": token(koege, ("auditor",))}).status_code == 404
    assert client.get(f"/t/{aarhus}/log/entries", headers={"Authorization": token(aarhus, ("auditor",))}).status_code == 200


def test_a_national_auditor_reads_the_municipalities_granted_and_changes_nothing(installation: Installation) -> None:
    aarhus, koege = (t.slug for t in installation.registry.list())
    a = installation.api(aarhus)
    fill(a, SECRET_NAME)
    national = token(roles=("auditor",), person=uuid.uuid4(), tenants=(aarhus,))
    client = installation.client
    found = client.get("/systems", params={"after": a.position}, headers={"Authorization": national, "Ansvar-Tenant": aarhus})
    assert found.status_code == 200 and SECRET_NAME in found.text
    assert client.get("/systems", headers={"Authorization": national, "Ansvar-Tenant": koege}).status_code == 401
    assert client.get("/systems", headers={"Authorization": national}).status_code == 401
    refused = client.post("/org-units", json={"name": "X", "level": "forvaltning"},
                          headers={"Authorization": national, "Ansvar-Tenant": aarhus})
    assert refused.status_code == 403


def test_a_session_cookie_opens_only_its_own_municipality(installation: Installation) -> None:
    aarhus, koege = (t.slug for t in installation.registry.list())
    mine = fill(installation.api(aarhus), SECRET_NAME)
    client = installation.client
    client.cookies.set("ansvar_login", "c" * 30, path="/ui")
    signed_in = client.post("/ui/login", data={"token": token(koege)[7:], "csrf_token": "c" * 30}, follow_redirects=False)
    assert signed_in.status_code == 303
    cookie = client.cookies.get("ansvar_session")
    assert cookie and cookie.startswith(koege + ".")
    page = client.get(f"/ui/systems/{mine['system']}", follow_redirects=False)
    assert page.status_code == 404 and SECRET_NAME not in page.text
    assert "Køge Kommune" in client.get("/ui/systems").text  # the pages say whose they are
    # The same session id presented as Aarhus's is no session there.
    client.cookies.clear()
    client.cookies.set("ansvar_session", aarhus + "." + cookie.partition(".")[2])
    assert client.get("/ui/systems", follow_redirects=False).status_code == 303  # to sign-in


def test_erasing_a_person_in_one_municipality_touches_no_other(installation: Installation) -> None:
    aarhus, koege = (t.slug for t in installation.registry.list())
    a, k = installation.api(aarhus), installation.api(koege)
    in_a, in_k = fill(a, SECRET_NAME), fill(k, "Køges lønsystem")
    a.post(f"/people/{in_a['person']}/erasure", {"basis": "anmodning 2026-17"}, expect=201)
    assert a.get(f"/people/{in_a['person']}")["name"] != f"Ejer af {SECRET_NAME}"
    assert k.get(f"/people/{in_k['person']}")["name"] == "Ejer af Køges lønsystem"


def test_connections_are_bounded_by_the_pools_not_the_municipalities(installation: Installation, clock) -> None:
    for n in range(6):
        installation.registry.add(f"by{n}-{uuid.uuid4().hex[:6]}", f"By {n} Kommune")
    for tenant in installation.registry.list():
        installation.api(tenant.slug).get("/systems")
    with psycopg.connect(Database.from_url(PG_URL).dsn, autocommit=True) as conn:
        count = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                             (application_name(installation.settings.database),)).fetchone()[0]
    pool = installation.settings.pool_size
    assert count <= 2 * pool  # the shared psycopg pool and the shared asyncpg pool, whatever the number of tenants


def test_a_municipalitys_own_identity_provider_signs_in_to_that_municipality_alone(installation: Installation,
                                                                                    rsa_keys) -> None:
    import jwt

    from tests.api.test_tokens import Jwks

    real, forger = rsa_keys
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(real.public_key(), as_dict=True) | {"kid": "k1", "use": "sig", "alg": "RS256"}
    server = Jwks({"keys": [jwk]})
    aarhus, koege = (t.slug for t in installation.registry.list())
    a = installation.api(aarhus)
    fill(a, SECRET_NAME)
    fill(installation.api(koege), "Køges lønsystem")
    issuer = "https://login.aarhus.example/realms/aarhus"
    installation.registry.configure(aarhus, issuer=issuer, settings={"ANSVAR_AUTH_JWKS_URL": server.url,
                                                                     "ANSVAR_AUTH_AUDIENCE": "ansvar-aarhus"})

    def signed(key=real, **changes) -> str:
        claims = {"sub": str(uuid.uuid4()), "roles": ["auditor"], "iss": issuer, "aud": "ansvar-aarhus",
                  "iat": ISSUED_AT, "exp": ISSUED_AT + TOKEN_TTL} | changes
        return "Bearer " + jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})

    try:
        client = installation.client
        found = client.get("/systems", params={"after": a.position}, headers={"Authorization": signed()})
        assert found.status_code == 200 and SECRET_NAME in found.text and "Køges" not in found.text
        assert client.get("/systems", headers={"Authorization": signed(aud="ansvar-koege")}).status_code == 401
        assert client.get("/systems", headers={"Authorization": signed(iss="https://evil.example")}).status_code == 401
        assert client.get("/systems", headers={"Authorization": signed(key=forger)}).status_code == 401
    finally:
        server.close()


def test_the_installations_worker_keeps_every_municipalitys_views(installation: Installation, clock) -> None:
    from ansvar.tenancy import TenantHub

    aarhus, koege = (t.slug for t in installation.registry.list())
    hub = TenantHub(installation.settings, clock, run_projections=True, keep_views=True)
    try:
        assert sorted(hub.keep_all()) == sorted([aarhus, koege])
        assert hub.keep_all() == []  # open already
    finally:
        hub.close_all()

def test_the_registry_is_never_read_on_the_event_loop(installation: Installation, monkeypatch) -> None:
    # Given an open municipality whose registry row was read long enough ago to be read again
    aarhus = installation.registry.list()[0].slug
    api = installation.api(aarhus)
    api.get("/systems")
    hub = installation.client.app.state.tenants
    on_the_loop: list[bool] = []
    read = hub.registry.get

    def get(slug: str, **kwargs):
        try:
            asyncio.get_running_loop()
            on_the_loop.append(True)
        except RuntimeError:
            on_the_loop.append(False)
        return read(slug, **kwargs)

    monkeypatch.setattr(hub.registry, "get", get)
    hub.registry._seen.clear()
    # When a request comes, Then it is answered and the registry was read off the event loop
    # (a blocking read there holds up every municipality's requests while the shared pool is busy)
    api.get("/systems")
    assert on_the_loop and not any(on_the_loop)


def test_an_open_municipalitys_views_are_woken_not_polled(installation: Installation) -> None:
    # Given a municipality opened by a request
    aarhus = installation.registry.list()[0].slug
    api = installation.api(aarhus)
    made = fill(api, SECRET_NAME)
    runtime = installation.client.app.state.tenants.open_now(aarhus)
    # Then its worker waits for a wake-up (a save, the shared LISTEN) and polls only as a backstop,
    # so that many idle open municipalities cost the process next to nothing
    assert runtime.worker.idle_seconds == POLL_SECONDS >= 5
    # and what it writes is still read at once
    assert api.get(f"/systems/{made['system']}/accountability", at=on("2025-01-01"))["holders"]


def test_beyond_the_cap_the_least_recently_used_idle_municipality_is_closed(installation: Installation) -> None:
    hub = installation.client.app.state.tenants
    extra = [installation.registry.add(f"by{n}-{uuid.uuid4().hex[:6]}", f"By {n} Kommune").slug for n in range(4)]
    slugs = [t.slug for t in installation.registry.list()]
    for slug in slugs:  # six municipalities, one after another, with ANSVAR_TENANTS_OPEN=4
        installation.api(slug).get("/systems")
    assert len(hub.open_slugs()) == 4  # none is running a request, so the cap holds at once
    assert set(hub.open_slugs()) == set(slugs[-4:])
    held = hub.runtime(extra[0], True)  # a request on the oldest-but-one ...
    assert held is not None
    for slug in slugs[-4:]:
        installation.api(slug).get("/systems")
    assert extra[0] in hub.open_slugs() and len(hub.open_slugs()) == 4  # ... is never closed under it
    hub.let_go(extra[0])
