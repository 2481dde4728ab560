"""The pack's PDF child (api/audit_pack/pdf_process.py): it renders the HTML it is handed, and it
is never left behind, whether the parent asked for the PDF or gave up before."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from api.audit_pack.pdf_process import PdfProcess


def test_the_child_renders_the_html_it_is_handed(tmp_path):
    child = PdfProcess(tmp_path)
    try:
        child.render("<!doctype html><html lang='da'><body><p>Lønsystem · Systemejer: Bo Larsen</p></body></html>")
        pdf = child.wait()
    finally:
        child.close()
    assert pdf.read_bytes().startswith(b"%PDF-") and child.proc.returncode == 0
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "Lønsystem · Systemejer: Bo Larsen" in text


@pytest.mark.parametrize("started", [False, True])
def test_a_child_the_parent_gave_up_on_is_ended_and_waited_for(tmp_path, started):
    child = PdfProcess(tmp_path)
    if started:
        child.render("<p>" + "Lønsystem " * 200_000 + "</p>")  # long enough to be still rendering
    child.close()
    assert child.proc.returncode is not None  # waited for: no zombie, no orphan
    assert not (tmp_path / "pack.pdf").exists() or started
