"""The deployment files say only what the code understands."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from litestar.testing import TestClient

from ansvar.web import create_app
from domain.clock import ManualClock
from infra.database import ensure_schema
from infra.local_secret import with_local_secret
from infra import private_files
from infra.private_files import private_folder
from infra.settings import VARIABLES, Auth, Database, Settings
from tests.api.client import TEST_SECRET, bearer
from tests.story import TEST_TODAY

ROOT = Path(__file__).resolve().parents[1]


def test_compose_runs_postgres_the_api_and_the_worker_with_health_checks():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "api", "worker"} <= set(services)
    for name, service in services.items():
        assert "healthcheck" in service, name
    assert services["api"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_every_variable_compose_sets_is_one_the_settings_read():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name in ("api", "worker"):
        env = compose["services"][name]["environment"]
        unknown = {k for k in env if k.startswith("ANSVAR_")} - set(VARIABLES)
        assert not unknown, f"{name} sets variables nothing reads: {unknown}"
        settings = Settings.from_env({k: str(v) for k, v in env.items()})
        assert settings.database.kind == "postgres"


def test_settings_module_reads_exactly_the_variables_it_declares():
    source = (ROOT / "infra" / "settings.py").read_text()
    read = set(re.findall(r'"(ANSVAR_[A-Z_]+)"', source))
    assert read == set(VARIABLES)


def test_readme_commands_exist():
    readme = (ROOT / "README.md").read_text()
    assert "./dev serve --demo" in readme and "./dev test" in readme
    assert (ROOT / "dev").stat().st_mode & 0o111 and (ROOT / ".ci" / "run").stat().st_mode & 0o111
    assert "./dev test" in (ROOT / ".ci" / "run").read_text()


@pytest.fixture
def wide_umask() -> Iterator[None]:
    """The usual umask (022), under which files are made readable by every local user."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def _modes(folder: Path) -> dict[str, int]:
    return {p.name: stat.S_IMODE(p.stat().st_mode) for p in [folder, *folder.iterdir()]}


def test_a_fresh_store_served_is_readable_by_its_owner_only(tmp_path, wide_umask):
    folder = tmp_path / "data"
    settings = replace(with_local_secret(Settings(database=Database("sqlite", path=folder / "ansvar.db"))),
                       auth=Auth(secret=TEST_SECRET))
    with TestClient(create_app(settings, clock=ManualClock.on(TEST_TODAY), configure_logging=False)) as client:
        client.headers["Authorization"] = bearer()
        assert client.post("/org-units", json={"name": "Testkommune", "level": "kommune"}).status_code == 201
        modes = _modes(folder)
    assert {"ansvar.db", "ansvar.db-wal", "ansvar.db-shm", "log-key"} <= set(modes)
    assert modes == {name: (0o700 if name == "data" else 0o600) for name in modes}


class _Recorder:
    """A logger that keeps each line as a dict (event and fields)."""

    def __init__(self, lines: list[dict]) -> None:
        self.lines = lines

    def __getattr__(self, level: str):
        return lambda event, **fields: self.lines.append({"event": event, "log_level": level, **fields})


def test_an_older_store_that_others_could_read_is_tightened_at_start_and_says_so(tmp_path, wide_umask, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    for name in ("ansvar.db", "ansvar.db-wal", "auth-secret"):
        (folder / name).touch(mode=0o644)
    (folder / "auth-secret").write_text("x" * 64)
    logs: list[dict] = []
    # the lines themselves, whatever level or cached logger an earlier test configured structlog with
    monkeypatch.setattr(private_files, "log", _Recorder(logs))
    settings = with_local_secret(Settings(database=Database("sqlite", path=folder / "ansvar.db")))
    ensure_schema(settings.database)
    assert _modes(folder) == {"data": 0o700, "ansvar.db": 0o600, "ansvar.db-wal": 0o600, "auth-secret": 0o600}
    tightened = {Path(e["path"]).name for e in logs if e["event"].startswith("tightened")}
    assert tightened == {"data", "ansvar.db", "ansvar.db-wal", "auth-secret"}


def test_a_shared_folder_not_ours_is_left_as_it_is(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)  # as /tmp: world-writable, sticky
    private_folder(shared)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777


def test_a_working_folder_the_store_was_put_in_beside_other_files_is_left_as_it_is(tmp_path, wide_umask):
    work = tmp_path / "work"
    work.mkdir(mode=0o755)
    (work / "notes.txt").touch()
    ensure_schema(Database("sqlite", path=work / "ansvar.db"))
    assert stat.S_IMODE(work.stat().st_mode) == 0o755 and stat.S_IMODE((work / "ansvar.db").stat().st_mode) == 0o600
