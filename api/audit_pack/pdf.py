"""The pack's PDF: the same rows for a person to read, in Danish, A4 with page numbers, rendered
from an HTML template by WeasyPrint (which embeds the fonts it uses: DejaVu Sans, from Debian's
fonts-dejavu-core). The summary page comes first; each section is headed with the control it
evidences, and each row is a line of words (WeasyPrint lays out a table cell by cell: 1,600 rows of
15 cells took 30-40 s, as lines of heading: value pairs 5 s of CPU, as words without the headings
2.5 s). A section longer than MAX_ROWS rows shows its first MAX_ROWS and says that the rest is in the
workbook: the PDF of the national set (30,000 systems) is a summary and the first MAX_ROWS of each
section, the workbook and evidence.json hold every row."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.audit_pack.sections import HEADERS, IN_TIME, Question, Row, Summary, recorded
from infra.checkpoints import Checkpoint
from infra.phrasebook.da.dates import dato, short_date

MAX_ROWS = 1500
CONTROLS = {
    "Ejere": ("ISO/IEC 27001:2022 A.5.9 (fortegnelse over aktiver med ejere); NIS2-loven § 6 (styring af aktiver)",
              "Hvert system med hver rolles indehaver på balancedagen, siden hvornår, på hvilket grundlag, seneste"
              " bekræftelse, og om ansvaret er uklart."),
    "Ændringer": ("ISO/IEC 27001:2022 A.5.9 (ændringer i fortegnelsen kan spores); NIS2-loven § 6",
                  "Hver ansvarsregistrering, der trådte i kraft eller blev registreret i perioden: hvem registrerede,"
                  " i hvilken egenskab, hvorfor, og om den blev tilbagedateret."),
    "Bekræftelser": ("ISO/IEC 27001:2022 A.5.9 (fortegnelsen holdes ajour); NIS2-loven § 6 og § 7 (ledelsens tilsyn)",
                     "Systemer i drift på balancedagen og om systemejeren har bekræftet sit ansvar inden for fristen."),
    "Uklart ansvar": ("ISO/IEC 27001:2022 A.5.9; NIS2-loven § 6",
                      "Hver periode med uklart ansvar, der overlapper perioden, med regel og længde i dage."),
    "Beslutninger": ("NIS2-loven § 7 (ledelsen godkender og fører tilsyn); ISO/IEC 27001:2022 A.5.9",
                     "Porteføljerådets beslutninger i perioden med begrundelse, møde og følger; afviklinger med arkivpligt."),
}
_ENV = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape())
_ENV.filters["short_date"] = short_date


def cell(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return short_date(value)  # type: ignore[arg-type]
    return str(value)


def shown(row: Row) -> bool:
    """Whether the PDF shows a row it is handed: of the attestation rows only those that are not in time."""
    return row.section != "Bekræftelser" or (row.cells[4] != IN_TIME and row.system_id is not None)


def _by_name(name: str, row: Row) -> dict[str, object]:
    return dict(zip(HEADERS[name], row.cells))


def _join(*parts: object) -> str:
    return ", ".join(str(p) for p in parts if p not in (None, ""))


def _owner(c: dict[str, object]) -> str:
    """One role of a system, in a few words: who, since when, on what basis, last attested, and
    whether responsibility is unclear (the workbook has the rest: rationale, recorder, positions)."""
    who = c["Indehaver"] if c["Status"] == "Besat" and c["Indehaver"] else str(c["Status"]).lower()
    said = _join(who, f"siden {cell(c['Siden'])}" if c["Siden"] else None, c["Grundlag"] if c["Grundlag"] else None,
                 f"bekræftet {cell(c['Senest bekræftet'])}" if c["Senest bekræftet"] else None)
    return f"{c['Rolle']}: {said}" + (f" (uklart: {c['Uklart ansvar']})" if c["Uklart ansvar"] else "")


def _change(c: dict[str, object]) -> str:
    period = f"{cell(c['Fra'])}–{cell(c['Til'])}" if c["Til"] else f"fra {cell(c['Fra'])}"
    who = c["Person"] if c["Art"] == "Tildeling" else "ubesat"
    return (f"{c['Rolle']}: {who} {period}; registreret {c['Registreret']}"
            + (f" af {c['Registreret af']}" if c["Registreret af"] else "") + (f" ({c['Som']})" if c["Som"] else "") + f"; {c['Grundlag']}"
            + (f": {c['Begrundelse']}" if c["Begrundelse"] else "")
            + ("; tilbagedateret" if c["Tilbagedateret"] == "Ja" else ""))


def _attestation(c: dict[str, object]) -> str:
    if not c["Systemejer"]:
        return str(c["Status"])
    return _join(c["Systemejer"], f"senest bekræftet {cell(c['Senest bekræftet'])}" if c["Senest bekræftet"] else
                 "aldrig bekræftet", f"frist {cell(c['Næste frist'])}", str(c["Status"]).lower())


def _gap(c: dict[str, object], row: Row) -> str:
    period = f"{cell(c['Fra'])}–{cell(c['Til'])}" if c["Til"] else f"fra {cell(c['Fra'])}"
    return f"{c['Regel']}" + (f" ({c['Rolle']})" if c["Rolle"] else "") + f": {period}, {c['Dage']} dage"


def _decision(c: dict[str, object]) -> str:
    return "; ".join(f"{h}: {cell(c[h])}" for h in ("Beslutning", "Begrundelse", "Emner", "Møde", "Besluttet af",
                                                     "Følger", "Arkivpligt", "Registreret") if c[h] not in (None, ""))


def lines(name: str, rows: list[Row]) -> list[tuple[str, str]]:
    """Each row as (what it is about, the rest in a few Danish words); the owners one line per
    system, its roles after one another. WeasyPrint's time goes with the text it lays out and draws
    (glyph by glyph), so the PDF says each row in words, without repeating the headings, and leaves
    the log positions, rationales and recorders of the owners to the workbook."""
    if name == "Beslutninger":
        return [(cell(r.cells[0]), _decision(_by_name(name, r))) for r in rows]
    if name == "Ejere":
        grouped: list[tuple[str, str]] = []
        for r in rows:
            title, role = f"{r.cells[0]} ({r.cells[1]})", _owner(_by_name(name, r))
            if grouped and grouped[-1][0] == title:
                grouped[-1] = (title, grouped[-1][1] + "; " + role)
            else:
                grouped.append((title, role))
        return grouped
    said = {"Ændringer": lambda r: _change(_by_name(name, r)), "Bekræftelser": lambda r: _attestation(_by_name(name, r)),
            "Uklart ansvar": lambda r: _gap(_by_name(name, r), r)}[name]
    return [(cell(r.cells[0]), said(r)) for r in rows]


def html(q: Question, summary: Summary, rows: dict[str, list[Row]], checkpoint: Checkpoint) -> str:
    coverage = f"{100 * summary.attested / summary.in_use:.1f}".replace(".", ",") if summary.in_use else None
    return _ENV.get_template("revision.html").render(
        q=q, summary=summary, rows=rows, headers=HEADERS, controls=CONTROLS, checkpoint=checkpoint, lines=lines, max_rows=MAX_ROWS,
        coverage=coverage, cell=cell, dato=dato, recorded=recorded,
    )

