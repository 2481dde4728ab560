"""The auditors' page for the pack: a form (period and as-known-at), and the same zip as GET /audit-pack."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import Parameter, QueryParameter
from litestar.response import Stream, Template

from api.audit_pack.routes import download, pack_file, question
from api.ui import UI_HANDLERS
from api.ui.pages import _context, _page
from infra.settings import Settings
from infra.transparency import TransparencyLog
from projections.event_log import EventLog
from projections.read_side import ReadSide


class AuditPackPage(Controller):
    path = "/ui/audit-pack"
    include_in_schema = False
    exception_handlers = UI_HANDLERS  # a refused question shows as a page naming the field

    @get("/", operation_id="uiAuditPackForm")
    async def form(self, request: Request, reads: ReadSide) -> Template:
        """The form: by default the last calendar year, its last day the balance date."""
        today = reads.today()
        start, at = date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
        return _page("audit_pack.html", await _context(request, reads, start=start, at=at))

    @get("/download", operation_id="uiAuditPack")
    async def download(
        self, reads: ReadSide, transparency: TransparencyLog, events: EventLog, settings: Settings,
        start: Annotated[date | None, QueryParameter(name="from")] = None, at: date | None = None,
        known_at: Annotated[str | None, Parameter(max_length=40)] = None,
    ) -> Stream:
        """The pack for the form's question, as GET /audit-pack makes it."""
        q = question(reads, start, at, known_at or None)
        return download(await pack_file(reads, transparency, events, settings, q), q)
