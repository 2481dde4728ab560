"""C2SP tlog-witness: with a witness configured, each new checkpoint is sent to it (with a
consistency proof from the size it last cosigned) and its cosignature is added to the note.

The witness here is a small one on 127.0.0.1, written from the specification alone: it checks
the log's signature, refuses an `old` size that is not the one it holds (409, text/x.tlog.size),
checks the consistency proof with RFC 9162 2.1.4.2's algorithm, and cosigns (cosignature/v1)."""

from __future__ import annotations

import base64
import hashlib
import struct
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from litestar.testing import TestClient

from ansvar.bootstrap import bootstrap
from ansvar.web import create_app
from infra.settings import Auth, LogSigning, Witness
from tests.api.client import TEST_SECRET
from tests.conftest import TEST_LOG_KEY

pytestmark = pytest.mark.parametrize("database", ["sqlite"], indirect=True)
WITNESS_NAME = "witness.test.local/w1"
WITNESS_TIME = 1_790_000_000  # the witness's clock: a fixed instant


def _h(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def consistent(old: int, new: int, old_root: bytes, new_root: bytes, proof: list[bytes]) -> bool:
    """RFC 9162 2.1.4.2, step by step."""
    if old == new:
        return not proof and old_root == new_root
    if old == 0:
        return not proof
    if not proof:
        return False
    if old & (old - 1) == 0:  # a power of two: the old root is the first node
        proof = [old_root, *proof]
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = _h(b"\x01" + c + fr), _h(b"\x01" + c + sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = _h(b"\x01" + sr + c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


class SmallWitness:
    def __init__(self, log_vkey: str) -> None:
        name, key_id, material = log_vkey.split("+", 2)
        self.log_name, self.log_id = name, bytes.fromhex(key_id)
        self.log_key = Ed25519PublicKey.from_public_bytes(base64.b64decode(material)[1:])
        self.secret = Ed25519PrivateKey.generate()
        public = self.secret.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = _h(WITNESS_NAME.encode() + b"\n\x04" + public)[:4]
        material = base64.b64encode(bytes([0x04]) + public).decode()
        self.vkey = f"{WITNESS_NAME}+{self.key_id.hex()}+{material}"
        self.size, self.root = 0, b""
        self.requests: list[dict[str, Any]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/add-checkpoint"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        witness = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                status, kind, answer = witness.add_checkpoint(self.path, body)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        return Handler

    def add_checkpoint(self, path: str, body: str) -> tuple[int, str, bytes]:
        if path != "/add-checkpoint":
            return 404, "text/plain", b"not found"
        head, _, note = body.partition("\n\n")
        lines = head.split("\n")
        old = int(lines[0].removeprefix("old "))
        proof = [base64.b64decode(x) for x in lines[1:] if x]
        text, _, signatures = note.rpartition("\n\n")
        text += "\n"
        origin, size_line, root_line = text.rstrip("\n").split("\n")
        size, root = int(size_line), base64.b64decode(root_line)
        self.requests.append({"old": old, "proof": len(proof), "size": size})
        ours = [s for s in signatures.splitlines() if s.startswith(f"\u2014 {self.log_name} ")]
        try:
            raw = base64.b64decode(ours[0].split(" ")[2])
            assert raw[:4] == self.log_id
            self.log_key.verify(raw[4:], text.encode())
        except (IndexError, AssertionError, InvalidSignature):
            return 403, "text/plain", b"not signed by the log's key"
        if old > size:
            return 400, "text/plain", b"old is larger than the checkpoint"
        if old != self.size:
            return 409, "text/x.tlog.size", f"{self.size}\n".encode()
        if not consistent(old, size, self.root, root, proof):
            return 422, "text/plain", b"the consistency proof does not verify"
        self.size, self.root = size, root
        message = f"cosignature/v1\ntime {WITNESS_TIME}\n{text}".encode()
        signature = self.key_id + struct.pack(">Q", WITNESS_TIME) + self.secret.sign(message)
        return 200, "text/plain; charset=utf-8", f"\u2014 {WITNESS_NAME} {base64.b64encode(signature).decode()}\n".encode()

    def cosigned(self, note: str) -> bool:
        text = note.rpartition("\n\n")[0] + "\n"
        for line in note.splitlines():
            if line.startswith(f"\u2014 {WITNESS_NAME} "):
                raw = base64.b64decode(line.split(" ")[2])
                (ts,) = struct.unpack(">Q", raw[4:12])
                self.secret.public_key().verify(raw[12:], f"cosignature/v1\ntime {ts}\n{text}".encode())
                return raw[:4] == self.key_id
        return False

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def witness():
    w = SmallWitness(str(TEST_LOG_KEY.verifier))
    yield w
    w.close()


def witnessed(settings, *witnesses: SmallWitness):
    return replace(settings, log=LogSigning(key=str(TEST_LOG_KEY),
                                            witnesses=tuple(Witness(w.url, w.vkey) for w in witnesses)))


def grow(app, n: int) -> None:
    unit = app.establish_org_unit(f"Enhed {n}", "kommune", None).id
    for i in range(n):
        app.register_person(f"Person {i}", unit, None, None)


def test_each_new_checkpoint_is_cosigned_with_a_consistency_proof_from_the_last(settings, clock, witness):
    runtime = bootstrap(witnessed(settings, witness), clock)
    try:
        grow(runtime.portfolio, 3)
        first = runtime.transparency.checkpoint()
        assert witness.cosigned(first.note()) and len(first.signatures) == 2
        grow(runtime.portfolio, 6)
        second = runtime.transparency.checkpoint()
        assert witness.cosigned(second.note())
        assert witness.requests[-1] == {"old": first.size, "proof": witness.requests[-1]["proof"], "size": second.size}
        assert witness.requests[-1]["proof"] > 0  # a real consistency proof, checked by the witness
        assert runtime.transparency.checkpoint() is second  # no new events: not sent again
        assert len(witness.requests) == 2
    finally:
        runtime.close()


def test_a_witness_that_holds_another_size_is_answered_with_the_proof_from_it(settings, clock, witness):
    runtime = bootstrap(witnessed(settings, witness), clock)
    try:
        grow(runtime.portfolio, 3)
        runtime.transparency.checkpoint()
        runtime.transparency._witnessed_size[witness.url] = 0  # as after a restart: the log forgot
        grow(runtime.portfolio, 2)
        again = runtime.transparency.checkpoint()
        assert witness.cosigned(again.note())
        assert [r["old"] for r in witness.requests][-2:] == [0, witness.requests[0]["size"]]  # 409, then the right one
    finally:
        runtime.close()


def test_an_unreachable_witness_costs_its_cosignature_not_the_checkpoint(settings, clock, witness):
    witness.close()
    runtime = bootstrap(witnessed(settings, witness), clock)
    try:
        grow(runtime.portfolio, 2)
        alone = runtime.transparency.checkpoint()
        assert len(alone.signatures) == 1 and TEST_LOG_KEY.verifier.verifies(alone)
    finally:
        runtime.close()


def test_the_api_serves_the_cosigned_checkpoint(settings, clock, witness):
    runtime = bootstrap(witnessed(settings, witness), clock)
    grow(runtime.portfolio, 2)
    runtime.close()
    served = replace(witnessed(settings, witness), auth=Auth(secret=TEST_SECRET))
    with TestClient(create_app(served, clock=clock, configure_logging=False)) as client:
        note = client.get("/log/checkpoint").text
    assert witness.cosigned(note)
