"""`ansvar verify`: is the stored log the one its tree and its signed checkpoints commit to?

Every leaf is recomputed from the stored event (infra/tlog.py) and compared with the stored
leaf, in log order, so an edited, deleted, inserted or reordered event is named by its
position. The tree is then rebuilt from the recomputed leaves, and its head compared with the
stored tree's and with each signed checkpoint given (signature, key id, and a consistency proof
from the checkpoint to the log now): a leaf rewritten to match an edit is caught there. As the
tree grows, each stored node is held to the recomputed one, and each erased text to the erasure
event that must name it (infra/log_store_checks.py). Last, the names and e-mail addresses beside
the log are held to the digests the log committed to (infra/people_verify.py).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import chain, islice

import structlog

from infra import merkle as M
from infra import tlog
from infra.checkpoints import Checkpoint, VerifierKey
from infra.log_proofs import Event, LogProofs
from infra.log_store_checks import EdgeCheck, ErasureCheck, Finding, NodeCheck
from infra.people_verify import PeopleSeen, read_directory

log = structlog.get_logger(__name__)

#: From this many events on, the leaves are recomputed in other processes (the JSON and hashing
#: are most of the work) while this one reads the next pages and grows the tree.
PARALLEL_FROM = 50_000
BATCH = 2_000


@dataclass
class Report:
    size: int = 0
    root: bytes = M.EMPTY_ROOT
    findings: list[Finding] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)  # what could not be checked, said as such

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

    def add(self, leaf: bytes) -> list[bytes]:
        """Add a leaf; the hashes of the nodes it completes (merkle.RightEdge.add)."""
        made = self.edge.add(M.leaf_hash(leaf))
        if self.edge.size in self.wanted:
            self.roots[self.edge.size] = self.edge.root()
        return made

    def root(self) -> bytes:
        return self.edge.root()


def _leaf(row: tuple) -> bytes | str:
    """The leaf recomputed from a stored event, or why it cannot be (a str): by the quick codec
    where it makes one; a leaf that then differs from the stored one is `settled` by the rule."""
    quick = tlog.quick_leaf(*row)
    return quick if quick is not None else _reference(row)


def _reference(row: tuple) -> bytes | str:
    try:
        return tlog.leaf(*row)
    except (tlog.LeafMismatch, ValueError) as exc:
        return str(exc)


def settled(event: Event, leaf: bytes | str, stored: bytes | None) -> bytes | str:
    """The leaf to judge the event by: the quick one when it is the stored leaf, else the one
    tlog.leaf makes, which alone decides a difference."""
    return leaf if leaf == stored else _reference(_row(event))


def leaf_batch(rows: list[tuple]) -> list[bytes | str]:
    """Each stored event's leaf recomputed (or why it cannot be), from its row (`_row`'s tuple)."""
    return [_leaf(row) for row in rows]


def _row(e: Event) -> tuple:
    return (e.position, e.originator_id, e.originator_version, e.topic, e.state, e.salts, e.erased)


def _workers() -> int:
    return max(1, min(4, (os.cpu_count() or 2) - 1))


def recomputed(events: Iterable[Event], workers: int = 0) -> Iterator[tuple[Event, bytes | str]]:
    """Each event with its recomputed leaf (or why it has none), in log order. With workers, in
    batches in that many other processes, a few batches ahead of the reader."""
    if workers <= 0:
        for event in events:
            yield event, _leaf(_row(event))
        return
    source = iter(events)
    pending: deque[tuple[list[Event], Future]] = deque()
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:

        def submit() -> None:
            batch = list(islice(source, BATCH))
            if batch:
                pending.append((batch, pool.submit(leaf_batch, [_row(e) for e in batch])))

        try:
            for _ in range(2 * workers + 1):
                submit()
            while pending:
                batch, leaves = pending.popleft()
                try:
                    done = leaves.result()
                except BrokenProcessPool:  # e.g. a caller's script that cannot be imported again
                    log.warning("the worker processes stopped; recomputing the leaves in this one")
                    rest = [*batch, *(e for queued, _ in pending for e in queued)]
                    pending.clear()
                    yield from ((e, _leaf(_row(e))) for e in chain(rest, source))
                    return
                submit()
                yield from zip(batch, done)
        finally:  # stopped at a finding: what is still queued is not needed
            for _, leaves in pending:
                leaves.cancel()


def verify(proofs: LogProofs, checkpoints: Sequence[Checkpoint] = (), key: VerifierKey | None = None,
           page: int = 2000, workers: int | None = None) -> Report:
    """`workers`: processes to recompute the leaves in (None: as many as this machine has CPUs
    to spare, for a log of PARALLEL_FROM events or more; 0: in this one)."""
    report = Report()
    stream = _Stream([c.size for c in checkpoints])
    checks = _StoreChecks(NodeCheck(proofs), EdgeCheck(proofs), ErasureCheck())
    if workers is None:
        workers = _workers() if proofs.size() >= PARALLEL_FROM else 0
    people = PeopleSeen()
    events = recomputed(people.watch(proofs.events(page=page)), workers)
    try:
        last_position = _compare(report, proofs, stream, events, page, checks)
    finally:
        events.close()  # the worker processes, if any, end here
    report.size, report.root = stream.size, stream.root()
    report.findings += checks.findings(proofs, stream.size, last_position, whole=not report.findings)
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
    _names(report, proofs, people)
    return report


def _names(report: Report, proofs: LogProofs, people: PeopleSeen) -> None:
    """The directory's names and e-mail addresses against what the log committed to."""
    directory = read_directory(proofs)
    if directory is None:
        return
    moved = people.moved_since(proofs.events(after=people.last))  # a command meanwhile is not a finding
    findings, checked, unchecked = people.check(directory, moved)
    report.findings += [Finding(position, problem) for position, problem in findings]
    report.checked += [] if findings else checked
    report.unverified += unchecked


