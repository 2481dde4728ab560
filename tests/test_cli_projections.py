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


def test_rebuild_refuses_an_edited_log_and_rebuilds_over_it_only_when_told(database, clock, capsys):
    import sqlite3
    from datetime import date

    runtime = bootstrap(Settings(database=database), clock)
    app = runtime.portfolio
    unit = app.establish_org_unit("Kommune", "kommune", None).id
    owner, other = (app.register_person(name, unit, None, None).id for name in ("Bente Bro", "Carl Ceder"))
    system = app.register_system("Lønsystem", "KMD", unit, "high", True, "in_operation", date(2020, 1, 1)).id
    forged = app.assign_role(system, "systemejer", owner, date(2021, 1, 1)).position
    runtime.catchup.run_until_caught_up()
    runtime.close()
    with sqlite3.connect(database.path) as conn:  # the probe's edit: another holder, written straight into the store
        state = conn.execute("SELECT state FROM stored_events WHERE rowid = ?", (forged,)).fetchone()[0]
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?",
                     (state.replace(owner.hex.encode(), other.hex.encode()), forged))
    assert main(["projections", "rebuild"], clock=clock) == 1
    shown = capsys.readouterr()
    assert f"the log does not verify at position {forged}" in " ".join(shown.err.split())
    assert main(["projections", "status"], clock=clock) == 1
    assert f"log at log position {forged}" in " ".join(capsys.readouterr().err.split())
    assert main(["projections", "rebuild", "--accept-broken-log"], clock=clock) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "WARNING: rebuilt over 1 event(s) that do not match the log's leaves" in out and f"position {forged}" in out
    assert main(["projections", "status"], clock=clock) == 0
