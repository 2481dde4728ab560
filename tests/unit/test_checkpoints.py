"""Checkpoints are C2SP signed notes that code other than ours can check: the key id and the
signature are recomputed here from the specification with `cryptography` alone."""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from infra.checkpoints import (
    Checkpoint,
    NoteError,
    SigningKey,
    VerifierKey,
    cosigned_message,
)

ROOT = hashlib.sha256(b"some tree").digest()


def test_a_checkpoint_is_the_three_lines_a_blank_line_and_a_signature_anyone_can_check():
    key = SigningKey.generate("ansvar.testkommune.dk/log")
    note = Checkpoint("ansvar.testkommune.dk/log", 42, ROOT).signed(key).note()
    text, signature_line = note.split("\n\n")
    assert text + "\n" == f"ansvar.testkommune.dk/log\n42\n{base64.b64encode(ROOT).decode()}\n"
    dash, name, encoded = signature_line.rstrip("\n").split(" ")
    assert dash == "\u2014" and name == "ansvar.testkommune.dk/log" and note.endswith("\n")
    raw = base64.b64decode(encoded)
    public = key.verifier.public
    assert raw[:4] == hashlib.sha256(name.encode() + b"\n\x01" + public).digest()[:4]
    Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], (text + "\n").encode())  # raises if wrong


def test_the_verifier_key_string_round_trips_and_its_id_is_checked():
    key = SigningKey.generate("log.example/a")
    text = str(key.verifier)
    name, hex_id, material = text.split("+", 2)
    assert (name, len(hex_id), base64.b64decode(material)[0]) == ("log.example/a", 8, 1)
    assert VerifierKey.parse(text) == key.verifier
    with pytest.raises(NoteError, match="key id"):
        VerifierKey.parse(f"{name}+00000000+{material}")
    assert SigningKey.parse(str(key)) == key


def test_a_changed_checkpoint_or_another_key_does_not_verify():
    key, other = SigningKey.generate("log.example/a"), SigningKey.generate("log.example/a")
    signed = Checkpoint.parse(Checkpoint("log.example/a", 7, ROOT).signed(key).note())
    assert key.verifier.verifies(signed)
    assert not other.verifier.verifies(signed)  # same name, another key: its id differs, so it is not its line
    forged = Checkpoint(signed.origin, 8, signed.root, signed.signatures)
    assert not key.verifier.verifies(forged)


def test_a_witness_cosignature_verifies_with_the_witness_key():
    seed = Ed25519PrivateKey.generate()
    public = seed.public_key().public_bytes_raw()
    witness = VerifierKey("witness.example/w1", public, 0x04)
    checkpoint = Checkpoint("log.example/a", 7, ROOT).signed(SigningKey.generate("log.example/a"))
    timestamp = 1_790_000_000
    raw = witness.key_id + struct.pack(">Q", timestamp) + seed.sign(cosigned_message(checkpoint.text, timestamp))
    cosigned = checkpoint.with_lines(f"\u2014 witness.example/w1 {base64.b64encode(raw).decode()}\n")
    assert witness.verifies(Checkpoint.parse(cosigned.note())) and len(cosigned.signatures) == 2


@pytest.mark.parametrize("note", [
    "log\n7\nnot-base64!\n\n\u2014 log AAAAAAAA\n", "log\n07\n" + base64.b64encode(ROOT).decode() + "\n\n\u2014 log AAAAAAAA\n",
    "log\n7\n" + base64.b64encode(ROOT).decode() + "\n", "log\n7\n" + base64.b64encode(ROOT).decode() + "\n\nno dash\n",
])
def test_what_is_not_a_checkpoint_is_refused(note):
    with pytest.raises(NoteError):
        Checkpoint.parse(note)
