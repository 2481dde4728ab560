"""The pack's PDF: the same rows for a person to read, in Danish, A4 with page numbers, rendered
from an HTML template by WeasyPrint (which embeds the fonts it uses: DejaVu Sans, from Debian's
fonts-dejavu-core). The summary page comes first; each section is headed with the control it
evidences, and each row is a line of heading: value pairs (WeasyPrint lays out a table cell by cell:
1,600 rows of 15 cells took 30-40 s, as lines 4 s). A section longer than MAX_ROWS rows shows its
first MAX_ROWS and says that the rest is in the workbook."""

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


#: What the PDF leaves to the workbook, by section: the log positions, and of the owners what a
#: reader of one line per system can do without (WeasyPrint's time goes with the text it lays out).
HIDDEN = {name: {h for h in headers if h.startswith("Logposition")} for name, headers in HEADERS.items()}
HIDDEN["Ejere"] |= {"System", "Livscyklus", "Rolle", "Til", "Begrundelse", "Registreret", "Registreret af", "Uklart siden"}
HIDDEN["Ændringer"] |= {"System"}
HIDDEN["Bekræftelser"] |= {"System"}
HIDDEN["Uklart ansvar"] |= {"System"}


def lines(name: str, rows: list[Row]) -> list[tuple[str, str]]:
    """Each row as (what it is about, its other cells as `heading: value`); the owners one line per
    system, its roles after one another."""
    headers = HEADERS[name]
    hidden = {i for i, h in enumerate(headers) if h in HIDDEN[name]}

    def rest(row: Row) -> str:
        return " · ".join(f"{headers[i]}: {cell(v)}" for i, v in enumerate(row.cells)
                          if i not in hidden and v is not None and v != "")

    if name != "Ejere":
        return [(cell(r.cells[0]), rest(r)) for r in rows]
    grouped: list[tuple[str, str]] = []
    for r in rows:
        role = f"{r.cells[2]}: {rest(r)}"
        title = f"{r.cells[0]} ({r.cells[1]})"
        if grouped and grouped[-1][0] == title:
            grouped[-1] = (title, grouped[-1][1] + "; " + role)
        else:
            grouped.append((title, role))
    return grouped


def html(q: Question, summary: Summary, rows: dict[str, list[Row]], checkpoint: Checkpoint) -> str:
    coverage = f"{100 * summary.attested / summary.in_use:.1f}".replace(".", ",") if summary.in_use else None
    return _ENV.get_template("revision.html").render(
        q=q, summary=summary, rows=rows, headers=HEADERS, controls=CONTROLS, checkpoint=checkpoint, lines=lines, max_rows=MAX_ROWS,
        coverage=coverage, cell=cell, dato=dato, recorded=recorded,
    )


def render(q: Question, summary: Summary, rows: dict[str, list[Row]], checkpoint: Checkpoint) -> bytes:
    from weasyprint import HTML

    return HTML(string=html(q, summary, rows, checkpoint)).write_pdf()