@dataclass
class _StoreChecks:
    nodes: NodeCheck
    edge: EdgeCheck
    erasures: ErasureCheck

    def findings(self, proofs: LogProofs, size: int, last_position: int, whole: bool) -> list[Finding]:
        """`whole`: every leaf was read (else only the nodes of those read are known)."""
        if not whole:
            return self.nodes.findings(None)
        return [*self.nodes.findings(size), *self.edge.findings(size), *self.erasures.findings(proofs, last_position)]


def leaf_finding(event: Event, leaf: bytes | str, stored: bytes | None) -> Finding | None:
    """Why the event's recomputed leaf (or why it has none, a str) is not the stored leaf of its
    position (None: it has none), if it is not. The rule `ansvar verify` and a rebuild share."""
    if stored is None:
        return Finding(event.position, "an event the tree has no leaf for (inserted, or moved here)")
    if isinstance(leaf, str):
        return Finding(event.position, f"the stored event cannot be the one recorded: {leaf}")
    if leaf != stored:
        return Finding(event.position, "the stored event differs from what its leaf committed to"
                                       " (aggregate, version, topic or state changed)")
    return None


def gone(position: int) -> Finding:
    return Finding(position, "the tree has a leaf for it, but the event is gone (deleted, or moved elsewhere)")


def _compare(report: Report, proofs: LogProofs, stream: _Stream, events: Iterator[tuple[Event, bytes | str]],
             page: int, checks: _StoreChecks) -> int:
    """Each recomputed leaf against the stored one, in log order, up to the first that differs;
    the stored nodes as the tree grows. The last position read."""
    index, offset, position = 0, 0, 0
    entries = proofs.entries(0, page)
    checks.nodes.load(0, len(entries))
    for event, leaf in events:
        position = event.position
        if index - offset >= len(entries):
            offset, entries = index, proofs.entries(index, page)
            checks.nodes.load(index, index + len(entries))
        entry = entries[index - offset] if index - offset < len(entries) else None
        if entry is not None and entry.position < event.position:
            report.findings.append(gone(entry.position))
            return position
        stored = entry.leaf if entry is not None and entry.position == event.position else None
        leaf = settled(event, leaf, stored)
        finding = leaf_finding(event, leaf, stored)
        if finding is not None:
            report.findings.append(finding)
            return position
        checks.nodes.made(index, event.position, stream.add(leaf))  # type: ignore[arg-type]
        if stream.size == checks.edge.size:
            checks.edge.at_size(event.position, stream.edge.hashes)
        checks.erasures.see(event)
        index += 1
    rest = proofs.entries(index, 1)
    if rest:
        report.findings.append(gone(rest[0].position))
    return position


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
