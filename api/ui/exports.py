"""Exports from the pages (issue 25, part 4): the register and the gap list as filtered on their
pages, the decision log as filtered, and a system's evidence, each as CSV or XLSX.

A file is named by what it holds and the day it was taken (`ansvar-register-2026-12-07.xlsx`, the
day from the injected clock), and so is its sheet. Its first rows say what was asked (the filters
in Danish, `at`, `known_at`), when it was taken, and the log's checkpoint it was taken at (the
tree's size and root hash, read after the rows, so it covers every fact in them); then the
header, frozen in place. Dates are date cells, record times Danish local time with the offset,
people and systems by name (infra/spreadsheet.py writes them, safe against formulas).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import anyio.to_thread
from litestar import Controller, Request, Response, get
from litestar.params import Parameter

from api.council import decisions as decisions_shown
from api.council import in_order
from api.responsibility import timeline_of
from api.ui import UI_HANDLERS
from api.ui.evidence import ERASED
from api.ui.evidence import HEADERS as EVIDENCE_HEADERS
from api.ui.evidence import evidence_rows
from api.ui.pages import After
from api.ui.register_pages import Asked, KnownAtText, Sort, Text, gaps_asked, register_asked, unit_tree
from domain.council import DecisionKind
from domain.errors import SystemNotFound
from domain.responsibility import period_at
from domain.vocabulary import Role
from infra import spreadsheet
from infra.phrasebook.da.labels import CRITICALITY_LABEL, DECISION_KIND, LIFECYCLE_LABEL, ROLE_LABEL, RULE_LABEL
from infra.transparency import NotSigning, TransparencyLog
from projections.read_side import ReadSide
from projections.register_page import RegisterPageQueries

Format = Annotated[str, Parameter(pattern="^(csv|xlsx)$")]
CHUNK = 500
LARGE = 1_000_000


def _chunks(ids: Sequence[Any]) -> list[Sequence[Any]]:
    return [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]


def checkpoint_of(transparency: TransparencyLog) -> list[list[Any]]:
    """The log's head the export was taken at: its size and root hash (base64, as in the log's
    signed checkpoints, which `ansvar verify` and GET /log/checkpoint show)."""
    try:
        point = transparency.checkpoint()
        size, root, signed = point.size, point.root, "signeret"
    except NotSigning:
        size, root = transparency.proofs.head()
        signed = "ikke signeret (installationen har ingen signeringsnøgle)"
    return [["Logens størrelse", size], ["Logens rodhash", base64.b64encode(root).decode()],
            ["Kontrolpunktet", f"{signed}; oprindelse {transparency.origin}"]]


def preface(title: str, reads: ReadSide, said: list[tuple[str, str]], at: date | None, known_at: datetime | None,
            checkpoint: list[list[Any]]) -> list[list[Any]]:
    rows: list[list[Any]] = [["Udtræk", title], ["Udtrukket", reads.now()]]
    rows += [[label, value] for label, value in said] or [["Filtre", "ingen: alt"]]
    if at is not None:
        rows.append(["Dato (at)", at])
    if known_at is not None:
        rows.append(["Som registreret (known_at)", known_at])
    return rows + checkpoint


def _slug(text: str) -> str:
    folded = text.lower().translate(str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"}))
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:60] or "system"


def download(content: bytes, kind: str, what: str, day: date) -> Response[bytes]:
    filename = f"ansvar-{what}-{day.isoformat()}.{kind}"
    return Response(content, media_type=spreadsheet.MEDIA_TYPES[kind], headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def sheet_name(what: str, day: date) -> str:
    """What the sheet holds and the day, in 31 characters: the name is cut, never the date."""
    dated = f" {day:%d-%m-%Y}"
    return spreadsheet.sheet_title(what[: spreadsheet.SHEET_TITLE_MAX - len(dated)].rstrip() + dated)


async def _write(kind: str, title: str, headers: list[str], rows: list[list[Any]], front: list[list[Any]]) -> bytes:
    return await anyio.to_thread.run_sync(lambda: spreadsheet.write(kind, title, headers, rows, front))


async def _names(reads: ReadSide, ids: Sequence[UUID]) -> dict[UUID, str]:
    names: dict[UUID, str] = {}
    for part in _chunks(sorted(set(ids))):
        for person, (name, erased) in (await reads.directory.names(part)).items():
            names[person] = ERASED if erased else (name or "ikke registreret")
    return names


REGISTER_HEADERS = ["Systemnavn", "Leverandør", "Enhed", "Kritikalitet", "Persondata", "Livscyklus", "Ibrugtagning",
                    "Arkivpligt", *[h for r in Role for h in (ROLE_LABEL[r], f"{ROLE_LABEL[r]} siden")]]
GAP_HEADERS = ["Systemnavn", "Enhed", "Regel", "Rolle", "Hvem", "Siden", "Til", "Alvorlighed (1 er mest alvorlig)"]
DECISION_HEADERS = ["Besluttet den", "Beslutning", "Om", "Begrundelse", "Møde", "Besluttet af", "Gælder fra",
                    "Periode fra", "Periode til", "Rangorden", "Registreret", "Registreret af", "Logposition"]


async def register_rows(reads: ReadSide, asked: Asked) -> list[list[Any]]:
    """Every system the filter finds, each role's holder (or why nobody holds it) and since when,
    at `at` as the record stood at `known_at`: domain/responsibility.py's `period_at` over its facts."""
    f = asked.filter
    queries = RegisterPageQueries(reads.reader)
    _, ids = await queries.system_ids(f)
    shown, facts = [], {}
    for part in _chunks(ids):
        shown += await queries.shown(part, f)
        facts.update(await reads.accountability.facts_of(list(part)))
    periods = {(i, role): period_at(facts.get(i, []), role, f.at, f.known_at) for i in ids for role in Role}
    names = await _names(reads, [p.holder for p in periods.values() if p is not None and p.holder is not None])
    tree = await unit_tree(reads)
    rows = []
    for s in shown:
        row: list[Any] = [
            s["name"], s["vendor"], tree.path.get(UUID(str(s["org_unit_id"])), ""), CRITICALITY_LABEL.get(s["criticality"]),
            bool(s["personal_data"]), LIFECYCLE_LABEL.get(s["lifecycle"], "") if s["lifecycle"] else "ikke kendt",
            s["in_use_from"], s["archive_duty"],
        ]
        for role in Role:
            period = periods[(s["id"], role)]
            if period is None:
                row += [None, None]
            elif period.holder is None:
                row += [f"Ubesat: {period.facts[-1].reason}" if period.facts[-1].reason else "Ubesat", period.start]
            else:
                row += [names.get(period.holder, "ikke registreret"), period.start]
        rows.append(row)
    return rows


