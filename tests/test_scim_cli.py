"""`ansvar token issue --scim --name NAME`: a provisioning credential that opens /scim/v2 and
nothing else; issued again, the first secret stops working."""

from __future__ import annotations

from litestar.testing import TestClient

from ansvar import cli
from ansvar.web import create_app
from infra.settings import Auth, Database, Settings

SECRET = "a-secret-for-the-command-line-tests-0123456789"


def test_a_scim_credential_from_the_command_line_opens_scim_and_nothing_else(monkeypatch, capsys, clock, tmp_path):
    url = f"sqlite:///{tmp_path / 'ansvar.db'}"
    monkeypatch.setenv("ANSVAR_AUTH_SECRET", SECRET)
    monkeypatch.setenv("ANSVAR_DATABASE_URL", url)
    assert cli.main(["token", "issue", "--scim", "--name", "entra-id"], clock=clock) == 0
    first = capsys.readouterr().out.strip()
    assert cli.main(["token", "issue", "--scim", "--name", "entra-id"], clock=clock) == 0
    second = capsys.readouterr().out.strip()
    assert first.startswith("scim_") and second.startswith("scim_") and first != second
    settings = Settings(database=Database.from_url(url), auth=Auth(secret=SECRET))
    with TestClient(create_app(settings, clock=clock, configure_logging=False)) as client:
        answer = client.get("/scim/v2/ServiceProviderConfig", headers={"Authorization": f"Bearer {second}"})
        assert answer.status_code == 200 and answer.json()["patch"]["supported"] is True
        assert client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {first}"}).status_code == 401
        assert client.get("/people", headers={"Authorization": f"Bearer {second}"}).status_code == 401


def test_scim_without_a_name_is_refused(monkeypatch, capsys, clock, tmp_path):
    monkeypatch.setenv("ANSVAR_AUTH_SECRET", SECRET)
    monkeypatch.setenv("ANSVAR_DATABASE_URL", f"sqlite:///{tmp_path / 'ansvar.db'}")
    assert cli.main(["token", "issue", "--scim"], clock=clock) == 2
    assert cli.main(["token", "issue"], clock=clock) == 2  # neither --person nor --scim
