#!/usr/bin/env python3
"""Check an ansvar auditor's pack (ansvar-revision.zip) with nothing but Python 3.9+ and `cryptography`.

    python verify.py PACK.zip [--key VERIFIER_KEY] [--json]

It checks, and stops at the first thing that fails, naming it:
  1. the checkpoint in evidence.json is signed by the log's key (given with --key, as the
     installation publishes it at GET /log/key; without --key the key the pack names is trusted);
  2. every inclusion proof (RFC 9162, section 2.1.3.2) leads from its log entry to the
     checkpoint's root hash, and the entry names the log position it is proved for;
  3. every row of evidence.json rests on positions that have a proof, and a row about a system
     rests on that system's own events;
  4. every row of every sheet of ansvar-revision.xlsx equals its row in evidence.json, cell by cell.

Exit status 0: the pack verifies; 1: it does not (the line FAILED says where); 2: it cannot be read.
This file is also what `ansvar verify --pack` runs: one verifier, not two.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from typing import IO
from xml.etree import ElementTree

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

WORKBOOK, EVIDENCE = "ansvar-revision.xlsx", "evidence.json"
SYSTEM_SECTIONS = ("Ejere", "Ændringer", "Bekræftelser", "Uklart ansvar")
DASH = "\u2014"
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


class Failed(Exception):
    """The pack does not verify; the message says where."""


class Unreadable(Exception):
    """Not a pack this script can read."""


# The checkpoint (C2SP signed-note and tlog-checkpoint) -------------------------------------------

def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise Failed(f"not base64: {text[:40]!r}") from None


def parse_key(text: str) -> tuple[str, bytes, bytes]:
    """A verifier key `<name>+<8 hex key id>+<base64(0x01 || Ed25519 public key)>`: (name, key id, public key)."""
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise Unreadable("a verifier key is <name>+<key id>+<base64 key>")
    name, hex_id, material = parts[0], parts[1], _b64(parts[2])
    if len(material) != 33 or material[0] != 0x01:
        raise Unreadable("only Ed25519 verifier keys (type 0x01) are supported")
    ident = hashlib.sha256(name.encode("utf-8") + b"\n" + material[:1] + material[1:]).digest()[:4]
    if ident.hex() != hex_id.lower():
        raise Unreadable(f"the key id {hex_id} is not the one the key's name and bytes make")
    return name, ident, material[1:]


def check_checkpoint(note: str, key: str) -> tuple[str, int, bytes]:
    """The checkpoint's origin, tree size and root hash, once its signature by `key` verifies."""
    text, sep, signatures = note.rpartition("\n\n")
    lines = text.split("\n")
    if not sep or len(lines) != 3 or not lines[1].isdigit():
        raise Failed("the checkpoint is not a signed note of origin, tree size and root hash")
    name, ident, public = parse_key(key)
    for line in signatures.split("\n"):
        if not line.startswith(DASH + " "):
            continue
        signer, _, encoded = line[2:].rpartition(" ")
        raw = _b64(encoded)
        if signer != name or raw[:4] != ident:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], (text + "\n").encode("utf-8"))
        except InvalidSignature:
            raise Failed(f"the checkpoint's signature by {name} does not verify: the note was altered") from None
        root = _b64(lines[2])
        if len(root) != 32:
            raise Failed("the checkpoint's root hash is not 32 bytes")
        return lines[0], int(lines[1]), root
    raise Failed(f"the checkpoint is not signed by {name}: it comes from another installation, or its"
                 " signature was replaced")


# Inclusion proofs (RFC 9162, section 2.1.3.2) -----------------------------------------------------

