"""The administration's import page: upload a CSV or XLSX inventory, read the dry run's report,
apply it with one button. It runs the use case `POST /imports` runs (usecases/registers.py), under the
same rule; the file is held server-side by its hash between the dry run and the apply
(api/ui/uploads.py), so it is sent once."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.response import Template

from api.context import provide_actor
from api.tenancy import runtime_of
from api.ui import UI_HANDLERS
from api.ui.pages import _context, _page
from api.ui.session import csrf_guard
from api.ui.uploads import Upload, Uploads
from domain.errors import InvalidValue
from domain.portfolio import Portfolio
from infra import spreadsheet
from projections.read_side import ReadSide
from usecases.registers import run_import

_UPLOADS = "ui_uploads"


def uploads(request: Request) -> Uploads:
    held = runtime_of(request).extras  # its municipality's: never another's upload
    if _UPLOADS not in held:
        held[_UPLOADS] = Uploads()
    return held[_UPLOADS]  # type: ignore[no-any-return]


async def _file(form: Any, name: str, required: bool) -> tuple[bytes, str] | None:
    given = form.get(name)
    if not isinstance(given, UploadFile) or not given.filename:
        if required:
            raise InvalidValue("file-missing", field=name)
        return None
    return await given.read(), given.filename


class ImportPageController(Controller):
    path = "/ui/import"
    include_in_schema = False
    guards = [csrf_guard]
    exception_handlers = UI_HANDLERS

    @get("/", operation_id="uiImportForm")
    async def form(self, request: Request, reads: ReadSide) -> Template:
        """The form that uploads an inventory for a dry run."""
        return _page("import.html", await _context(request, reads, report=None))

    @post("/", operation_id="uiImport", status_code=200, request_max_body_size=spreadsheet.MAX_FILE_BYTES + 65_536)
    async def dry_run(self, request: Request, portfolio: Portfolio, reads: ReadSide) -> Template:
        """Upload an inventory (field `file`, and optionally `mapping`) and show the dry run's report."""
        form = await request.form()
        content, filename = await _file(form, "file", required=True)  # type: ignore[misc]
        mapping = await _file(form, "mapping", required=False)
        apply = str(form.get("apply") or "").lower() in ("true", "on", "1")
        report = await run_import(portfolio, reads, content, filename, apply=apply,
                                  mapping=mapping[0] if mapping else None, actor=provide_actor(request))
        uploads(request).hold(report["sha256"], Upload(content, filename, mapping[0] if mapping else None,
                                                       request.user.person_id, reads.now()))
        return _page("import.html", await _context(request, reads, report=report),
                     status_code=201 if report["applied"] else 200)

    @post("/apply", operation_id="uiImportApply", status_code=200)
    async def apply(self, request: Request, portfolio: Portfolio, reads: ReadSide) -> Template:
        """Apply the inventory whose dry run was just shown (field `sha256`): all of it in one
        transaction, or nothing; applied again, it changes nothing."""
        form = await request.form()
        sha256 = str(form.get("sha256") or "").strip()
        held = uploads(request).find(sha256, request.user.person_id, reads.now()) if sha256 else None
        if held is None:
            raise InvalidValue("upload-gone", field="sha256")
        report = await run_import(portfolio, reads, held.content, held.filename, apply=True, mapping=held.mapping,
                                  actor=provide_actor(request))
        return _page("import.html", await _context(request, reads, report=report),
                     status_code=201 if report["applied"] else 200)
