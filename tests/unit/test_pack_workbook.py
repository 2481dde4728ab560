"""The pack's workbook writer (api/audit_pack/workbook.py): what it writes, openpyxl and the pack's
own stdlib reader (infra/pack_verify.py) read back as written: texts as texts (a formula-like text
too, a CR too, a control character as U+FFFD), whole numbers, dates as date cells; bold, frozen header."""

from __future__ import annotations

from datetime import date

import openpyxl

from api.audit_pack.workbook import Workbook, column
from infra.pack_verify import Workbook as Read

HEADERS = {"Ejere": ["System", "Siden", "Dage"], "Ændringer": ["A", "B"]}
ROWS = [("Ejere", ["Løn & <HR>", date(2025, 3, 1), 42]), ("Ændringer", ["=1+1", "a\r\nb"]),
        ("Ejere", ["x\x07y", None, 0]), ("Ejere", [" spaced ", date(1900, 3, 1), -3]), ("Ændringer", [None, "z"])]


def written(tmp_path):
    book = Workbook(tmp_path, HEADERS)
    for name, cells in ROWS:
        book.append(name, cells)
    book.save(tmp_path / "book.xlsx")
    return tmp_path / "book.xlsx"


def test_columns_are_named_as_spreadsheets_name_them():
    assert [column(k) for k in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ",
                                                                          "AAA"]


def test_openpyxl_reads_back_what_was_written(tmp_path):
    book = openpyxl.load_workbook(written(tmp_path))
    assert book.sheetnames == list(HEADERS)
    owners = book["Ejere"]
    assert [c.value for c in owners[1]] == HEADERS["Ejere"] and owners["A1"].font.b and owners.freeze_panes == "A2"
    assert [c.value for c in owners[2]] == ["Løn & <HR>", openpyxl.utils.datetime.from_excel(45717), 42]
    assert owners["B2"].number_format == "DD.MM.YYYY" and owners["B2"].is_date
    assert [c.value for c in owners[3]] == ["x\ufffdy", None, 0]
    assert [c.value for c in owners[4]][0] == " spaced "
    changes = book["Ændringer"]
    assert [c.value for c in changes[2]] == ["=1+1", "a\r\nb"] and changes["A2"].data_type == "s"


def test_the_packs_own_reader_reads_back_what_was_written(tmp_path):
    read = Read(str(written(tmp_path)))
    try:
        assert list(read.rows("Ejere")) == [HEADERS["Ejere"], ["Løn & <HR>", "2025-03-01", 42], ["x\ufffdy", None, 0],
                                            [" spaced ", "1900-03-01", -3]]
        assert list(read.rows("Ændringer")) == [HEADERS["Ændringer"], ["=1+1", "a\r\nb"], [None, "z"]]
    finally:
        read.close()
