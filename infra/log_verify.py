"""`ansvar verify`: is the stored log the one its tree and its signed checkpoints commit to?

Every leaf is recomputed from the stored event (infra/tlog.py) and compared with the stored
leaf, in log order, so an edited, deleted, inserted or reordered event is named by its
position. The tree is then rebuilt from the recomputed leaves, and its head compared with the
stored tree's and with each signed checkpoint given (signature, key id, and a consistency proof
from the checkpoint to the log now): a leaf rewritten to match an edit is caught there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from infra import merkle as M
from infra import tlog
from infra.checkpoints import Checkpoint, VerifierKey
from infra.log_proofs import LogProofs


@dataclass
class Finding:
    position: int | None
    problem: str

    def __str__(self) -> str:
        return f"position {self.position}: {self.problem}" if self.position is not None else self.problem


@dataclass
class Report:
    size: int = 0
    root: bytes = M.EMPTY_ROOT
    findings: list[Finding] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first_position(self) -> int | None:
        return next((f.position for f in self.findings if f.position is not None), None)


class _Stream:
    """The tree of the recomputed leaves, grown one leaf at a time, keeping only its right edge,
    with its head taken at each size a checkpoint asks about."""

    def __init__(self, sizes: Sequence[int]) -> None:
        self.edge = M.RightEdge()
        self.wanted = set(sizes)
        self.roots: dict[int, bytes] = {0: M.EMPTY_ROOT}

    @property
    def size(self) -> int:
        return self.edge.size

    def add(self, leaf: bytes) -> None:
        self.edge.add(M.leaf_hash(leaf))
        if self.edge.size in self.wanted:
            self.roots[self.edge.size] = self.edge.root()

    def root(self) -> bytes:
        return self.edge.root()


def verify(proofs: LogProofs, checkpoints: Sequence[Checkpoint] = (), key: VerifierKey | None = None,
           page: int = 2000) -> Report:
    report = Report()
    stream = _Stream([c.size for c in checkpoints])
    events = proofs.events(page=page)
    index, entries = 0, proofs.entries(0, page)
    offset = 0
    for event in events:
        if index - offset >= len(entries):
            offset, entries = index, proofs.entries(index, page)
        entry = entries[index - offset] if index - offset < len(entries) else None
        if entry is None:
            report.findings.append(Finding(event.position, "an event the tree has no leaf for (inserted?)"))
            break
        if entry.position != event.position:
            if entry.position < event.position:
                report.findings.append(Finding(entry.position, "the tree has a leaf for it, but the event is gone"
                                                               " (deleted, or moved elsewhere)"))
            else:
                report.findings.append(Finding(event.position, "an event the tree has no leaf for (inserted, or"
                                                               " moved here)"))
            break
        try:
            leaf = tlog.leaf(event.position, event.originator_id, event.originator_version, event.topic, event.state,
                             event.salts, event.erased)
        except (tlog.LeafMismatch, ValueError) as exc:
            report.findings.append(Finding(event.position, f"the stored event cannot be the one recorded: {exc}"))
            break
        if leaf != entry.leaf:
            report.findings.append(Finding(event.position, "the stored event differs from what its leaf committed to"
                                                           " (aggregate, version, topic or state changed)"))
            break
        stream.add(leaf)
        index += 1
    else:
        rest = proofs.entries(index, 1)
        if rest:
            report.findings.append(Finding(rest[0].position, "the tree has a leaf for it, but the event is gone"
                                                             " (deleted)"))
    report.size, report.root = stream.size, stream.root()
    if report.findings:
        return report
    stored_size, stored_root = proofs.head()
    if (stored_size, stored_root) != (stream.size, report.root):
        report.findings.append(Finding(None, f"the stored tree's head (size {stored_size}) is not the one its leaves"
                                             " make: its nodes were altered"))
        return report
    report.checked.append(f"{stream.size} events, each matching its leaf; root {report.root.hex()}")
    for checkpoint in checkpoints:
        _against(report, proofs, stream, checkpoint, key)
    return report


def _against(report: Report, proofs: LogProofs, stream: _Stream, checkpoint: Checkpoint, key: VerifierKey | None) -> None:
    name = f"checkpoint of size {checkpoint.size}"
    if key is not None and not key.verifies(checkpoint):
        report.findings.append(Finding(None, f"{name}: not signed by {key.name} (key id {key.key_id.hex()})"))
        return
    if checkpoint.size > stream.size:
        report.findings.append(Finding(None, f"{name}: the log has only {stream.size} events; events were removed"))
        return
    if stream.roots.get(checkpoint.size) != checkpoint.root:
        report.findings.append(Finding(None, f"{name}: the log's first {checkpoint.size} events are not the ones it"
                                             " signed: something in them was changed"))
        return
    proof = proofs.consistency(checkpoint.size, stream.size)
    if not M.verify_consistency(checkpoint.size, stream.size, checkpoint.root, report.root, proof):
        report.findings.append(Finding(None, f"{name}: no consistency proof from it to the log now"))
        return
    report.checked.append(f"{name} ({checkpoint.origin}): signature, and consistent with the log now")
