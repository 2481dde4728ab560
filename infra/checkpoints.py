"""Signed checkpoints of the log, in the C2SP formats: a `tlog-checkpoint` note body

    <origin>
    <tree size>
    <base64 root hash>

inside a `signed-note`: the body, a blank line, and signature lines `— <key name> <base64(4-byte
key id || signature)>`. The log signs with Ed25519 (signature type 0x01); its key id is the first
four bytes of SHA-256(key name || 0x0A || 0x01 || 32-byte public key). Witness cosignatures are
the `tlog-cosignature` Ed25519 kind (type 0x04, a timestamp before the signature).

Key strings are the Go `note` package's: a verifier key `<name>+<8 hex key id>+<base64(0x01 ||
public key)>`, a signer key `PRIVATE+KEY+<name>+<8 hex key id>+<base64(0x01 || 32-byte seed)>`.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = 0x01
COSIGNATURE = 0x04
DASH = "\u2014"


class NoteError(ValueError):
    """Not a checkpoint, not a key, or not signed as it claims."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise NoteError(f"not base64: {text[:40]!r}") from exc


def key_id(name: str, kind: int, public: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([kind]) + public).digest()[:4]


def _check_name(name: str) -> str:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteError(f"a key name must be non-empty, without spaces or '+': {name!r}")
    return name


@dataclass(frozen=True)
class VerifierKey:
    name: str
    public: bytes
    kind: int = ED25519

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.kind, self.public)

    def __str__(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{b64(bytes([self.kind]) + self.public)}"

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        parts = text.strip().split("+", 2)  # base64 has '+' in it; names and ids do not
        if len(parts) != 3:
            raise NoteError("a verifier key is <name>+<key id>+<base64 key>")
        name, hex_id, material = _check_name(parts[0]), parts[1], unb64(parts[2])
        if len(material) != 33 or material[0] not in (ED25519, COSIGNATURE):
            raise NoteError("only Ed25519 verifier keys (type 0x01 or 0x04) are supported")
        key = cls(name, material[1:], material[0])
        if key.key_id.hex() != hex_id.lower():
            raise NoteError(f"the key id {hex_id} is not the one the key's name and bytes make")
        return key

    def _ed(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.public)

    def verifies(self, checkpoint: Checkpoint) -> bool:
        """Whether a signature line of this key (name and key id) verifies over the note text."""
        found = False
        for name, raw in checkpoint.signatures:
            if name != self.name or raw[:4] != self.key_id:
                continue
            try:
                if self.kind == COSIGNATURE:
                    if len(raw) != 4 + 8 + 64:
                        return False
                    (timestamp,) = struct.unpack(">Q", raw[4:12])
                    self._ed().verify(raw[12:], cosigned_message(checkpoint.text, timestamp))
                else:
                    self._ed().verify(raw[4:], checkpoint.text.encode("utf-8"))
            except InvalidSignature:
                return False
            found = True
        return found


@dataclass(frozen=True)
class SigningKey:
    name: str
    seed: bytes

    @classmethod
    def generate(cls, name: str) -> SigningKey:
        private = Ed25519PrivateKey.generate()
        from cryptography.hazmat.primitives.serialization import (
            NoEncryption,
            PrivateFormat,
        )

        return cls(_check_name(name), private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))

    @classmethod
    def parse(cls, text: str) -> SigningKey:
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("a signer key is PRIVATE+KEY+<name>+<key id>+<base64 key>")
        material = unb64(parts[4])
        if len(material) != 33 or material[0] != ED25519:
            raise NoteError("only Ed25519 signer keys are supported")
        key = cls(_check_name(parts[2]), material[1:])
        if key.verifier.key_id.hex() != parts[3].lower():
            raise NoteError("the signer key's id does not match its key")
        return key

    def __str__(self) -> str:
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{b64(bytes([ED25519]) + self.seed)}"

    @property
    def _private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def verifier(self) -> VerifierKey:
        return VerifierKey(self.name, self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))

    def sign(self, text: str) -> str:
        """A signature line over the note text."""
        signature = self._private.sign(text.encode("utf-8"))
        return f"{DASH} {self.name} {b64(self.verifier.key_id + signature)}\n"


def cosigned_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode("utf-8")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    signatures: tuple[tuple[str, bytes], ...] = ()

    @property
    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{b64(self.root)}\n"

    def note(self) -> str:
        lines = "".join(f"{DASH} {name} {b64(raw)}\n" for name, raw in self.signatures)
        return f"{self.text}\n{lines}"

    def signed(self, key: SigningKey) -> Checkpoint:
        line = key.sign(self.text)
        return Checkpoint(self.origin, self.size, self.root, (*self.signatures, _signature(line)))

    def with_lines(self, lines: str) -> Checkpoint:
        """With further signature lines added (a witness's answer), those already there kept."""
        added = [_signature(line + "\n") for line in lines.splitlines() if line.strip()]
        return Checkpoint(self.origin, self.size, self.root, (*self.signatures, *[a for a in added if a not in self.signatures]))

    @classmethod
    def parse(cls, note: str) -> Checkpoint:
        if any(ord(c) < 0x20 and c != "\n" for c in note):
            raise NoteError("a note has no control characters other than newlines")
        text, sep, rest = note.rpartition("\n\n")
        if not sep:
            raise NoteError("a signed note is its text, a blank line, and signature lines")
        lines = text.split("\n")
        if len(lines) < 3 or not all(lines[:3]):
            raise NoteError("a checkpoint's text is the origin, the tree size and the root hash, a line each")
        if len(lines) > 3:
            raise NoteError("extension lines are not part of this log's checkpoints")
        origin, size, root = lines[0], lines[1], unb64(lines[2])
        if not size.isdigit() or (size != "0" and size.startswith("0")):
            raise NoteError(f"the tree size {size!r} is not a decimal without leading zeroes")
        if len(root) != 32:
            raise NoteError("the root hash is not 32 bytes")
        signatures = tuple(_signature(line + "\n") for line in rest.split("\n") if line)
        if not signatures:
            raise NoteError("the note has no signature")
        return cls(origin, int(size), root, signatures)


def _signature(line: str) -> tuple[str, bytes]:
    if not line.startswith(DASH + " ") or not line.endswith("\n"):
        raise NoteError(f"not a signature line: {line.strip()[:60]!r}")
    name, _, encoded = line[2:-1].rpartition(" ")
    raw = unb64(encoded)
    if not name or len(raw) < 5:
        raise NoteError(f"not a signature line: {line.strip()[:60]!r}")
    return _check_name(name), raw
