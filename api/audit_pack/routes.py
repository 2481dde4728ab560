"""`GET /audit-pack` and the question it answers, shared with the pages' form and `ansvar audit-pack`."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated

import anyio
from litestar import Controller, get
from litestar.params import Parameter, QueryParameter
from litestar.response import Stream

from api.audit_pack.files import build
from api.audit_pack.question import question
from api.audit_pack.sections import Question
from api.log import NoSigningKey
from api.responsibility import KnownAt
from api.systems import After
from infra.settings import Settings
from infra.transparency import NotSigning, TransparencyLog
from projections.event_log import EventLog
from projections.read_side import ReadSide

ZIP = "application/zip"
CHUNK = 1 << 20


def signing(transparency: TransparencyLog) -> TransparencyLog:
    """The pack's proofs need a signed checkpoint: 503 where the installation has no log key."""
    try:
        transparency.verifier_key
    except NotSigning as exc:
        raise NoSigningKey(str(exc)) from None
    return transparency


async def pack_file(reads: ReadSide, transparency: TransparencyLog, events: EventLog, settings: Settings,
                    q: Question) -> str:
    """The pack written to a temporary file (the caller removes it)."""
    handle, path = tempfile.mkstemp(prefix="ansvar-revision-", suffix=".zip")
    try:
        with os.fdopen(handle, "wb") as out:
            await build(reads, signing(transparency), events, settings.gap_policy, q, out)
    except BaseException:
        os.unlink(path)
        raise
    return path


def download(path: str, q: Question) -> Stream:
    """The zip, streamed from disk and removed once sent (or once the client goes away)."""
    async def chunks() -> AsyncIterator[bytes]:
        try:
            async with await anyio.open_file(path, "rb") as f:
                while chunk := await f.read(CHUNK):
                    yield chunk
        finally:
            os.unlink(path)

    name = f"ansvar-revision-{q.start.isoformat()}-{q.at.isoformat()}.zip"
    return Stream(chunks(), media_type=ZIP, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store",
        "Content-Length": str(os.path.getsize(path)),
    })


From = Annotated[date, QueryParameter(name="from", required=True, description="The period's first day (YYYY-MM-DD).")]
Balance = Annotated[date, Parameter(required=True, description="The balance date: the period's last day (YYYY-MM-DD).")]


class AuditPackController(Controller):
    path = "/audit-pack"
    tags = ["audit"]

    @get("/", operation_id="getAuditPack", media_type=ZIP)
    async def pack(
        self, reads: ReadSide, transparency: TransparencyLog, events: EventLog, settings: Settings, start: From,
        at: Balance,
        known_at: KnownAt = None, after: After = None,
    ) -> Stream:
        """The auditor's pack for the period `from`..`at` as the record stood at `known_at` (default now):
        one zip with the workbook (owners, changes, attestation, unclear responsibility, decisions), the
        same as a Danish PDF, evidence.json (every row with its log positions and their inclusion proofs
        against one signed checkpoint), VERIFY.md and verify.py (needs only Python and `cryptography`)."""
        await reads.caught_up(after)
        q = question(reads, start, at, known_at)
        return download(await pack_file(reads, transparency, events, settings, q), q)
