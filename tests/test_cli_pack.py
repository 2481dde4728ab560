"""`ansvar audit-pack` and `ansvar verify --pack` from the command line (SQLite): an English report
on stdout (JSON with --json), a pack that verifies, one that is altered named, a bad question refused."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from ansvar.cli import main as cli_main
from api.audit_pack.pdf_process import PdfFailed
from tests.story import on

CSV = "Systemnavn;Forvaltning;Afdeling;Systemejer;Kritikalitet\r\nLønsystem;Økonomi;Løn;Bo Larsen;Høj \r\nESDH;Økonomi;Løn;IT-afdelingen;kritisk\r\n"


@pytest.fixture
def main(clock):
    return lambda argv: cli_main(argv, clock=clock)


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("ANSVAR_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("ANSVAR_LOG_LEVEL", "warning")
    (tmp_path / "it.csv").write_text(CSV, encoding="cp1252")
    return tmp_path


def test_the_pack_from_the_command_line_verifies_and_an_altered_one_is_named(env, capsys, main, today):
    assert main(["import", str(env / "it.csv"), "--apply"]) == 0
    capsys.readouterr()
    pack = env / "revision.zip"
    start, at = on("2026-01-01"), today.isoformat()
    assert main(["audit-pack", "--from", start, "--at", at, "--out", str(pack), "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["systems"] == 2 and report["rows"]["Ejere"] >= 2 and report["question"]["from"] == start
    assert main(["verify", "--pack", str(pack)]) == 0
    assert "the pack verifies" in capsys.readouterr().out
    with zipfile.ZipFile(pack) as z:
        files = {n: z.read(n) for n in z.namelist()}
    evidence = json.loads(files["evidence.json"])
    n, row = next((n, r) for n, r in enumerate(evidence["rows"], 1) if r["section"] == "Ejere")
    row["cells"][0] = "Et andet system"
    files["evidence.json"] = json.dumps(evidence).encode()
    altered = io.BytesIO()
    with zipfile.ZipFile(altered, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    (env / "altered.zip").write_bytes(altered.getvalue())
    assert main(["verify", "--pack", str(env / "altered.zip")]) == 1
    out = capsys.readouterr().out
    assert out.startswith("FAILED sheet 'Ejere' row 2") and f"evidence row {n} (Ejere" in out


def test_a_bad_question_is_refused_and_no_file_is_left(env, capsys, main):
    pack = env / "revision.zip"
    assert main(["audit-pack", "--from", on("2026-07-01"), "--at", on("2026-06-30"), "--out", str(pack)]) == 2
    assert "from must not be after at" in capsys.readouterr().err
    assert not pack.exists() and not (env / "revision.zip.partial").exists()


def test_a_pdf_that_fails_to_render_stops_the_pack_naming_why_and_no_file_is_left(env, capsys, main, today,
                                                                                  monkeypatch):
    # the PDF is rendered by a child process (api/audit_pack/pdf_process.py); here one that fails
    failing = env / "python"
    failing.write_text("#!/bin/sh\necho 'cannot load the font DejaVu Sans' >&2\nexit 3\n")
    failing.chmod(0o755)
    assert main(["import", str(env / "it.csv"), "--apply"]) == 0
    monkeypatch.setattr("sys.executable", str(failing))
    pack = env / "revision.zip"
    with pytest.raises(PdfFailed, match=r"exit status 3\): cannot load the font DejaVu Sans"):
        main(["audit-pack", "--from", on("2026-01-01"), "--at", today.isoformat(), "--out", str(pack)])
    assert not pack.exists() and not (env / "revision.zip.partial").exists()
