"""Where the command line speaks: the report on stdout (whole, unwrapped, uncoloured when stdout is
not a terminal, so `ansvar … > file` keeps it), progress on stderr, and `--json` one document a
script parses, with the exit codes as without it (SQLite)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ansvar.cli import main as cli_main
from tests.conftest import TEST_LOG_KEY

ROOT = Path(__file__).resolve().parent.parent
CSV = "Systemnavn;Forvaltning;Afdeling;Systemejer;Kritikalitet\r\nLønsystem;Økonomi;Løn;Bo Larsen;Høj \r\nESDH;Økonomi;Løn;IT-afdelingen;kritisk\r\n"


@pytest.fixture
def main(clock):
    return lambda argv: cli_main(argv, clock=clock)


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("ANSVAR_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("ANSVAR_LOG_LEVEL", "warning")
    monkeypatch.setenv("ANSVAR_LOG_KEY", str(TEST_LOG_KEY))
    (tmp_path / "it.csv").write_text(CSV, encoding="cp1252")
    return tmp_path


def test_verify_into_a_file_holds_the_whole_report_with_the_root_on_one_line(env, main, capsys):
    assert main(["import", str(env / "it.csv"), "--apply"]) == 0
    capsys.readouterr()
    report = env / "verify.txt"
    with open(report, "w") as out:
        done = subprocess.run([sys.executable, "-m", "ansvar.cli", "verify"], cwd=ROOT, stdout=out,
                              stderr=subprocess.PIPE, env={**os.environ, "COLUMNS": "40"}, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    text = report.read_text(encoding="utf-8")
    assert "\x1b[" not in text  # no colour codes in a file
    last = text.splitlines()[-1]
    assert re.fullmatch(r"the log verifies: \d+ events, root [0-9a-f]{64}", last), text
    assert "verifies" not in done.stderr.decode()  # the report is not on stderr


def test_verify_json_has_the_facts_and_a_broken_log_keeps_its_exit_code(env, main, capsys):
    assert main(["import", str(env / "it.csv"), "--apply"]) == 0
    capsys.readouterr()
    assert main(["verify", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["ok"] is True and answer["findings"] == [] and answer["size"] > 0
    assert re.fullmatch(r"[0-9a-f]{64}", answer["root"])
    assert main(["verify", "--json", "--export", str(env / "no such export.jsonl")]) == 2
    refused = json.loads(capsys.readouterr().out)
    assert refused["ok"] is False and "no such export" in refused["error"]


def test_import_json_is_one_document_with_the_counts_and_the_problems(env, main, capsys):
    (env / "bad.csv").write_text(CSV + "Intranet;Økonomi;Løn;Bo Larsen;meget\r\n", encoding="cp1252")
    assert main(["import", str(env / "bad.csv"), "--json"]) == 0
    shown = capsys.readouterr()
    answer = json.loads(shown.out)  # nothing but the report on stdout
    assert answer["dry_run"] is True and answer["rows_read"] == 3
    assert answer["systems"]["to_create"] == 3 and answer["people"]["to_create"] >= 1
    found = [(p["row"], p["column"], p["value"], p["kind"]) for p in answer["problems"]]
    assert (4, "Kritikalitet", "meget", "unreadable") in found
    assert main(["import", str(env / "none.csv"), "--json"]) == 2
    refused = json.loads(capsys.readouterr().out)
    assert refused["ok"] is False and "no such file" in refused["error"]


def test_the_import_report_is_on_stdout_and_its_problems_are_not_cut(env, main, capsys):
    long_value = "ikke-en-kendt-kritikalitet-" * 4
    (env / "bad.csv").write_text(CSV + f"Intranet;Økonomi;Løn;Bo Larsen;{long_value}\r\n", encoding="cp1252")
    assert main(["import", str(env / "bad.csv")]) == 0
    shown = capsys.readouterr()
    assert long_value in shown.out and "dry run: nothing written" in shown.out
    assert "dry run" not in shown.err
