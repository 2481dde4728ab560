"""Writing the pack: one zip with the workbook, evidence.json (every row with the log positions it
rests on and their inclusion proofs against one signed checkpoint, taken after the rows were read),
the PDF, VERIFY.md and verify.py. Rows are streamed: the workbook's sheets and the evidence rows
to temporary files as they come, proofs in batches; only the PDF's rows are held, up to a bound.
The PDF is rendered by a child process started first (pdf_process.py), beside the reads and the proofs."""

from __future__ import annotations

import json
import tempfile
from contextlib import closing
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import anyio.to_thread
import msgspec
import structlog

from api.audit_pack import pdf
from api.audit_pack.pdf_process import PdfProcess
from api.audit_pack.workbook import Workbook, clean
from api.audit_pack.sections import (HEADERS, Question, Row, Summary, chunk_rows, decision_rows, in_question,
                                     systems_in_question)
from domain.gaps import GapPolicy
from infra import pack_verify
from infra.checkpoints import Checkpoint, b64
from infra.phrasebook.da.dates import danish_datetime, short_date
from infra.transparency import TransparencyLog
from projections.event_log import EventLog
from projections.gaps_view import GapsAsKnown
from projections.read_side import ReadSide

log = structlog.get_logger(__name__)
FORMAT = "ansvar/audit-pack/v1"
PROOF_BATCH = 2000
PDF, VERIFY_MD, VERIFY_PY = "ansvar-revision.pdf", "VERIFY.md", "verify.py"
_encode = msgspec.json.Encoder().encode


def plain(value: Any) -> Any:
    """A cell as evidence.json holds it (and verify.py reads it back from the workbook): text, a
    whole number, an ISO date, or null."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        raise TypeError("record times go into the pack as Danish text (sections.recorded)")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, str)):
        return clean(value) if isinstance(value, str) else value
    return clean(str(value))


def coverage_row(summary: Summary) -> Row:
    """The attestation sheet's last row: the share of systems in operation at D whose Systemejer
    had attested in time (the rows above it, counted)."""
    share = f"{100 * summary.attested / summary.in_use:.1f}".replace(".", ",") + " %" if summary.in_use else "–"
    return Row("Bekræftelser", ["Dækning i alt", None, None, None,
                                f"{share} ({summary.attested} af {summary.in_use} systemer i drift)", None], [])


def evidence_row(row: Row) -> dict[str, Any]:
    return {"section": row.section, "system_id": str(row.system_id) if row.system_id else None, "role": row.role,
            "person_id": str(row.person_id) if row.person_id else None, "positions": row.positions,
            "cells": [plain(v) for v in row.cells]}


async def build(reads: ReadSide, transparency: TransparencyLog, events: EventLog, policy: GapPolicy, q: Question,
                out: IO[bytes]) -> Summary:
    """Write the pack for question `q` to `out`; returns its summary."""
    changes, criticality = await anyio.to_thread.run_sync(events.directory_changes)
    unclear = GapsAsKnown(reads.reader, q.known_at, policy, changes, criticality)
    with tempfile.TemporaryDirectory(prefix="ansvar-pack-") as tmp:
        folder = Path(tmp)
        # started first: it imports WeasyPrint while this process reads (pdf_process.py)
        renderer = PdfProcess(folder)
        try:
            return await _build(reads, transparency, policy, q, out, unclear, folder, renderer)
        finally:
            renderer.close()


async def _build(reads: ReadSide, transparency: TransparencyLog, policy: GapPolicy, q: Question, out: IO[bytes],
                 unclear: GapsAsKnown, folder: Path, renderer: PdfProcess) -> Summary:
    book, positions, summary = Workbook(folder, HEADERS), set(), Summary()
    shown: dict[str, list[Row]] = {name: [] for name in HEADERS}
    with open(folder / "rows.jsonl", "wb") as rows_file, closing(book):
        def keep(row: Row) -> None:
            book.append(row.section, row.cells)
            rows_file.write(_encode(evidence_row(row)) + b"\n")  # UTF-8, as json.dumps(ensure_ascii=False), ~5x faster
            positions.update(row.positions)
            summary.counts[row.section] = summary.counts.get(row.section, 0) + 1
            if len(shown[row.section]) < pdf.MAX_ROWS and pdf.shown(row):
                shown[row.section].append(row)

        async for chunk in systems_in_question(reads, q):
            for (system, changes), found in zip(chunk, await chunk_rows(reads, q, policy, chunk, unclear)):
                if in_question(q, changes):
                    summary.systems.append(system["name"])
                for row in [*found.owners, *found.changed]:
                    keep(row)
                if found.attestation is not None:
                    keep(found.attestation)
                    summary.in_use += 1
                    summary.attested += found.in_time
                for row in found.unclear:
                    keep(row)
                    summary.longest = sorted([*summary.longest, row], key=lambda r: -r.cells[5])[:10]
        keep(coverage_row(summary))
        async for row in decision_rows(reads, q):
            keep(row)
        await anyio.to_thread.run_sync(book.save, folder / pack_verify.WORKBOOK)
    checkpoint = await anyio.to_thread.run_sync(transparency.checkpoint)  # after the rows: it covers them
    # the child lays out the PDF while this process writes evidence.json and its proofs
    await anyio.to_thread.run_sync(lambda: renderer.render(pdf.html(q, summary, shown, checkpoint)))
    # zlib's fastest level: the national pack's evidence.json (356 MB of base64 hashes) deflates to
    # 71 MB in 2.1 s instead of 63 MB in 4.9 s at the default level
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as pack:
        # stored as it is: an xlsx is a deflated zip already (deflating it again costs time, saves nothing)
        pack.write(folder / pack_verify.WORKBOOK, pack_verify.WORKBOOK, zipfile.ZIP_STORED)
        with pack.open(pack_verify.EVIDENCE, "w", force_zip64=True) as evidence:
            await anyio.to_thread.run_sync(
                _write_evidence, evidence, q, checkpoint, transparency, folder / "rows.jsonl", sorted(positions),
                summary)
        pack.write(await anyio.to_thread.run_sync(renderer.wait), PDF)
        pack.writestr(VERIFY_MD, verify_md(q, checkpoint, transparency.verifier_key))
        pack.writestr(VERIFY_PY, Path(pack_verify.__file__).read_text(encoding="utf-8"))
    log.info("audit pack written", start=str(q.start), at=str(q.at), known_at=q.known_at.isoformat(),
             rows=sum(summary.counts.values()), positions=len(positions), checkpoint=checkpoint.size)
    return summary


def _write_evidence(out: IO[bytes], q: Question, checkpoint: Checkpoint, transparency: TransparencyLog, rows: Path,
                    positions: list[int], summary: Summary) -> None:
    def put(text: str) -> None:
        out.write(text.encode("utf-8"))

    head = {
        "format": FORMAT,
        "question": {"from": q.start.isoformat(), "at": q.at.isoformat(), "known_at": q.known_at.isoformat()},
        "checkpoint": checkpoint.note(), "key": transparency.verifier_key, "sheets": HEADERS,
        "summary": {"systems": len(summary.systems), "rows": summary.counts, "in_use": summary.in_use,
                    "attested_in_time": summary.attested},
    }
    # The proofs before the rows: a verifier reading the file once knows every proved position by
    # the time it meets the rows that rest on them (verify.py holds one item at a time).
    put(json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "proofs": {\n')
    for n, (position, proof) in enumerate(proofs(transparency, checkpoint, positions)):
        put(("  " if n == 0 else ", ") + f'"{position}": {proof}\n')
    put(' },\n "rows": [\n')
    with open(rows, "rb") as lines:
        for n, line in enumerate(lines):
            out.write((b"  " if n == 0 else b", ") + line)
    put(" ]\n}\n")


def proofs(transparency: TransparencyLog, checkpoint: Checkpoint, positions: list[int]) -> Iterable[tuple[int, str]]:
    """Each position's RFC 9162 inclusion proof against `checkpoint`, as the API's ?proof=true gives
    it, read PROOF_BATCH at a time (one read transaction each), as JSON: the text json.dumps makes of
    {"leaf_index", "leaf", "hashes"}, written out directly (base64 needs no escaping), each hash
    encoded once a batch (the proofs of a batch share their upper nodes)."""
    for start in range(0, len(positions), PROOF_BATCH):
        encoded: dict[bytes, str] = {}
        for position, entry, hashes in transparency.proofs.proofs_of(positions[start : start + PROOF_BATCH],
                                                                     checkpoint.size):
            said = []
            for h in hashes:
                text = encoded.get(h)
                if text is None:
                    text = encoded[h] = '"' + b64(h) + '"'
                said.append(text)
            yield position, f'{{"leaf_index": {entry.idx}, "leaf": "{b64(entry.leaf)}", "hashes": [{", ".join(said)}]}}'



def verify_md(q: Question, checkpoint: Checkpoint, key: str) -> str:
    return f"""# Sådan kontrolleres pakken / How to verify this pack

