"""`ansvar tenant ...` (issue 29 part 2): municipalities added, listed, exported (verifiable with
`ansvar verify`), removed only after an export, and every such operation in the national log,
whose chain shows a row rewritten afterwards."""

from __future__ import annotations

import json
import uuid
import zipfile

import psycopg
import pytest

from ansvar.cli import main as cli_main
from infra.settings import Database
from infra.tenants import TenantError, TenantRegistry, check_settings, check_slug, schema_for
from tests.api.client import TEST_SECRET
from tests.test_cli_output import CSV
from tests.conftest import PG_URL, TEST_LOG_KEY, require_postgres


@pytest.mark.parametrize("slug", ["a", "Aarhus", "aarhus kommune", "x" * 41, "aar;drop", "æbeltoft", "", "a_b"])
def test_a_slug_outside_a_z_0_9_and_dash_is_refused(slug):
    with pytest.raises(TenantError):
        check_slug(slug)


def test_a_slug_names_its_schema_and_no_two_slugs_share_one():
    assert schema_for("koege-kommune") == "tenant_koege_kommune"
    assert schema_for("ab") != schema_for("a-b")


def test_a_municipality_may_set_only_its_own_settings():
    assert check_settings({"ANSVAR_ATTESTATION_DAYS": "180"}) == {"ANSVAR_ATTESTATION_DAYS": "180"}
    with pytest.raises(TenantError, match="ANSVAR_AUTH_SECRET"):
        check_settings({"ANSVAR_AUTH_SECRET": "x" * 40})


@pytest.fixture
def national(monkeypatch, clock):
    require_postgres()
    db = Database.from_url(PG_URL)
    schema = f"nat_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("ANSVAR_DATABASE_URL", f"{PG_URL}?schema={schema}")
    monkeypatch.setenv("ANSVAR_TENANCY", "schemas")
    monkeypatch.setenv("ANSVAR_LOG_LEVEL", "warning")
    monkeypatch.setenv("ANSVAR_LOG_KEY", str(TEST_LOG_KEY))
    monkeypatch.setenv("ANSVAR_AUTH_SECRET", TEST_SECRET)
    registry = TenantRegistry(Database.from_url(f"{PG_URL}?schema={schema}"), clock)
    yield registry
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        for tenant in registry.list(removed=True):
            conn.execute(f'DROP SCHEMA IF EXISTS "{tenant.schema}" CASCADE')
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.mark.postgres
def test_add_export_verify_and_remove_a_municipality(national, clock, capsys, tmp_path):
    main = lambda argv: cli_main(argv, clock=clock)  # noqa: E731
    slug = f"lejre-{uuid.uuid4().hex[:6]}"
    assert main(["tenant", "add", slug, "--name", "Lejre Kommune", "--set", "ANSVAR_ATTESTATION_DAYS=180", "--json"]) == 0
    added = json.loads(capsys.readouterr().out)
    assert added["schema"] == schema_for(slug) and added["key"].startswith(added["origin"] + "+")
    assert main(["tenant", "add", slug, "--name", "Igen"]) == 2  # a slug is given once
    capsys.readouterr()
    (tmp_path / "it.csv").write_text(CSV, encoding="cp1252")
    assert main(["--tenant", slug, "import", str(tmp_path / "it.csv"), "--apply"]) == 0
    capsys.readouterr()
    assert main(["tenant", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["tenants"]
    assert [(t["slug"], t["name"], t["settings"]) for t in listed] == [(slug, "Lejre Kommune", {"ANSVAR_ATTESTATION_DAYS": "180"})]

    assert main(["tenant", "remove", slug]) == 2  # not before an export
    assert "export" in capsys.readouterr().err
    pack = tmp_path / f"{slug}.zip"
    assert main(["tenant", "export", slug, str(pack), "--json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    with zipfile.ZipFile(pack) as z:
        assert {"log.jsonl", "schema.sql", "tenant.json"} <= set(z.namelist())
        assert f'CREATE TABLE {schema_for(slug)}.ansvar_events' in z.read("schema.sql").decode()
        assert json.loads(z.read("tenant.json"))["name"] == "Lejre Kommune"
    assert main(["verify", "--export", str(pack), "--json"]) == 0
    verified = json.loads(capsys.readouterr().out)
    assert verified["ok"] and verified["size"] == exported["events"]

    assert main(["tenant", "remove", slug, "--json"]) == 0
    capsys.readouterr()
    with psycopg.connect(Database.from_url(PG_URL).dsn) as conn:
        assert conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema_for(slug),)).fetchone() is None
    assert main(["--tenant", slug, "token", "issue", "--person", str(uuid.uuid4())]) == 2  # gone
    capsys.readouterr()
    assert main(["tenant", "log", "--json"]) == 0
    log = json.loads(capsys.readouterr().out)
    assert log["ok"] and [o["operation"] for o in log["operations"]] == ["add", "export", "remove"]


@pytest.mark.postgres
def test_a_rewritten_row_of_the_national_log_is_found(national, clock, capsys):
    national.setup()
    national.add(f"roskilde-{uuid.uuid4().hex[:6]}", "Roskilde Kommune")
    national.add(f"greve-{uuid.uuid4().hex[:6]}", "Greve Kommune")
    assert national.broken_operation() is None
    with psycopg.connect(national.db.dsn, autocommit=True) as conn:
        conn.execute(f'UPDATE "{national.db.schema}".tenant_operations SET detail = %s WHERE seq = 1',
                     (json.dumps({"name": "Et andet navn"}),))
    assert national.broken_operation() == 1
    assert cli_main(["tenant", "log"], clock=clock) == 1


@pytest.mark.postgres
def test_a_command_on_a_many_municipality_installation_must_name_one(national, clock, capsys):
    national.setup()
    assert cli_main(["token", "issue", "--person", str(uuid.uuid4())], clock=clock) == 2
    assert "--tenant" in capsys.readouterr().err


def test_a_municipalitys_kitos_password_is_its_own_and_never_shown():
    from datetime import datetime, timezone

    from infra.settings import Settings
    from infra.tenants import Tenant, settings_for, shown

    own = {"ANSVAR_KITOS_URL": "https://kitos.example", "ANSVAR_KITOS_EMAIL": "api@lejre.dk", "ANSVAR_KITOS_PASSWORD": "hemmelig"}
    tenant = Tenant("lejre", "Lejre Kommune", "tenant_lejre", datetime(2026, 1, 1, tzinfo=timezone.utc), settings=own)
    settings = settings_for(Settings(log=Settings().log.__class__(key=str(TEST_LOG_KEY))), tenant)
    assert (settings.kitos.url, settings.kitos.email, settings.kitos.password) == tuple(own.values())
    assert "hemmelig" not in json.dumps(shown(own))
