"""The README's third-party verifier (the Python block after `<!-- third-party-verifier -->`),
run exactly as printed against `ansvar log export`: it verifies an honest export, with an
erased text in it, and fails on an edited or a missing event."""

from __future__ import annotations

import argparse
import base64
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from ansvar.bootstrap import bootstrap
from ansvar.cli_log import cmd_log
from tests.conftest import TEST_LOG_KEY

pytestmark = pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
README = Path(__file__).resolve().parents[2] / "README.md"


def verifier(tmp_path: Path) -> Path:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- third-party-verifier -->\n```python\n(.*?)```", text, re.S)
    assert block, "the README's verifier block is gone"
    assert len(block.group(1).strip().splitlines()) <= 26
    script = tmp_path / "verify_ansvar.py"
    script.write_text(block.group(1), encoding="utf-8")
    return script


@pytest.fixture
def export(settings, clock, tmp_path) -> Path:
    runtime = bootstrap(settings, clock)
    app = runtime.portfolio
    unit = app.establish_org_unit("Kommune", "kommune", None).id
    person = app.register_person("Åse Øster", unit, None, "aase@k.dk").id
    system = app.register_system("Lønsystem", "KMD", unit, "high", True, "in_operation", date(2020, 1, 1)).id
    app.assign_role(system, "systemejer", person, date(2021, 1, 1), basis="overdraget af Åse")
    vacancy = app.record_vacancy(system, "systemansvarlig", date(2021, 1, 1), None, "Bent, måske").position
    app.erase_text(vacancy, "anmodning 3")
    runtime.close()
    out = tmp_path / "log.jsonl"
    assert cmd_log(settings, clock, argparse.Namespace(action="export", output=str(out))) == 0
    return out


def run(script: Path, export: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(script), str(export), str(TEST_LOG_KEY.verifier)],
                          capture_output=True, text=True)


def test_the_readme_verifier_verifies_an_honest_export(tmp_path, export):
    done = run(verifier(tmp_path), export)
    assert done.returncode == 0, done.stderr
    head = json.loads(export.read_text(encoding="utf-8").splitlines()[0])
    assert done.stdout.strip() == f"verified: {head['size']} events"


def test_the_readme_verifier_fails_on_an_edited_or_a_missing_event(tmp_path, export):
    script = verifier(tmp_path)
    lines = export.read_text(encoding="utf-8").splitlines()
    at = next(i for i, x in enumerate(lines[1:], 1)
              if b"2021-01-01" in base64.b64decode(json.loads(x)["event"]["state"]))  # the assignment
    entry = json.loads(lines[at])
    state = base64.b64decode(entry["event"]["state"]).replace(b"2021-01-01", b"2019-01-01")
    assert state != base64.b64decode(entry["event"]["state"])
    entry["event"]["state"] = base64.b64encode(state).decode()
    edited = tmp_path / "edited.jsonl"
    edited.write_text("\n".join([*lines[:at], json.dumps(entry), *lines[at + 1:]]) + "\n", encoding="utf-8")
    done = run(script, edited)
    assert done.returncode != 0 and f"position {entry['position']} differs" in done.stderr
    missing = tmp_path / "missing.jsonl"
    missing.write_text("\n".join([*lines[:at], *lines[at + 1:]]) + "\n", encoding="utf-8")
    assert run(script, missing).returncode != 0