Spørgsmålet: ansvaret i perioden {short_date(q.start)}–{short_date(q.at)}, som registeret stod {danish_datetime(q.known_at, offset=True)}.
Logens kontrolpunkt (træstørrelse {checkpoint.size}) er underskrevet med nøglen

    {key}

Hent installationens nøgle selv (`GET /log/key`) og kontrollér pakken med Python og `cryptography`
(`pip install cryptography`), intet andet:

    python verify.py ansvar-revision.zip --key '<nøglen fra GET /log/key>'

verify.py kontrollerer, og standser ved den første fejl, som den navngiver:

1. at kontrolpunktet i evidence.json er underskrevet med nøglen (uden `--key` stoles på den nøgle,
   pakken selv nævner, og det siger verify.py);
2. at hvert inklusionsbevis (RFC 9162, afsnit 2.1.3.2) fører fra sin logpost til kontrolpunktets
   rodhash, og at logposten nævner den position, den bevises for;
3. at hver række i evidence.json hviler på beviste logpositioner, og en række om et system på
   systemets egne hændelser;
4. at hver række i hvert ark i ansvar-revision.xlsx er lig med sin række i evidence.json, celle for celle.

Afslutningskode 0: pakken holder; 1: den holder ikke (linjen FAILED siger hvor); 2: den kan ikke læses.
`ansvar verify --pack ansvar-revision.zip` kører den samme kontrol.

In English: run `python verify.py PACK.zip --key VKEY` with only `cryptography` installed; it checks the
checkpoint's signature, every inclusion proof, and that each workbook row equals its evidence row, and
names the first thing that fails (exit 1). Add `--json` for a machine-readable answer.
"""
