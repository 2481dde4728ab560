"""Bringing a spreadsheet in (`POST /imports`) and taking the registers out (`GET /exports/...`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter

from api.systems import After
from domain.commands import Actor
from domain.errors import InvalidValue
from domain.portfolio import Portfolio
from infra import spreadsheet
from infra.transparency import TransparencyLog
from projections.read_side import ReadSide
from projections.register_queries import EXPORTS
from usecases.registers import export, run_import


@dataclass
class ImportForm:
    file: UploadFile
    apply: bool = False
    mapping: UploadFile | None = None


class ImportProblem(msgspec.Struct):
    row: int
    column: str
    value: str
    kind: str
    detail: str


class Counts(msgspec.Struct):
    to_create: int
    matched: int = 0


class FactCounts(msgspec.Struct):
    assignments: int
    vacancies: int
    lifecycle_changes: int
    details_changes: int = 0  # vendor, criticality or personal data corrected
    archive_duty_changes: int = 0  # the archive duty (arkivpligt) stated anew


class ImportReport(msgspec.Struct):
    """What an import found and (with apply) wrote; the CLI prints the same report."""

    file: str
    sha256: str
    sheet: str | None
    dry_run: bool
    applied: bool
    position: int | None
    columns: dict[str, str]
    rows_read: int
    systems: Counts
    people: Counts
    org_units: Counts
    facts: FactCounts
    flagged_holders: int
    duplicates: int
    people_linked: int
    possible_duplicate_people: int
    possible_duplicates: list[dict[str, Any]]
    systems_to_create: list[dict[str, Any]]
    people_to_create: list[dict[str, Any]]
    problems: list[ImportProblem]


class ImportController(Controller):
    path = "/imports"
    tags = ["import and export"]

    # Inventories are larger than command bodies: this route allows the importer's own limit (+ form overhead).
    @post("/", operation_id="importInventory", status_code=200, request_max_body_size=spreadsheet.MAX_FILE_BYTES + 65_536)
    async def import_inventory(
        self, data: Annotated[ImportForm, Body(media_type=RequestEncodingType.MULTI_PART)], portfolio: Portfolio,
        reads: ReadSide, actor: Actor,
    ) -> Response[ImportReport]:
        """Import an IT-system inventory (CSV or XLSX, field `file`). A dry run that only reports, unless
        `apply=true`: then the whole file is written in one transaction (201), or nothing is."""
        content = await data.file.read()
        mapping = await data.mapping.read() if data.mapping is not None else None
        report = await run_import(
            portfolio, reads, content, data.file.filename or "upload", apply=data.apply, mapping=mapping, actor=actor
        )
        return Response(msgspec.convert(report, ImportReport), status_code=201 if report["applied"] else 200)


Format = Annotated[str | None, Parameter(description="csv or xlsx; else the Accept header decides (default xlsx).",
                                         schema_extra={"enum": list(spreadsheet.MEDIA_TYPES)})]
Export = Annotated[str, Parameter(description="Which register.", schema_extra={"enum": list(EXPORTS)})]


def _format(requested: str | None, request: Request) -> str:
    if requested is not None:
        if requested not in spreadsheet.MEDIA_TYPES:
            raise InvalidValue("not-a-choice", field="format", allowed=list(spreadsheet.MEDIA_TYPES))
        return requested
    accept = request.headers.get("accept", "")
    return "csv" if "text/csv" in accept and "spreadsheetml" not in accept else "xlsx"


class ExportController(Controller):
    path = "/exports"
    tags = ["import and export"]

    @get("/{what:str}", operation_id="exportRegister", opt={"media_types": list(spreadsheet.MEDIA_TYPES.values())})
    async def export(
        self, what: Export, request: Request, reads: ReadSide, transparency: TransparencyLog,
        format: Format = None, after: After = None,
    ) -> Response[bytes]:
        """`register` (every system, every role, holder, since when), `gaps` (the gap report today) or
        `decisions` (the council's decision log, ending with the log's signed checkpoint), with Danish
        headers, as CSV or XLSX. The register re-imports to the same state."""
        if what not in EXPORTS:
            raise InvalidValue("not-a-choice", field="what", allowed=list(EXPORTS))
        kind = _format(format, request)
        await reads.caught_up(after)
        content = await export(reads, what, kind, transparency)
        filename = f"{EXPORTS[what][2].lower()}-{reads.today().isoformat()}.{kind}"
        return Response(
            content, media_type=spreadsheet.MEDIA_TYPES[kind],
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