def root_from_inclusion(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes | None:
    """The root an inclusion proof leads to, or None when the proof has the wrong shape."""
    if not 0 <= index < size:
        return None
    fn, sn = index, size - 1
    r = hashlib.sha256(b"\x00" + leaf).digest()
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None


def check_proof(position: str, proof: dict, size: int, root: bytes) -> str:
    """The proof leads to the root; the aggregate id the proved entry names."""
    leaf = _b64(proof["leaf"])
    found = root_from_inclusion(leaf, int(proof["leaf_index"]), size, [_b64(h) for h in proof["hashes"]])
    if found != root:
        raise Failed(f"the inclusion proof of log position {position} does not lead to the checkpoint's root")
    lines = leaf.decode("utf-8", errors="replace").split("\n")
    if len(lines) < 3 or lines[1] != str(position):
        raise Failed(f"the log entry proved for position {position} names position {lines[1:2]}")
    return lines[2]


def check_row(n: int, row: dict, owners: dict[int, str]) -> None:
    for position in row["positions"]:
        if position not in owners:
            raise Failed(f"{_row_name(row, n)} rests on log position {position}, which has no proof")
        if row["section"] in SYSTEM_SECTIONS and row.get("system_id") and owners[position] != row["system_id"]:
            raise Failed(f"{_row_name(row, n)} rests on log position {position}, an event of another"
                         f" aggregate ({owners[position]})")


# evidence.json, read a value at a time ---------------------------------------------------------------

ENDS = frozenset(",]}: \t\r\n")


class JsonStream:
    """The top-level object of a JSON file, one member at a time, and the items of a member that is
    an array or an object one at a time: a national pack's evidence.json is hundreds of megabytes,
    and only one item of it is held at once."""

    CHUNK = 1 << 20

    def __init__(self, text: io.TextIOBase) -> None:
        self.text, self.buf, self.at, self.eof = text, "", 0, False
        self.decoder = json.JSONDecoder()

    def _more(self) -> bool:
        if self.eof:
            return False
        chunk = self.text.read(self.CHUNK)
        self.buf, self.at = self.buf[self.at:] + chunk, 0
        self.eof = not chunk
        return bool(chunk)

    def _peek(self) -> str:
        while True:
            while self.at < len(self.buf) and self.buf[self.at] in " \t\r\n":
                self.at += 1
            if self.at < len(self.buf):
                return self.buf[self.at]
            if not self._more():
                raise Unreadable("evidence.json ends too early")

    def _take(self, expected: str) -> None:
        if self._peek() != expected:
            raise Unreadable(f"evidence.json: {expected!r} expected at {self.buf[self.at:self.at + 20]!r}")
        self.at += 1

    def value(self) -> object:
        """The next JSON value whole. A value is taken when what follows it ends it (a number cut at
        the buffer's end, 12 of 12.5, is not yet the number): else more is read first."""
        self._peek()
        while True:
            try:
                found, end = self.decoder.raw_decode(self.buf, self.at)
                if (end < len(self.buf) and self.buf[end] in ENDS) or self.eof:
                    self.at = end
                    return found
            except ValueError:
                if self.eof:
                    raise Unreadable(f"evidence.json is not JSON near {self.buf[self.at:self.at + 40]!r}") from None
            self._more()

    def _sequence(self, opener: str, closer: str) -> Iterator[None]:
        self._take(opener)
        if self._peek() == closer:
            self.at += 1
            return
        while True:
            yield
            sep = self._peek()
            self.at += 1
            if sep == closer:
                return
            if sep != ",":
                raise Unreadable(f"evidence.json: ',' or {closer!r} expected, not {sep!r}")

    def members(self) -> Iterator[str]:
        """The keys of an object, the stream before each member's value: the caller reads it (value,
        items or pairs) before asking for the next key."""
        for _ in self._sequence("{", "}"):
            key = self.value()
            if not isinstance(key, str):
                raise Unreadable("evidence.json: an object key is not a text")
            self._take(":")
            yield key

    def items(self) -> Iterator[object]:
        for _ in self._sequence("[", "]"):
            yield self.value()

    def pairs(self) -> Iterator[tuple[str, object]]:
        for key in self.members():
            yield key, self.value()

    def skip(self) -> None:
        first = self._peek()
        if first == "[":
            for _ in self.items():
                pass
        elif first == "{":
            for _ in self.pairs():
                pass
        else:
            self.value()


# The workbook, read with the standard library ----------------------------------------------------

def _column(ref: str) -> int:
    n = 0
    for ch in re.match(r"[A-Z]+", ref).group(0):  # type: ignore[union-attr]
        n = n * 26 + ord(ch) - 64
    return n - 1


def _text(node: ElementTree.Element) -> str:
    return "".join(t.text or "" for t in node.iter(f"{{{_NS['m']}}}t"))


class Workbook:
    """The workbook's sheets, each read a row at a time (an XML pull parser fed from the sheet's
    stream, each row dropped once read): text as text, numbers as numbers, date cells as ISO dates."""

    def __init__(self, path: str) -> None:
        self.book = zipfile.ZipFile(path)
        names = set(self.book.namelist())
        self.shared: list[str] = []
        if "xl/sharedStrings.xml" in names:  # openpyxl's write-only mode writes none; a workbook saved again may
            self.shared = [_text(si) for si in
                           ElementTree.fromstring(self.book.read("xl/sharedStrings.xml")).findall("m:si", _NS)]
        styles = ElementTree.fromstring(self.book.read("xl/styles.xml"))
        formats = {int(f.get("numFmtId")): f.get("formatCode", "") for f in styles.iter(f"{{{_NS['m']}}}numFmt")}
        xfs = styles.find("m:cellXfs", _NS)
        self.dated = [_is_date(int(x.get("numFmtId", "0")), formats) for x in (xfs if xfs is not None else [])]
        rels = ElementTree.fromstring(self.book.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels}
        self.paths = {}
        for sheet in ElementTree.fromstring(self.book.read("xl/workbook.xml")).iter(f"{{{_NS['m']}}}sheet"):
            target = targets[sheet.get(_REL)].lstrip("/")
            self.paths[sheet.get("name")] = target if target.startswith("xl/") else "xl/" + target

    def rows(self, name: str) -> Iterator[list]:
        row_tag, sheet_data = f"{{{_NS['m']}}}row", f"{{{_NS['m']}}}sheetData"
        parser = ElementTree.XMLPullParser(events=("start", "end"))
        parent = None
        with self.book.open(self.paths[name]) as stream:
            while True:
                chunk = stream.read(1 << 16)
                if chunk:
                    parser.feed(chunk)
                else:
                    parser.close()
                for event, element in parser.read_events():
                    if event == "start" and element.tag == sheet_data:
                        parent = element
                    elif event == "end" and element.tag == row_tag:
                        cells: list = []
                        for c in element.findall("m:c", _NS):
                            index = _column(c.get("r", "A"))
                            cells += [None] * (index + 1 - len(cells))
                            cells[index] = _value(c, self.shared, self.dated)
                        if parent is not None:
                            parent.clear()  # the rows read so far: only this one is held
                        yield _trimmed(cells)
                if not chunk:
                    return

    def close(self) -> None:
        self.book.close()


def _is_date(fmt: int, formats: dict[int, str]) -> bool:
    if 14 <= fmt <= 22:
        return True
    code = re.sub(r'"[^"]*"|\[[^\]]*\]', "", formats.get(fmt, "")).lower()
    return "d" in code and "y" in code


def _value(c: ElementTree.Element, shared: list[str], dated: list[bool]) -> object:
    kind, v = c.get("t", "n"), c.find("m:v", _NS)
    if kind == "inlineStr":
        node = c.find("m:is", _NS)
        return _text(node) if node is not None else ""
    if v is None or v.text is None:
        return None
    if kind == "s":
        return shared[int(v.text)]
    if kind in ("str", "e"):
        return v.text
    if kind == "b":
        return v.text == "1"
    number = float(v.text)
    style = int(c.get("s", "0"))
    if style < len(dated) and dated[style]:
        return (date(1899, 12, 30) + timedelta(days=int(number))).isoformat()
    return int(number) if number.is_integer() and re.fullmatch(r"-?\d+", v.text) else number


def _trimmed(cells: list) -> list:
    while cells and cells[-1] in (None, ""):
        cells.pop()
    return [None if c == "" else c for c in cells]


class Sheets:
    """Each evidence row beside the next row of its section's sheet, the sheets read side by side."""

    def __init__(self, book: Workbook, headers: dict[str, list[str]]) -> None:
        self.headers, self.lines, self.rows = headers, {}, {}
        for name, wanted in headers.items():
            if name not in book.paths:
                raise Failed(f"the workbook has no sheet {name!r}")
            self.rows[name] = book.rows(name)
            if next(self.rows[name], None) != _trimmed(list(wanted)):
                raise Failed(f"sheet {name!r}: its header row is not the one evidence.json names")
            self.lines[name] = 1

    def check(self, n: int, row: dict) -> None:
        name = row["section"]
        if name not in self.rows:
            raise Failed(f"{_row_name(row, n)}: evidence.json names no sheet {name!r}")
        self.lines[name] += 1
        line, wanted = self.lines[name], self.headers[name]
        found = next(self.rows[name], None)
        if found is None:
            raise Failed(f"sheet {name!r} row {line}: missing; evidence.json has {_row_name(row, n)}")
        expected = _trimmed(list(row["cells"]))
        if found != expected:
            column = next((k for k in range(max(len(expected), len(found))) if _at(found, k) != _at(expected, k)), 0)
            raise Failed(f"sheet {name!r} row {line} ({_row_name(row, n)}), column {_at(wanted, column)!r}:"
                         f" the workbook says {_at(found, column)!r}, evidence.json {_at(expected, column)!r}")

    def finish(self) -> None:
        for name, rows in self.rows.items():
            if next(rows, None) is not None:
                raise Failed(f"sheet {name!r} row {self.lines[name] + 1}: not in evidence.json")


def _at(cells: list, k: int) -> object:
    return cells[k] if k < len(cells) else None


def _row_name(row: dict, n: int) -> str:
    about = ", ".join(f"{k} {row[k]}" for k in ("system_id", "role", "person_id") if row.get(k))
    return f"evidence row {n} ({row['section']}{': ' + about if about else ''})"


# The whole pack --------------------------------------------------------------------------------------

def verify_pack(pack: str | bytes | IO[bytes], key: str | None = None) -> list[str]:
    """What was checked, line by line; raises Failed at the first thing that does not verify,
    Unreadable when it is not a pack. `pack` is a path, an open file or the zip's bytes; evidence.json
    and the sheets are read an item at a time, so a national pack verifies in bounded memory (only
    the proved positions' aggregate ids are held)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(pack) if isinstance(pack, bytes) else pack)
        archive.getinfo(EVIDENCE), archive.getinfo(WORKBOOK)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise Unreadable(f"not an auditor's pack: {exc}") from None
    with archive, tempfile.TemporaryDirectory(prefix="verify-pack-") as folder:
        book_path = os.path.join(folder, WORKBOOK)
        with archive.open(WORKBOOK) as source, open(book_path, "wb") as copy:
            shutil.copyfileobj(source, copy, 1 << 20)  # its sheets are read side by side: from a file, not the zip's stream
        return _Evidence(archive, key, book_path).check()


class _Evidence:
    """The checks over evidence.json's members in the order they come; a member that needs one not
    yet read (proofs need the checkpoint, rows the proofs) waits for another pass over the file.
    The pack writes the checkpoint, then the proofs, then the rows: one pass."""

    NEEDED = ("question", "checkpoint", "sheets", "proofs", "rows")

    def __init__(self, archive: zipfile.ZipFile, key: str | None, book_path: str) -> None:
        self.archive, self.key, self.book_path = archive, key, book_path
        self.head: dict = {}
        self.checked: list[str] = []
        self.tree: tuple[str, int, bytes] | None = None
        self.owners: dict[int, str] | None = None
        self.rows_checked = False

    def check(self) -> list[str]:
        for number in range(3):
            seen: set[str] = set()
            with self.archive.open(EVIDENCE) as raw:
                stream = JsonStream(io.TextIOWrapper(raw, encoding="utf-8"))
                for name in stream.members():
                    if name in seen:
                        raise Unreadable(f"evidence.json names {name!r} twice")
                    seen.add(name)
                    self._member(name, stream)
            if number == 0 and (missing := [k for k in self.NEEDED if k not in seen]):
                raise Unreadable(f"evidence.json has no {missing[0]!r}")
            if self.rows_checked:
                q = self.head["question"]
                self.checked.append(f"the question: {q['from']} to {q['at']}, as known at {q['known_at']}")
                return self.checked
        raise Unreadable("evidence.json's members cannot be checked in any order")

    def _member(self, name: str, stream: JsonStream) -> None:
        if name == "proofs":
            if self.owners is None and self._checkpoint() is not None:
                return self._proofs(stream)
        elif name == "rows":
            if self.owners is not None and not self.rows_checked and "sheets" in self.head:
                return self._rows(stream)
        elif name not in self.head:
            self.head[name] = stream.value()
            return
        stream.skip()

    def _checkpoint(self) -> tuple[str, int, bytes] | None:
        if self.tree is None and "checkpoint" in self.head:
            trusted = self.key or self.head.get("key")
            if not trusted:
                raise Unreadable("no verifier key: give --key (the installation's GET /log/key)")
            self.tree = check_checkpoint(self.head["checkpoint"], trusted)
            self.checked.append(f"checkpoint of {self.tree[0]}: tree size {self.tree[1]}, signed by"
                                f" {trusted.split('+')[0]}" + ("" if self.key else " (the key the pack names; pass"
                                                               " --key to check it against the installation's)"))
        return self.tree

    def _proofs(self, stream: JsonStream) -> None:
        assert self.tree is not None
        _, size, root = self.tree
        owners: dict[int, str] = {}
        aggregates: dict[str, str] = {}
        for position, proof in stream.pairs():
            owner = check_proof(position, proof, size, root)  # type: ignore[arg-type]
            owners[int(position)] = aggregates.setdefault(owner, owner)  # one text per aggregate
        self.owners = owners
        self.checked.append(f"{len(owners)} inclusion proofs lead to its root hash")

    def _rows(self, stream: JsonStream) -> None:
        assert self.owners is not None
        try:
            book = Workbook(self.book_path)
        except (zipfile.BadZipFile, KeyError, ValueError, ElementTree.ParseError) as exc:
            raise Failed(f"the workbook cannot be read: {exc}") from None
        try:
            sheets = Sheets(book, self.head["sheets"])
            n = 0
            for n, row in enumerate(stream.items(), 1):
                check_row(n, row, self.owners)  # type: ignore[arg-type]
                sheets.check(n, row)  # type: ignore[arg-type]
            sheets.finish()
        except (zipfile.BadZipFile, ElementTree.ParseError) as exc:
            raise Failed(f"the workbook cannot be read: {exc}") from None
        finally:
            book.close()
        self.rows_checked = True
        self.checked.append(f"{n} evidence rows rest on proved log positions")
        self.checked.append(f"every row of {len(self.head['sheets'])} sheets equals its evidence row")


def main(argv: list[str]) -> int:
    args, key, as_json = [a for a in argv if not a.startswith("--")], None, "--json" in argv
    if "--key" in argv:
        i = argv.index("--key")
        key = argv[i + 1] if i + 1 < len(argv) else None
        args = [a for a in args if a != key]
    if len(args) != 1:
        print("usage: python verify.py PACK.zip [--key VERIFIER_KEY] [--json]", file=sys.stderr)
        return 2
    try:
        checked = verify_pack(args[0], key)
    except (OSError, Unreadable) as exc:
        print(json.dumps({"ok": False, "error": str(exc)}) if as_json else f"cannot verify: {exc}")
        return 2
    except Failed as exc:
        print(json.dumps({"ok": False, "failed": str(exc)}, ensure_ascii=False) if as_json else f"FAILED {exc}")
        return 1
    if as_json:
        print(json.dumps({"ok": True, "checked": checked}, ensure_ascii=False))
    else:
        print("\n".join(f"ok {line}" for line in checked) + "\nthe pack verifies")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
