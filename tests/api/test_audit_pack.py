"""The auditor's pack (issue 28), from the demo municipality on SQLite and PostgreSQL: it verifies
with its own verify.py and nothing of ansvar; a changed cell, a changed evidence row, a flipped
proof hash or another installation's checkpoint each fail, named; its owners are the API's answers;
its PDF names every system."""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from ansvar import demo
from ansvar.web import create_app
from domain.clock import ManualClock
from infra import merkle
from infra.checkpoints import Checkpoint, SigningKey
from infra.settings import Auth, LogSigning, Settings
from tests.api.client import TEST_SECRET, bearer
from tests.conftest import TEST_LOG_KEY, drop_schema, make_database
from tests.story import TEST_TODAY

pytestmark = pytest.mark.slow  # the demo municipality, and a PDF of it


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def town(request, tmp_path_factory) -> Iterator[dict[str, Any]]:
    database = make_database(request.param, tmp_path_factory.mktemp("pack"))
    clock = ManualClock.on(TEST_TODAY)
    settings = Settings(database=database, log_level="warning", read_wait_seconds=30.0, auth=Auth(secret=TEST_SECRET),
                        log=LogSigning(key=str(TEST_LOG_KEY)))
    app = create_app(settings, clock=clock, configure_logging=False)
    try:
        with TestClient(app) as client:
            runtime = app.state.runtime
            demo.load(runtime.portfolio)
            client.headers["Authorization"] = bearer(roles=("auditor",))
            today = clock.today()
            start, at = today - timedelta(days=365), today - timedelta(days=1)
            response = client.get("/audit-pack", params={"from": start.isoformat(), "at": at.isoformat(),
                                                         "after": runtime.catchup.head()})
            assert response.status_code == 200, response.text
            assert response.headers["content-type"] == "application/zip"
            yield {"client": client, "runtime": runtime, "pack": response.content, "start": start, "at": at}
    finally:
        if database.kind == "postgres":
            drop_schema(database)


def verify_alone(tmp_path: Path, pack: bytes, key: str | None = str(TEST_LOG_KEY.verifier)) -> subprocess.CompletedProcess:
    """The pack's own verify.py, run by itself in an empty folder with `python -I` (no PYTHONPATH,
    not the current directory): it can import the standard library and installed packages, not ansvar."""
    folder = tmp_path / "auditor"
    folder.mkdir(exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(pack)) as z:
        (folder / "verify.py").write_bytes(z.read("verify.py"))
    (folder / "pack.zip").write_bytes(pack)
    args = [sys.executable, "-I", "verify.py", "pack.zip"] + (["--key", key] if key else [])
    return subprocess.run(args, cwd=folder, capture_output=True, text=True, timeout=120)


def with_file(pack: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(pack)) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            new.writestr(item.filename, content if item.filename == name else old.read(item.filename))
    return out.getvalue()


def evidence(pack: bytes) -> dict[str, Any]:
    with zipfile.ZipFile(io.BytesIO(pack)) as z:
        return json.loads(z.read("evidence.json"))


def test_the_pack_holds_what_the_issue_names_and_verifies_with_its_own_script_alone(town, tmp_path):
    with zipfile.ZipFile(io.BytesIO(town["pack"])) as z:
        assert sorted(z.namelist()) == ["VERIFY.md", "ansvar-revision.pdf", "ansvar-revision.xlsx", "evidence.json",
                                        "verify.py"]
        assert "import ansvar" not in z.read("verify.py").decode() and "from infra" not in z.read("verify.py").decode()
    found = evidence(town["pack"])
    assert found["question"]["from"] == town["start"].isoformat() and found["question"]["at"] == town["at"].isoformat()
    assert Checkpoint.parse(found["checkpoint"]).note() == found["checkpoint"]  # the signed note, exactly
    assert {r["section"] for r in found["rows"]} == {"Ejere", "Ændringer", "Bekræftelser", "Uklart ansvar"} | (
        {"Beslutninger"} if any(r["section"] == "Beslutninger" for r in found["rows"]) else set())
    assert all(str(p) in found["proofs"] for r in found["rows"] for p in r["positions"])
    # Every proof also checks with the log's own RFC 9162 code, which verify.py does not share
    head = Checkpoint.parse(found["checkpoint"])
    for position, proof in found["proofs"].items():
        leaf = base64.b64decode(proof["leaf"])
        assert merkle.verify_inclusion(proof["leaf_index"], head.size, merkle.leaf_hash(leaf),
                                       [base64.b64decode(h) for h in proof["hashes"]], head.root), position
    result = verify_alone(tmp_path, town["pack"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "the pack verifies" in result.stdout


def test_evidence_is_read_an_item_at_a_time_in_any_order_of_its_members(town, tmp_path):
    # The pack writes its proofs before its rows, so verify.py reads evidence.json once; members in
    # another order (rows first, the checkpoint last) verify too, on a further pass
    found = evidence(town["pack"])
    assert list(found).index("proofs") < list(found).index("rows")
    order = ["rows", "proofs", "sheets", "question", "checkpoint"]
    moved = {**{k: v for k, v in found.items() if k not in order}, **{k: found[k] for k in order}}
    result = verify_alone(tmp_path, with_file(town["pack"], "evidence.json", json.dumps(moved, indent=2).encode()))
    assert result.returncode == 0, result.stdout + result.stderr
    twice = json.dumps(found)[:-1] + ', "rows": []}'
    result = verify_alone(tmp_path, with_file(town["pack"], "evidence.json", twice.encode()))
    assert result.returncode == 2 and "names 'rows' twice" in result.stdout, result.stdout


def test_a_changed_workbook_cell_fails_and_is_named(town, tmp_path):
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(_read(town["pack"], "ansvar-revision.xlsx")))
    sheet = book["Ejere"]
    holder = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 4).value)
    sheet.cell(holder, 4).value = "Nogen Helt Anden"
    out = io.BytesIO()
    book.save(out)
    result = verify_alone(tmp_path, with_file(town["pack"], "ansvar-revision.xlsx", out.getvalue()))
    assert result.returncode == 1
    assert f"sheet 'Ejere' row {holder}" in result.stdout and "'Indehaver'" in result.stdout
    assert "Nogen Helt Anden" in result.stdout


