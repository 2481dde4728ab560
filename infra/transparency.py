"""The log's signed head: the latest checkpoint, signed when the log has grown since the last
one, and sent to the configured witnesses (C2SP tlog-witness add-checkpoint) with a consistency
proof from the size each last cosigned, their cosignatures added to the note."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx
import structlog

from infra.checkpoints import Checkpoint, NoteError, SigningKey, VerifierKey, b64
from infra import merkle as M
from infra.log_proofs import LogProofs, NotInLog
from infra.log_tree import Entry
from infra.settings import Witness

log = structlog.get_logger("ansvar.log")


class NotSigning(RuntimeError):
    """No key to sign with (PostgreSQL with no ANSVAR_LOG_KEY or ANSVAR_LOG_KEY_FILE)."""


class DamagedTree(RuntimeError):
    """A proof made from the stored tree does not lead to the root it is for: a stored node was
    altered. Handed out, it would fail against the signed checkpoint; `ansvar verify` names the node."""


@dataclass(frozen=True)
class Included:
    """That the event at `position` is leaf `leaf_index` of a checkpoint's tree: its audit path."""

    position: int
    leaf_index: int
    leaf: bytes
    hashes: list[bytes]


class TransparencyLog:
    def __init__(self, proofs: LogProofs, key: SigningKey | None, origin: str, witnesses: tuple[Witness, ...] = (),
                 client: Any = None) -> None:
        self.proofs, self.key, self.origin = proofs, key, origin
        self.witnesses = [(w, VerifierKey.parse(w.key)) for w in witnesses]
        self._witnessed_size = {w.url: 0 for w in witnesses}  # what each witness last cosigned, as far as known
        self._client = client
        self._last: Checkpoint | None = None
        self._lock = threading.Lock()

    @property
    def verifier_key(self) -> str:
        if self.key is None:
            raise NotSigning("this log has no signing key: set ANSVAR_LOG_KEY or ANSVAR_LOG_KEY_FILE")
        return str(self.key.verifier)

    def checkpoint(self) -> Checkpoint:
        """A signed checkpoint covering every event committed before the call."""
        if self.key is None:
            raise NotSigning("this log has no signing key: set ANSVAR_LOG_KEY or ANSVAR_LOG_KEY_FILE")
        with self._lock:
            size, root = self.proofs.head()
            if self._last is not None and self._last.size == size:
                return self._last
            checkpoint = Checkpoint(self.origin, size, root).signed(self.key)
            for witness, key in self.witnesses:
                checkpoint = self._cosigned(checkpoint, witness, key)
            if self._last is None or size > self._last.size:
                self._last = checkpoint
            return checkpoint

    async def inclusion_async(self, position: int, size: int | None = None) -> tuple[Entry, int, list[bytes]] | None:
        """LogProofs.proof_of (from the event loop: proof_and_root_async), checked before it is handed
        out: against the last signed checkpoint if it is of that size, else against the root the
        stored tree makes (a few hashes)."""
        found = await self.proofs.proof_and_root_async(position, size)
        if found is None:
            return None
        entry, size, hashes, stored_root = found
        signed = self._last
        _checked(position, entry, size, hashes, signed.root if signed is not None and signed.size == size else stored_root)
        return entry, size, hashes

    def included(self, positions: Iterable[int]) -> tuple[Checkpoint, list[Included]]:
        """A signed checkpoint and, for each of the positions, its inclusion proof against it: what an
        answer carries to show the facts it rests on are in the log the checkpoint signs."""
        checkpoint = self.checkpoint()
        found = []
        for position in sorted(set(positions)):
            proof = self.proofs.proof_of(position, checkpoint.size)
            if proof is None:
                raise NotInLog(f"position {position} is not in the log's tree of {checkpoint.size}")
            entry, _, hashes = proof
            _checked(position, entry, checkpoint.size, hashes, checkpoint.root)
            found.append(Included(position, entry.idx, entry.leaf, hashes))
        return checkpoint, found

    def _cosigned(self, checkpoint: Checkpoint, witness: Witness, key: VerifierKey) -> Checkpoint:
        client = self._client or httpx.Client(timeout=3.0)
        try:
            for _ in range(2):  # a second time when the witness says it holds another size
                old = self._witnessed_size[witness.url]
                if old > checkpoint.size:
                    old = 0
                proof = self.proofs.consistency(old, checkpoint.size) if old else []
                body = f"old {old}\n" + "".join(b64(h) + "\n" for h in proof) + "\n" + checkpoint.note()
                answer = client.post(witness.url, content=body.encode("utf-8"),
                                     headers={"Content-Type": "text/plain; charset=utf-8"})
                if answer.status_code == 409 and answer.headers.get("content-type", "").startswith("text/x.tlog.size"):
                    self._witnessed_size[witness.url] = int(answer.text.strip())
                    continue
                if answer.status_code != 200:
                    log.warning("witness refused the checkpoint", witness=witness.url, status=answer.status_code,
                                answer=answer.text[:200])
                    return checkpoint
                theirs = Checkpoint.parse(checkpoint.note()).with_lines(answer.text)
                mine = tuple(s for s in theirs.signatures if s in checkpoint.signatures
                             or (s[0] == key.name and s[1][:4] == key.key_id))  # unknown keys' lines are ignored
                cosigned = Checkpoint(checkpoint.origin, checkpoint.size, checkpoint.root, mine)
                if not key.verifies(cosigned):
                    log.warning("witness answered without a valid cosignature", witness=witness.url)
                    return checkpoint
                self._witnessed_size[witness.url] = checkpoint.size
                return cosigned
            return checkpoint
        except (httpx.HTTPError, NoteError, ValueError) as exc:
            log.warning("witness unreachable or its answer unreadable", witness=witness.url, error=str(exc))
            return checkpoint
        finally:
            if self._client is None:
                client.close()


def _checked(position: int, entry: Entry, size: int, hashes: list[bytes], root: bytes) -> None:
    if not M.verify_inclusion(entry.idx, size, M.leaf_hash(entry.leaf), hashes, root):
        log.error("a proof made from the stored tree fails against its root: the stored tree was altered",
                  position=position, tree_size=size)
        raise DamagedTree(f"the proof of position {position} made from the stored tree does not lead to the log's root"
                          f" at size {size}: the stored tree is damaged (`ansvar verify` names the node)")
