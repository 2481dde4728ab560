"""The pack's workbook (ansvar-revision.xlsx), written as its rows come: each sheet's rows go as
SpreadsheetML to a file of their own, and `save` puts the sheets and the few fixed parts of an xlsx
into one zip. Every text is an inline string (nothing held in a shared-strings table, and never a
formula), every date a date cell shown as Danes write it (DD.MM.YYYY), the header row bold and
frozen.

Why not openpyxl, which the rest of ansvar uses for spreadsheets: its write-only mode makes a cell
object per value, ~12 µs a cell; the national pack's 300,000 rows of up to 15 cells spent ~45 s of
CPU in it (~34 s with lxml), this writer ~5 s. The format written is the small part of ECMA-376
these five sheets need; verify.py reads it back with the standard library, openpyxl and Excel open it.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

#: What an XML 1.0 file cannot hold (C0 controls but tab, LF and CR; U+FFFE, U+FFFF; a lone
#: surrogate), as U+FFFD in both the workbook and evidence.json.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
EPOCH = date(1899, 12, 30).toordinal()  # Excel's day 0 (its day 60, 29.02.1900, never was: dates after are right)
DATE_STYLE, BOLD_STYLE = 1, 2
_CR = {"\r": "&#13;"}  # a parser reads a CR written as it is as LF: written as a reference it stays
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def clean(text: str) -> str:
    return NOT_IN_XML.sub("\ufffd", text)


def column(k: int) -> str:
    name = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        name = chr(65 + r) + name
    return name


class Workbook:
    """Sheets by name, in the order given; `append` writes a row to its sheet's file at once."""

    def __init__(self, folder: Path, headers: dict[str, list[str]]) -> None:
        self.names = list(headers)
        self.files: dict[str, IO[str]] = {}
        self.lines: dict[str, int] = {}
        self.columns = [column(k) for k in range(max(len(h) for h in headers.values()) + 1)]
        for n, (name, header) in enumerate(headers.items(), 1):
            self.files[name] = open(folder / f"sheet{n}.xml", "w", encoding="utf-8")
            self.lines[name] = 0
            self._row(name, header, BOLD_STYLE)

    def append(self, name: str, cells: list[Any]) -> None:
        self._row(name, cells, 0)

    def _row(self, name: str, cells: list[Any], style: int) -> None:
        self.lines[name] += 1
        line = str(self.lines[name])
        s = f' s="{style}"' if style else ""
        out = [f'<row r="{line}">']
        for k, v in enumerate(cells):
            if v is None or v == "":
                continue
            ref = self.columns[k] + line
            if isinstance(v, str):
                out.append(f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{escape(clean(v), _CR)}</t></is></c>')
            elif isinstance(v, bool):
                out.append(f'<c r="{ref}"{s} t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, int):
                out.append(f'<c r="{ref}"{s}><v>{v}</v></c>')
            elif isinstance(v, date):
                out.append(f'<c r="{ref}" s="{DATE_STYLE}"><v>{v.toordinal() - EPOCH}</v></c>')
            else:
                raise TypeError(f"a pack cell is text, a whole number or a date, not {type(v).__name__}")
        out.append("</row>")
        self.files[name].write("".join(out))

    def save(self, path: Path) -> None:
        """The xlsx at `path`; each sheet's rows copied in from its file."""
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
            book.writestr("[Content_Types].xml", _content_types(len(self.names)))
            book.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships'
                          f' xmlns="{_PKG}"><Relationship Id="rId1" Type="{_REL}/officeDocument"'
                          ' Target="xl/workbook.xml"/></Relationships>')
            book.writestr("xl/workbook.xml", _workbook(self.names))
            book.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(self.names)))
            book.writestr("xl/styles.xml", STYLES)
            for n, name in enumerate(self.names, 1):
                rows = self.files[name]
                rows.close()
                with book.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as sheet:
                    sheet.write(SHEET_HEAD.encode("utf-8"))
                    with open(rows.name, "rb") as source:
                        while chunk := source.read(1 << 20):
                            sheet.write(chunk)
                    sheet.write(b"</sheetData></worksheet>")

    def close(self) -> None:
        for rows in self.files.values():
            rows.close()


SHEET_HEAD = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}"'
              f' xmlns:r="{_REL}"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2"'
              ' activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView></sheetViews>'
              "<sheetData>")

STYLES = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
          '<numFmts count="1"><numFmt numFmtId="164" formatCode="DD.MM.YYYY"/></numFmts>'
          '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
          '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
          '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
          '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
          '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
          '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
          '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
          '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
          '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def _content_types(sheets: int) -> str:
    parts = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_SHEET_TYPE}"/>'
                    for n in range(1, sheets + 1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types'
            ' xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml"'
            ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml"'
            ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{parts}</Types>")


def _workbook(names: list[str]) -> str:
    sheets = "".join(f'<sheet name={quoteattr(name)} sheetId="{n}" r:id="rId{n}"/>' for n, name in enumerate(names, 1))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            f"<sheets>{sheets}</sheets></workbook>")


def _workbook_rels(sheets: int) -> str:
    rels = "".join(f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                   for n in range(1, sheets + 1))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG}">{rels}'
            f'<Relationship Id="rId{sheets + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>')
