"""`ansvar projections status` tells the truth: non-zero, naming the view, while a view is stopped."""

from __future__ import annotations

import pytest

from ansvar.bootstrap import bootstrap
from ansvar.cli import main
from infra.settings import Database, Settings
from projections import failures


@pytest.fixture
def database(tmp_path, monkeypatch):
    monkeypatch.setenv("ANSVAR_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("ANSVAR_LOG_LEVEL", "warning")
    return Database("sqlite", path=tmp_path / "cli.db")


def test_status_is_zero_when_every_view_follows_and_one_while_a_view_is_stopped(database, clock, capsys):
    runtime = bootstrap(Settings(database=database), clock)
    runtime.portfolio.establish_org_unit("Kommune", "kommune", None)
    runtime.catchup.run_until_caught_up()
    assert main(["projections", "status"], clock=clock) == 0
    failures.record(runtime.db, failures.ViewFailed("gaps", 1, ValueError("a rule overflowed")))
    runtime.close()
    assert main(["projections", "status"], clock=clock) == 1
    shown = capsys.readouterr()
    assert "gaps at log position 1: ValueError: a rule overflowed" in shown.err