def test_a_changed_evidence_row_fails_and_is_named(town, tmp_path):
    found = evidence(town["pack"])
    n, row = next((n, r) for n, r in enumerate(found["rows"], 1) if r["section"] == "Ændringer")
    row["cells"][3] = "Nogen Helt Anden"
    result = verify_alone(tmp_path, with_file(town["pack"], "evidence.json", json.dumps(found).encode()))
    assert result.returncode == 1 and "sheet 'Ændringer' row 2" in result.stdout, result.stdout
    # A row moved onto another system's event is caught by the log entry it names
    found = evidence(town["pack"])
    owners = [r for r in found["rows"] if r["section"] == "Ejere" and r["positions"]]
    first, other = owners[0], next(r for r in owners if r["system_id"] != owners[0]["system_id"])
    first["positions"] = other["positions"]
    result = verify_alone(tmp_path, with_file(town["pack"], "evidence.json", json.dumps(found).encode()))
    assert result.returncode == 1 and "an event of another aggregate" in result.stdout, result.stdout


def test_a_flipped_proof_hash_fails_and_names_the_position(town, tmp_path):
    found = evidence(town["pack"])
    position, proof = next((p, x) for p, x in found["proofs"].items() if x["hashes"])
    raw = bytearray(base64.b64decode(proof["hashes"][0]))
    raw[0] ^= 1
    proof["hashes"][0] = base64.b64encode(bytes(raw)).decode()
    result = verify_alone(tmp_path, with_file(town["pack"], "evidence.json", json.dumps(found).encode()))
    assert result.returncode == 1
    assert f"the inclusion proof of log position {position} does not lead to the checkpoint's root" in result.stdout


def test_a_checkpoint_from_another_installation_fails(town, tmp_path):
    found = evidence(town["pack"])
    mine = Checkpoint.parse(found["checkpoint"])
    theirs = SigningKey.generate("other.kommune.dk/ansvar")
    found["checkpoint"] = Checkpoint("other.kommune.dk/ansvar", mine.size, mine.root).signed(theirs).note()
    found["key"] = str(theirs.verifier)  # however the pack names its key, the installation's is given
    result = verify_alone(tmp_path, with_file(town["pack"], "evidence.json", json.dumps(found).encode()))
    assert result.returncode == 1
    assert f"the checkpoint is not signed by {TEST_LOG_KEY.name}" in result.stdout


def test_ansvar_verify_pack_runs_the_same_check_and_names_the_first_failing_row(town, tmp_path, capsys):
    from ansvar.cli_pack import cmd_verify_pack

    settings = replace(Settings(), log=LogSigning(key=str(TEST_LOG_KEY)))
    good, bad = tmp_path / "good.zip", tmp_path / "bad.zip"
    good.write_bytes(town["pack"])
    found = evidence(town["pack"])
    n, row = next((n, r) for n, r in enumerate(found["rows"], 1) if r["section"] == "Bekræftelser")
    row["cells"][0] = "Et andet system"
    bad.write_bytes(with_file(town["pack"], "evidence.json", json.dumps(found).encode()))
    assert cmd_verify_pack(settings, _args(good)) == 0
    assert cmd_verify_pack(settings, _args(bad, json=True)) == 1
    answer = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert answer["ok"] is False and "sheet 'Bekræftelser' row 2" in answer["failed"]
    assert f"evidence row {n} (Bekræftelser" in answer["failed"]


def test_the_owners_sheet_is_what_the_api_answers_for_the_same_question(town):
    found = evidence(town["pack"])
    client, at, known_at = town["client"], found["question"]["at"], found["question"]["known_at"]
    owners: dict[str, dict[str, Any]] = {}
    for row in found["rows"]:
        if row["section"] == "Ejere":
            owners.setdefault(row["system_id"], {})[row["role"]] = row["person_id"]
    assert len(owners) >= 250
    for system_id, roles in owners.items():
        answer = client.get(f"/systems/{system_id}/accountability", params={"at": at, "known_at": known_at}).json()
        held = {h["role"]: h["person_id"] for h in answer["holders"]}
        assert {r: p for r, p in roles.items() if p} == held, answer["system_name"]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="Debian's poppler-utils (.ci/run installs it)")
def test_the_pdf_is_danish_a4_with_page_numbers_embedded_fonts_and_names_every_system(town, tmp_path):
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(_read(town["pack"], "ansvar-revision.pdf"))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    assert "Revisionspakke" in pages[0] and "Bekræftelsesdækning" in pages[0]  # the summary first
    assert "Side 1 af" in pages[0]
    flat = " ".join(text.split())
    for control in ("ISO/IEC 27001:2022 A.5.9", "NIS2-loven § 6"):
        assert control in flat
    names = {r["cells"][0] for r in evidence(town["pack"])["rows"] if r["section"] == "Ejere"}
    missing = [n for n in names if " ".join(n.split()) not in flat]
    assert not missing, missing[:5]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(" yes " in line for line in fonts)  # every font embedded


def _read(pack: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(pack)) as z:
        return z.read(name)


def _args(path: Path, json: bool = False) -> Any:
    import argparse

    return argparse.Namespace(pack=str(path), key=None, json=json)
