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
import re
import sys
import zipfile
from datetime import date, timedelta
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


def check_proofs(proofs: dict, size: int, root: bytes) -> dict[int, str]:
    """Every proof leads to the root; the aggregate id each proved entry names, by position."""
    owners = {}
    for position, proof in proofs.items():
        leaf = _b64(proof["leaf"])
        found = root_from_inclusion(leaf, int(proof["leaf_index"]), size, [_b64(h) for h in proof["hashes"]])
        if found != root:
            raise Failed(f"the inclusion proof of log position {position} does not lead to the checkpoint's root")
        lines = leaf.decode("utf-8", errors="replace").split("\n")
        if len(lines) < 3 or lines[1] != str(position):
            raise Failed(f"the log entry proved for position {position} names position {lines[1:2]}")
        owners[int(position)] = lines[2]
    return owners


def check_rows(rows: list[dict], owners: dict[int, str]) -> None:
    for n, row in _numbered(rows):
        for position in row["positions"]:
            if position not in owners:
                raise Failed(f"{_row_name(row, n)} rests on log position {position}, which has no proof")
            if row["section"] in SYSTEM_SECTIONS and row.get("system_id") and owners[position] != row["system_id"]:
                raise Failed(f"{_row_name(row, n)} rests on log position {position}, an event of another"
                             f" aggregate ({owners[position]})")


# The workbook, read with the standard library ----------------------------------------------------

def _column(ref: str) -> int:
    n = 0
    for ch in re.match(r"[A-Z]+", ref).group(0):  # type: ignore[union-attr]
        n = n * 26 + ord(ch) - 64
    return n - 1


def _text(node: ElementTree.Element) -> str:
    return "".join(t.text or "" for t in node.iter(f"{{{_NS['m']}}}t"))


def read_workbook(content: bytes) -> dict[str, list[list]]:
    """Every sheet's rows, by sheet name: text as text, numbers as numbers, date cells as ISO dates."""
    book = zipfile.ZipFile(io.BytesIO(content))
    names = set(book.namelist())
    shared = []
    if "xl/sharedStrings.xml" in names:
        shared = [_text(si) for si in ElementTree.fromstring(book.read("xl/sharedStrings.xml")).findall("m:si", _NS)]
    styles = ElementTree.fromstring(book.read("xl/styles.xml"))
    formats = {int(f.get("numFmtId")): f.get("formatCode", "") for f in styles.iter(f"{{{_NS['m']}}}numFmt")}
    xfs = styles.find("m:cellXfs", _NS)
    dated = [_is_date(int(x.get("numFmtId", "0")), formats) for x in (xfs if xfs is not None else [])]
    rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels}
    sheets = {}
    for sheet in ElementTree.fromstring(book.read("xl/workbook.xml")).iter(f"{{{_NS['m']}}}sheet"):
        target = targets[sheet.get(_REL)].lstrip("/")
        path = target if target.startswith("xl/") else "xl/" + target
        rows = []
        for row in ElementTree.fromstring(book.read(path)).iter(f"{{{_NS['m']}}}row"):
            cells: list = []
            for c in row.findall("m:c", _NS):
                index = _column(c.get("r", "A"))
                cells += [None] * (index + 1 - len(cells))
                cells[index] = _value(c, shared, dated)
            rows.append(_trimmed(cells))
        sheets[sheet.get("name")] = rows
    return sheets


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


def check_workbook(sheets: dict[str, list[list]], headers: dict[str, list[str]], rows: list[dict]) -> None:
    by_section: dict[str, list[tuple[int, dict]]] = {name: [] for name in headers}
    for n, row in _numbered(rows):
        by_section.setdefault(row["section"], []).append((n, row))
    for name, wanted in headers.items():
        if name not in sheets:
            raise Failed(f"the workbook has no sheet {name!r}")
        found = sheets[name]
        if not found or found[0] != _trimmed(list(wanted)):
            raise Failed(f"sheet {name!r}: its header row is not the one evidence.json names")
        for i, (n, row) in enumerate(by_section[name]):
            line = i + 2
            if line > len(found):
                raise Failed(f"sheet {name!r} row {line}: missing; evidence.json has {_row_name(row, n)}")
            expected = _trimmed(list(row["cells"]))
            if found[line - 1] != expected:
                column = next((k for k in range(max(len(expected), len(found[line - 1])))
                               if _at(found[line - 1], k) != _at(expected, k)), 0)
                raise Failed(
                    f"sheet {name!r} row {line} ({_row_name(row, n)}), column {_at(wanted, column)!r}:"
                    f" the workbook says {_at(found[line - 1], column)!r}, evidence.json {_at(expected, column)!r}")
        if len(found) - 1 > len(by_section[name]):
            raise Failed(f"sheet {name!r} row {len(by_section[name]) + 2}: not in evidence.json")


def _at(cells: list, k: int) -> object:
    return cells[k] if k < len(cells) else None


def _numbered(rows: list[dict]) -> list[tuple[int, dict]]:
    return list(enumerate(rows, 1))


def _row_name(row: dict, n: int) -> str:
    about = ", ".join(f"{k} {row[k]}" for k in ("system_id", "role", "person_id") if row.get(k))
    return f"evidence row {n} ({row['section']}{': ' + about if about else ''})"


# The whole pack --------------------------------------------------------------------------------------

def verify_pack(content: bytes, key: str | None = None) -> list[str]:
    """What was checked, line by line; raises Failed at the first thing that does not verify,
    Unreadable when it is not a pack."""
    try:
        pack = zipfile.ZipFile(io.BytesIO(content))
        evidence = json.loads(pack.read(EVIDENCE))
        workbook = pack.read(WORKBOOK)
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise Unreadable(f"not an auditor's pack: {exc}") from None
    trusted = key or evidence.get("key")
    if not trusted:
        raise Unreadable("no verifier key: give --key (the installation's GET /log/key)")
    origin, size, root = check_checkpoint(evidence["checkpoint"], trusted)
    checked = [f"checkpoint of {origin}: tree size {size}, signed by {trusted.split('+')[0]}"
               + ("" if key else " (the key the pack names; pass --key to check it against the installation's)")]
    owners = check_proofs(evidence["proofs"], size, root)
    checked.append(f"{len(owners)} inclusion proofs lead to its root hash")
    check_rows(evidence["rows"], owners)
    checked.append(f"{len(evidence['rows'])} evidence rows rest on proved log positions")
    try:
        sheets = read_workbook(workbook)
    except (zipfile.BadZipFile, KeyError, ValueError, ElementTree.ParseError) as exc:
        raise Failed(f"the workbook cannot be read: {exc}") from None
    check_workbook(sheets, evidence["sheets"], evidence["rows"])
    checked.append(f"every row of {len(evidence['sheets'])} sheets equals its evidence row")
    q = evidence["question"]
    checked.append(f"the question: {q['from']} to {q['at']}, as known at {q['known_at']}")
    return checked


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
        with open(args[0], "rb") as f:
            checked = verify_pack(f.read(), key)
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
