"""The deployment files say only what the code understands."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from infra.settings import VARIABLES, Settings

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
