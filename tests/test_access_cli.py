"""The command line's side of access control: local tokens, the generated secret, forgetting a
person, the demo's users, and the README's permission table."""

from __future__ import annotations

import argparse
import stat
import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from litestar.testing import TestClient

from ansvar import cli, cli_access, demo
from ansvar.bootstrap import bootstrap
from ansvar.web import create_app
from api.access import END, START, markdown_table
from domain.org import Person
from domain.portfolio import Portfolio
from infra.settings import Auth, Database, Settings
from infra.tokens import InvalidToken, TokenVerifier
from tests.api.client import TEST_SECRET, Api, bearer

ROOT = Path(__file__).resolve().parents[1]
SECRET = "a-secret-for-the-command-line-tests-0123456789"


def test_the_readme_permission_table_is_the_one_the_app_enforces(clock):
    app = create_app(Settings(database=Database("memory"), auth=Auth(secret=SECRET)), clock=clock, configure_logging=False)
    readme = (ROOT / "README.md").read_text()
    assert f"{START}\n{markdown_table(app)}\n{END}" in readme, "stale: run `ansvar access-table --write README.md`"


def test_token_issue_prints_a_token_the_api_accepts_for_that_person_and_roles(monkeypatch, capsys, clock):
    monkeypatch.setenv("ANSVAR_AUTH_SECRET", SECRET)
    monkeypatch.setenv("ANSVAR_DATABASE_URL", "memory://")
    person = uuid.uuid4()
    issued = ["token", "issue", "--person", str(person), "--role", "council", "--role", "auditor", "--ttl", "2h"]
    assert cli.main(issued, clock=clock) == 0
    token = capsys.readouterr().out.strip()
    principal = TokenVerifier(Auth(secret=SECRET), clock).verify(token)
    assert principal.person_id == person and principal.roles == {"council", "auditor", "owner"}
    with pytest.raises(InvalidToken, match="signature"):
        TokenVerifier(Auth(secret=SECRET.upper()), clock).verify(token)
    clock.advance(timedelta(hours=2, minutes=1))
    with pytest.raises(InvalidToken, match="expired"):
        TokenVerifier(Auth(secret=SECRET), clock).verify(token)


@pytest.mark.parametrize("args", [
    ["--person", "not-a-uuid"], ["--person", str(uuid.uuid4()), "--ttl", "forever"],
    ["--person", str(uuid.uuid4()), "--ttl", "31d"], ["--person", str(uuid.uuid4()), "--ttl", "0s"],
])
def test_token_issue_refuses_nonsense(monkeypatch, capsys, args, clock):
    monkeypatch.setenv("ANSVAR_AUTH_SECRET", SECRET)
    monkeypatch.setenv("ANSVAR_DATABASE_URL", "memory://")
    assert cli.main(["token", "issue", *args], clock=clock) == 2
    assert capsys.readouterr().out == ""


def test_with_nothing_configured_a_secret_is_made_beside_the_sqlite_file_once_and_reused(
    monkeypatch, tmp_path, capsys, clock,
):
    monkeypatch.delenv("ANSVAR_AUTH_SECRET", raising=False)
    monkeypatch.setenv("ANSVAR_DATABASE_URL", f"sqlite:///{tmp_path}/data/ansvar.db")
    person = str(uuid.uuid4())
    assert cli.main(["token", "issue", "--person", person], clock=clock) == 0
    first = capsys.readouterr().out.strip()
    secret_file = tmp_path / "data" / "auth-secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert cli.main(["token", "issue", "--person", person], clock=clock) == 0
    verifier = TokenVerifier(Auth(secret=secret_file.read_text().strip()), clock)
    assert verifier.verify(first).person_id == verifier.verify(capsys.readouterr().out.strip()).person_id


def test_without_any_way_to_verify_tokens_the_api_refuses_to_start():
    from infra.settings import SettingsError

    with pytest.raises(SettingsError, match="ANSVAR_AUTH_SECRET"):
        create_app(Settings(database=Database("memory")), configure_logging=False)


