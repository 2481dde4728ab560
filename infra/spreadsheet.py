"""Reading and writing spreadsheets: CSV (`;`, `,` or tab; UTF-8 with or without BOM, or cp1252;
any line ends) and XLSX (the header may sit below title rows, on any sheet).

Reading yields the header's field -> column header names and the data rows as (row number in
the sheet, field -> cell); what the cells mean is domain/inventory.py's business.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from domain import inventory as inv
from domain.clock import COPENHAGEN
from domain.errors import InvalidValue

MAX_FILE_BYTES = 5_000_000
MAX_ROWS = 20_000


class UnreadableFile(InvalidValue):
    slug = "unreadable-spreadsheet"
    title = "The file is not a spreadsheet this service can read"


class NoHeader(InvalidValue):
    slug = "no-recognisable-header"
    title = "No row of the file looks like an IT-system inventory header"


class FileTooLarge(InvalidValue):
    slug = "file-too-large"
    title = "The file is too large to import"


@dataclass(frozen=True)
class Sheet:
    file: str
    sha256: str
    sheet: str | None
    headers: dict[str, str]  # field -> the header text in the file
    rows: list[tuple[int, dict[str, Any]]]


def read_mapping(content: bytes) -> dict[str, str]:
    """A mapping file: JSON {"header in file": "field"} or CSV lines `header;field`."""
    text = _decode(content)
    try:
        mapping = json.loads(text)
    except ValueError:
        mapping = {r[0].strip(): r[1].strip() for r in csv.reader(io.StringIO(text), _dialect(text)) if len(r) >= 2}
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise InvalidValue("mapping-not-a-map", field="mapping")
    unknown = sorted(set(mapping.values()) - set(inv.HEADERS))
    if unknown:
        raise InvalidValue("mapping-unknown-fields", field="mapping", unknown=unknown, allowed=list(inv.HEADERS))
    return mapping


def read(content: bytes, file: str, mapping: dict[str, str] | None = None) -> Sheet:
    """Read an inventory file; raises UnreadableFile, NoHeader or FileTooLarge (nothing is guessed)."""
    if len(content) > MAX_FILE_BYTES:
        raise FileTooLarge("too-many-bytes", field="file", file=file, size=len(content), limit=MAX_FILE_BYTES)
    if not content.strip():
        raise UnreadableFile("empty-file", field="file", file=file)
    sha = hashlib.sha256(content).hexdigest()
    for sheet, rows in tables(content, file):
        found = inv.find_header(rows, mapping)
        if found is None:
            continue
        index, columns = found
        data = rows[index + 1 :]
        if len(data) > MAX_ROWS:
            raise FileTooLarge("too-many-rows", field="file", file=file, size=len(data), limit=MAX_ROWS)
        headers = {f: str(rows[index][c]).strip() for f, c in columns.items()}
        parsed = [
            (index + 2 + i, {f: (r[c] if c < len(r) else None) for f, c in columns.items()}) for i, r in enumerate(data)
        ]
        return Sheet(file, sha, sheet, headers, parsed)
    raise NoHeader(field="file", file=file)


def tables(content: bytes, file: str) -> list[tuple[str | None, list[list[Any]]]]:
    """Every sheet's rows as cells, read as the import reads them (a CSV cell's formula guard taken
    away again): for finding something in a file this service wrote, such as the minutes' checkpoint.
    No size limit here: that is the import's, for what is sent to it (`read`)."""
    if content[:4] == b"PK\x03\x04":
        return _xlsx(content, file)
    if b"\x00" in content[:4096]:
        raise UnreadableFile("not-csv-or-xlsx", field="file", file=file)
    return [(None, _csv(content))]


