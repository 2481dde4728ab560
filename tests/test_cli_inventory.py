"""`ansvar import` and `ansvar export` from the command line (SQLite)."""

from __future__ import annotations

import pytest

from ansvar.cli import main as cli_main

CSV = "Systemnavn;Forvaltning;Afdeling;Systemejer;Kritikalitet\r\nLønsystem;Økonomi;Løn;Bo Larsen;Høj \r\nESDH;Økonomi;Løn;IT-afdelingen;kritisk\r\n"


@pytest.fixture
def main(clock):
    """The command line, on the test's clock."""
    return lambda argv: cli_main(argv, clock=clock)


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("ANSVAR_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("ANSVAR_LOG_LEVEL", "warning")
    (tmp_path / "it.csv").write_text(CSV, encoding="cp1252")
    return tmp_path


def test_dry_run_then_apply_then_export_round_trip(env, capsys, main):
    assert main(["import", str(env / "it.csv"), "--json"]) == 0
    assert '"dry_run": true' in capsys.readouterr().out
    assert main(["import", str(env / "it.csv"), "--apply"]) == 0
    assert "written" in capsys.readouterr().out
    assert main(["export", "register", "--format", "xlsx", "-o", str(env / "register.xlsx")]) == 0
    assert main(["import", str(env / "register.xlsx")]) == 0
    assert "nothing to write" not in capsys.readouterr().out  # a dry run says so itself
    assert main(["import", str(env / "register.xlsx"), "--apply", "--json"]) == 0
    assert '"applied": false' in capsys.readouterr().out  # the register already says all of it
    assert main(["export", "gaps", "--format", "csv", "-o", str(env / "gaps.csv")]) == 0
    assert "IT-afdelingen" in (env / "gaps.csv").read_text(encoding="utf-8-sig")


def test_a_bad_file_is_an_error_and_nothing_is_written(env, capsys, main):
    (env / "bad.csv").write_bytes(b"\x00\x01\x02 not a spreadsheet")
    assert main(["import", str(env / "bad.csv"), "--apply"]) == 2
    assert "nothing was written" in capsys.readouterr().err
    assert main(["import", str(env / "missing.csv")]) == 2