def test_forgetting_a_person_erases_name_and_email_and_keeps_their_history(settings, clock):
    if settings.database.kind == "memory":
        pytest.skip("the command runs in its own process: an in-memory store is not shared")
    settings = replace(settings, auth=Auth(secret=SECRET))
    runtime = bootstrap(settings, clock)
    try:
        unit = runtime.portfolio.establish_org_unit("Kommune", "kommune", None).id
        registered = runtime.portfolio.register_person("Karen Blixen", unit, "fagchef", "karen@kommune.dk")
        person = registered.id
    finally:
        runtime.close()
    forget = argparse.Namespace(person=str(person), basis="request 118 (art. 17)")
    assert cli_access.cmd_people(settings, clock, forget) == 0
    assert cli_access.cmd_people(settings, clock, forget) == 0  # already erased: said so, nothing recorded twice
    assert cli_access.cmd_people(settings, clock, argparse.Namespace(person=str(uuid.uuid4()), basis="x")) == 1
    app = create_app(replace(settings, auth=Auth(secret=TEST_SECRET)), clock=clock, configure_logging=False)
    with TestClient(app) as client:
        client.headers["Authorization"] = bearer()
        shown = Api(client).get(f"/people/{person}", after=registered.position)
    assert shown["erased"] is True and shown["name"] is None and shown["email"] is None
    assert shown["title"] == "fagchef" and shown["org_unit_id"] == str(unit)
    runtime = bootstrap(settings, clock)
    try:
        erasures = [e for e in runtime.portfolio.events.get(person) if isinstance(e, Person.DetailsErased)]
    finally:
        runtime.close()
    assert [(e.basis, e.meta["actor_role"]) for e in erasures] == [("request 118 (art. 17)", "operator")]


def test_the_demo_names_four_different_people_and_the_owner_owns_a_system_today(clock):
    app = Portfolio({"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=clock)
    assert demo.demo_users(app) == {}
    demo.load(app)
    users = demo.demo_users(app)
    assert set(users) == {"admin", "council", "auditor", "owner"} and len(set(users.values())) == 4
    today = app.today()
    assert any(app.system(s).holder("systemejer", today) == users["owner"] for s in _systems(app))
    assert demo.demo_users(app) == users


def _systems(app: Portfolio) -> list[uuid.UUID]:
    from domain.systems import System

    return [n.originator_id for n in app.recorder.select_notifications(1, 10_000, topics=[System.Registered.TOPIC])]


def test_serve_demo_names_the_address_it_serves_in_every_hint(monkeypatch, capsys, clock):
    monkeypatch.setenv("ANSVAR_AUTH_SECRET", SECRET)
    monkeypatch.setenv("ANSVAR_DATABASE_URL", "memory://")
    served = {}
    monkeypatch.setattr("uvicorn.run", lambda app, host, port, **kw: served.update(host=host, port=port))
    assert cli.main(["serve", "--demo", "--host", "0.0.0.0", "--port", "8765"], clock=clock) == 0
    shown = capsys.readouterr()  # the demo's tokens and links are its report (stdout); the server speaks on stderr
    assert served == {"host": "0.0.0.0", "port": 8765}
    assert "http://127.0.0.1:8765/systems" in shown.out and "http://127.0.0.1:8765/schema" in shown.err
    assert ":8000" not in shown.out + shown.err


@pytest.mark.parametrize(("host", "url"), [
    ("127.0.0.1", "http://127.0.0.1:9000"), ("0.0.0.0", "http://127.0.0.1:9000"),
    ("ansvar.kommune.dk", "http://ansvar.kommune.dk:9000"), ("::1", "http://[::1]:9000"),
])
def test_the_printed_address_is_one_a_client_on_this_machine_can_use(host, url):
    settings = Settings(database=Database("memory"), auth=Auth(secret=SECRET))
    assert replace(settings, host=host, port=9000).served_at() == url