def _decode(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")  # Danish Excel's "CSV (semikolonsepareret)"


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    sample = "\n".join(text.splitlines()[:30])
    counts = {d: sample.count(d) for d in (";", "\t", ",")}
    delimiter = max(counts, key=lambda d: counts[d])

    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter
    return Dialect


#: A cell starting with one of these is a formula to Excel (CSV injection): the exports write it
#: with a leading apostrophe, which Excel shows as text, and the import takes that away again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _unquoted(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:2] and cell[1:].startswith(FORMULA_START) else cell


def _csv(content: bytes) -> list[list[Any]]:
    text = _decode(content)
    try:
        return [[_unquoted(c) for c in row] for row in csv.reader(io.StringIO(text, newline=""), _dialect(text))]
    except csv.Error as exc:
        raise UnreadableFile("unreadable-csv", field="file", reason=str(exc)) from None


def _xlsx(content: bytes, file: str) -> list[tuple[str, list[list[Any]]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableFile("unreadable-xlsx", field="file", file=file, reason=str(exc)) from None
    try:
        return [(ws.title, [list(r) for r in ws.iter_rows(max_row=MAX_ROWS + 50, values_only=True)]) for ws in book.worksheets]
    finally:
        book.close()


# Writing ----------------------------------------------------------------------------------------

def local_time(value: datetime) -> str:
    """A record time as a Dane reads it and a script parses it: Danish local time with its offset,
    to the second (2026-12-07 13:45:12+01:00). A time without a zone is UTC, as the store keeps them."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    return aware.astimezone(COPENHAGEN).isoformat(sep=" ", timespec="seconds")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if isinstance(value, datetime):
        return local_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float, str)):
        return value
    return str(value)  # an id (UUID) and the like: as text, which every spreadsheet can hold


#: What an XLSX cell cannot hold (XML 1.0 has no C0 controls but tab, LF and CR, and no U+FFFE,
#: U+FFFF) and what no UTF-8 file can (a lone surrogate): openpyxl raised on the first, and the
#: whole export was a 500. Old events may hold them (the API refuses them now).
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _visible(char: str) -> str:
    """A control character as its picture (U+2400 + code: NUL is ␀, BEL ␇), so a reader
    sees that it was there; anything else unwritable as U+FFFD."""
    return chr(0x2400 + ord(char)) if ord(char) < 0x20 else "\ufffd"


def xml_safe(text: str) -> str:
    return _NOT_IN_XML.sub(lambda m: _visible(m.group()), text)


#: Excel refuses these in a sheet's name, and a name longer than 31 characters (UTF-16 units),
#: blank, or starting or ending with an apostrophe; "History" is its own.
_NOT_IN_SHEET_TITLE = re.compile(r"[:\\/?*\[\]\x00-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
SHEET_TITLE_MAX = 31


def sheet_title(text: str, fallback: str = "Ark") -> str:
    """A sheet title Excel accepts, made from any text: the forbidden characters become `-`, the
    rest is cut to 31 UTF-16 units (Excel counts an emoji twice), apostrophes and spaces off the ends."""
    title = " ".join(_NOT_IN_SHEET_TITLE.sub("-", text).split())
    while len(title.encode("utf-16-le")) > SHEET_TITLE_MAX * 2:
        title = title[:-1]
    title = title.strip(" '")
    if not title or title.casefold() == "history":
        return fallback
    return title


def _inert(value: Any) -> Any:
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def _utf8(value: Any) -> Any:
    return _LONE_SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value


def write_csv(headers: list[str], rows: list[list[Any]], preface: Sequence[Sequence[Any]] = ()) -> bytes:
    """Semicolon-separated UTF-8 with a BOM and CRLF: what Danish Excel opens without asking. The
    `preface` (what was asked, and when) comes first, with a blank line before the header."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    if preface:
        writer.writerows([[_utf8(_inert(_cell(v))) for v in r] for r in preface])
        writer.writerow([])
    writer.writerow([_utf8(_inert(h)) for h in headers])
    writer.writerows([[_utf8(_inert(_cell(v))) for v in r] for r in rows])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def _xlsx_cell(value: Any) -> Any:
    """A value as an XLSX cell holds it: a date as a date (the cell's format shows it), a record
    time as Danish local time with its offset (text: a spreadsheet's time has no zone), text made
    safe for XML."""
    if isinstance(value, datetime):
        return local_time(value)
    if isinstance(value, date):
        return value
    shown = _cell(value)
    return xml_safe(shown) if isinstance(shown, str) else shown


DATE_FORMAT = "dd-mm-yyyy"  # as Danes write a date in a spreadsheet; the cell stays a date, sortable
WIDTH_SAMPLE = 2_000  # rows looked at for a column's width
MIN_WIDTH, MAX_WIDTH = 8, 60


def _width(value: Any) -> int:
    if isinstance(value, date) and not isinstance(value, datetime):
        return 10
    return max((len(line) for line in str(value).split("\n")), default=0)


def write_xlsx(title: str, headers: list[str], rows: list[list[Any]], preface: Sequence[Sequence[Any]] = ()) -> bytes:
    """One sheet named `title`: the `preface` rows (their first cell bold), a blank row, the bold
    header frozen in place, the rows; dates as date cells, columns as wide as what they hold."""
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = sheet_title(title)
    bold = Font(bold=True)
    widths: dict[int, int] = {}

    def append(values: list[Any], sample: bool = True) -> None:
        sheet.append([_xlsx_cell(v) for v in values])
        for i, cell in enumerate(sheet[sheet.max_row]):
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, as typed: openpyxl would otherwise store it as a formula
            elif isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT
            if sample and cell.value is not None:
                widths[i] = max(widths.get(i, 0), _width(cell.value))

    for r in preface:
        append(list(r), sample=False)
        sheet.cell(row=sheet.max_row, column=1).font = bold
    if preface:
        sheet.append([])
    append(list(headers))
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = bold
    for n, r in enumerate(rows):
        append(r, sample=n < WIDTH_SAMPLE)
    for r in preface:  # the preface's labels widen the first column; its values may run on
        widths[0] = max(widths.get(0, 0), _width(r[0]) if r else 0)
    for i, w in widths.items():
        sheet.column_dimensions[get_column_letter(i + 1)].width = min(MAX_WIDTH, max(MIN_WIDTH, w + 2))
    sheet.freeze_panes = f"A{header_row + 1}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write(kind: str, title: str, headers: list[str], rows: list[list[Any]], preface: Sequence[Sequence[Any]] = ()) -> bytes:
    """The table as `kind` (csv | xlsx), after its `preface` (rows saying what it holds)."""
    if kind == "csv":
        return write_csv(headers, rows, preface)
    if kind == "xlsx":
        return write_xlsx(title, headers, rows, preface)
    raise InvalidValue("not-a-choice", field="format", allowed=["csv", "xlsx"])


MEDIA_TYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