def _subject(kind: str, name: str | None) -> str:
    if kind == "claim":
        return f"krav fra {name}" if name else "krav fra en person, hvis oplysninger er slettet"
    return name or ("(forslag uden titel)" if kind == "proposal" else "(system uden navn)")


class ExportPageController(Controller):
    path = "/ui"
    include_in_schema = False
    exception_handlers = UI_HANDLERS

    @get("/exports/register", operation_id="uiExportRegister")
    async def register(
        self, request: Request, reads: ReadSide, transparency: TransparencyLog, format: Format = "xlsx",  # noqa: A002
        q: Text = None, org_unit_id: Text = None, lifecycle: Text = None, criticality: Text = None,
        personal_data: Text = None, no_systemejer: Text = None, holder: Text = None, holder_q: Text = None,
        at: Text = None, known_at: KnownAtText = None, sort: Sort = "name", after: After = None,
    ) -> Response[bytes]:
        """The register as filtered on /ui/systems: every system it finds, every role's holder and since when."""
        await reads.caught_up(after)
        asked = await register_asked(
            request, reads, q=q, org_unit_id=org_unit_id, lifecycle=lifecycle, criticality=criticality,
            personal_data=personal_data, no_systemejer=no_systemejer, holder=holder, holder_q=holder_q, at=at,
            known_at=known_at, sort=sort)
        rows = await register_rows(reads, asked)
        point = await anyio.to_thread.run_sync(checkpoint_of, transparency)
        day = reads.today()
        front = preface("Ejerskabsregister", reads, asked.said, asked.filter.at, asked.filter.known_at, point)
        return download(await _write(format, sheet_name("Register", day), REGISTER_HEADERS, rows, front),
                        format, "register", day)

    @get("/exports/gaps", operation_id="uiExportGaps")
    async def gaps(
        self, reads: ReadSide, transparency: TransparencyLog, format: Format = "xlsx",  # noqa: A002
        rule: Text = None, role: Text = None, forvaltning: Text = None, at: Text = None, after: After = None,
    ) -> Response[bytes]:
        """The gap list as filtered on /ui/gaps: most severe first, then longest-standing."""
        await reads.caught_up(after)
        asked = await gaps_asked(reads, rule=rule, role=role, forvaltning=forvaltning, at=at)
        f = asked.filter
        found = await reads.gaps.at(f["day"], rule=f["rule"], role=f["role"], org_unit_ids=f["org_unit_ids"],
                                    limit=LARGE)
        tree = await unit_tree(reads)
        unit_of = await RegisterPageQueries(reads.reader).units_of(sorted({UUID(str(g["system_id"])) for g in found}))
        rows = [[
            g["system_name"], tree.path.get(unit_of.get(UUID(str(g["system_id"]))), ""), RULE_LABEL.get(g["rule"], g["rule"]),
            ROLE_LABEL.get(g["role"], g["role"]) if g["role"] else "",
            (ERASED if g["person_erased"] else g["person_name"] or "ikke registreret") if g["person_id"] else "",
            g["since"], g["until"], g["severity"],
        ] for g in found]
        point = await anyio.to_thread.run_sync(checkpoint_of, transparency)
        day = reads.today()
        front = preface("Uklart ansvar", reads, asked.said, f["day"], None, point)
        return download(await _write(format, sheet_name("Uklart ansvar", day), GAP_HEADERS, rows, front),
                        format, "huller", day)

    @get("/exports/decisions", operation_id="uiExportDecisions")
    async def decisions(
        self, reads: ReadSide, transparency: TransparencyLog, format: Format = "xlsx",  # noqa: A002
        kind: DecisionKind | None = None, decided_from: date | None = None, decided_to: date | None = None,
        subject_id: UUID | None = None, after: After = None,
    ) -> Response[bytes]:
        """The decision log as filtered on /ui/decisions, newest first."""
        await reads.caught_up(after)
        in_order(decided_from, decided_to)
        found = await reads.decisions.log(LARGE, kind=kind, decided_from=decided_from, decided_to=decided_to,
                                          subject_id=subject_id, newest_first=True)
        shown = await decisions_shown(reads, found)
        held_on = {UUID(str(m["id"])): m["held_on"] for m in await reads.decisions.meetings()}
        rows = [[
            d.decided_on, DECISION_KIND.get(d.kind, d.kind),
            "; ".join(_subject(sj.kind, sj.name) for sj in d.subjects), d.rationale,
            held_on.get(d.meeting_id) if d.meeting_id else None,
            ", ".join(ERASED if x.erased else (x.name or "ikke registreret") for x in d.deciders),
            d.effective_from, d.period_from, d.period_to,
            "; ".join(f"{p.rank}. {p.title or '(uden titel)'}" for p in sorted(d.priorities, key=lambda p: p.rank)),
            d.recorded_at, d.recorded_by or "", d.position,
        ] for d in shown]
        said: list[tuple[str, str]] = []
        if kind is not None:
            said.append(("Beslutning", DECISION_KIND.get(kind, kind)))
        if decided_from is not None:
            said.append(("Besluttet fra", f"{decided_from:%d-%m-%Y}"))
        if decided_to is not None:
            said.append(("Besluttet til", f"{decided_to:%d-%m-%Y}"))
        if subject_id is not None:
            names = {sj.id: sj.name for d in shown for sj in d.subjects}
            said.append(("Om", names.get(subject_id) or "det valgte emne"))
        point = await anyio.to_thread.run_sync(checkpoint_of, transparency)
        day = reads.today()
        front = preface("Beslutningslog", reads, said, None, None, point)
        return download(await _write(format, sheet_name("Beslutningslog", day), DECISION_HEADERS, rows, front),
                        format, "beslutninger", day)

    @get("/systems/{system_id:uuid}/evidence", operation_id="uiEvidence")
    async def evidence(
        self, system_id: UUID, reads: ReadSide, transparency: TransparencyLog, format: Format = "xlsx",  # noqa: A002
        after: After = None,
    ) -> Response[bytes]:
        """The system's timeline as the auditor's evidence: every fact, who recorded it, when and why."""
        await reads.caught_up(after)
        row = await reads.systems.get(system_id, reads.today())
        if row is None:
            raise SystemNotFound(id=system_id)
        timeline = await timeline_of(reads, system_id, reads.now())
        decided = {}
        for d in {f.decision_id for r in timeline.roles for f in r.facts if f.decision_id}:
            found = await reads.decisions.get(d)
            if found is not None:
                decided[d] = f"{DECISION_KIND.get(found['kind'], found['kind'])} {found['decided_on']:%d-%m-%Y}"
        rows = evidence_rows(timeline, decided)
        point = await anyio.to_thread.run_sync(checkpoint_of, transparency)
        day = reads.today()
        front = preface(f"Dokumentation for {row['name']}", reads, [("System", row["name"])], None,
                        timeline.known_at, point)
        return download(await _write(format, sheet_name(row["name"], day), EVIDENCE_HEADERS, rows, front),
                        format, f"dokumentation-{_slug(row['name'])}", day)
