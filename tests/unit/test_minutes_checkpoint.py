"""The decision-log export ends with the signed checkpoint, one line of the note per row. The CSV
writes a cell that starts like a formula with Excel's text apostrophe in front, and a root hash
in base64 starts with `+` one time in 64: the note must still come back exactly as signed."""

from __future__ import annotations

import csv
import io

import pytest

from usecases.registers import checkpoint_in_minutes, checkpoint_rows
from infra import spreadsheet
from infra.checkpoints import Checkpoint, SigningKey, VerifierKey
from infra.transparency import NotSigning

KEY = SigningKey.generate("ansvar.testkommune.dk/log")
PLUS = bytes([0xF8]) + bytes(31)  # base64 "+AAA...": the first six bits are 62
SLASH = bytes([0xFC]) + bytes(31)  # base64 "/AAA..."


class _Signing:
    def __init__(self, root: bytes) -> None:
        self.root = root

    def checkpoint(self) -> Checkpoint:
        return Checkpoint("ansvar.testkommune.dk/log", 7, self.root).signed(KEY)


class _Unsigned:
    def checkpoint(self) -> Checkpoint:
        raise NotSigning("no key")


def minutes(kind: str, transparency) -> bytes:
    rows = [["2026-03-01", "Godkendt", "Chatbot"], [], *checkpoint_rows(transparency)]
    return spreadsheet.write(kind, "Beslutningslog", ["Dato", "Beslutning", "Forslag"], rows)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("root", [PLUS, SLASH, bytes(32)], ids=["plus", "slash", "plain"])
def test_the_minutes_give_back_the_note_exactly_as_signed(kind, root):
    note = _Signing(root).checkpoint().note()
    found = checkpoint_in_minutes(minutes(kind, _Signing(root)), f"beslutninger.{kind}")
    assert found == note
    assert VerifierKey.parse(str(KEY.verifier)).verifies(Checkpoint.parse(found))


def test_in_the_csv_a_root_that_starts_like_a_formula_is_written_as_excel_text():
    rows = list(csv.reader(io.StringIO(minutes("csv", _Signing(PLUS)).decode("utf-8-sig")), delimiter=";"))
    root_line = [r[1] for r in rows if r and r[0] == "Logens kontrolpunkt"][2]
    assert root_line.startswith("'+")  # Excel shows it as the text it is, not a formula


def test_minutes_without_a_signing_key_hold_no_checkpoint():
    assert checkpoint_in_minutes(minutes("csv", _Unsigned()), "beslutninger.csv") is None
