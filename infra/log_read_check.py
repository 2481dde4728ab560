"""A rebuild never adopts what does not verify: each event it reads is held to the leaf the tree
committed to, by `ansvar verify`'s own rule (log_verify.leaf_finding), before a view applies it.

`ReadCheck(proofs)(start, notifications)` recomputes the leaf of each notification read from
position `start` on and compares it with the stored leaf of its position; a leaf in that range
whose event is gone is named too. On a difference it raises LogBroken naming the first
position, unless the operator said to go on (`on_broken`, `ansvar projections rebuild
--accept-broken-log`): then each one is logged as a warning and reported, and the rebuild goes on.

`begin(start, notifications)` starts the same check and returns the call that ends it. With
`workers`, the leaves are recomputed in another process meanwhile (a rebuild applies the page to
the views while they are, and ends the check before it commits); the judgement is the same.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import structlog

from infra.log_proofs import Event, LogProofs
from infra.log_store_checks import Finding
from infra import log_verify
from infra.log_verify import gone, leaf_batch, leaf_finding, settled

#: Fewer events than this in a page are recomputed here: handing them to a worker costs more.
IN_WORKER_FROM = 500

log = structlog.get_logger(__name__)


class LogBroken(Exception):
    """An event read does not match the leaf the log committed to: the stored log was altered."""

    def __init__(self, finding: Finding) -> None:
        self.position, self.problem = finding.position or 0, finding.problem
        super().__init__(f"the log does not verify at position {self.position}: {self.problem}")


class ReadCheck:
    def __init__(self, proofs: LogProofs, on_broken: Callable[[Finding], None] | None = None, workers: int = 0) -> None:
        self.proofs = proofs
        self.on_broken = on_broken
        self.workers = workers  # processes to recompute the leaves in (0: this one)
        self.last = 0  # the last position checked
        self._pool: ProcessPoolExecutor | None = None

    def __call__(self, start: int, notifications: Sequence[Any], last: int | None = None) -> None:
        """`last`: the end of the range read (default: the last notification's position)."""
        self.begin(start, notifications, last)()

    def begin(self, start: int, notifications: Sequence[Any], last: int | None = None) -> Callable[[], None]:
        """Start checking the notifications read from `start`; the call returned ends the check
        (raises LogBroken, or reports to `on_broken`), and does nothing when called again."""
        if last is None:
            if not notifications:
                return _nothing
            last = notifications[-1].id
        leaves, rows = self.proofs.for_check(start, last, notifications)
        pending = self._recompute(rows)
        ended = False

        def end() -> None:
            nonlocal ended
            if ended:
                return
            ended = True
            findings = _findings(rows, self._result(pending, rows), leaves)
            if findings:  # once more, read afresh: a text erased between reading the event and its salts
                again = self.proofs.recorder.select_notifications(start, len(notifications) + 1, stop=last)
                stored, again_rows = self.proofs.for_check(start, last, again)
                findings = _findings(again_rows, leaf_batch(again_rows), stored)
            self.last = max(self.last, last)
            self._report(findings)

        return end

    def finish(self) -> None:
        """After the last read: a leaf just beyond it whose event is gone (the log's last events
        deleted). A page of them at most: any others are events written since, read next."""
        index = self.proofs.index_of(self.last) if self.last else -1
        entries = self.proofs.entries(index + 1, 1000) if index is not None else []
        if entries:
            last = entries[-1].position
            self(self.last + 1, self.proofs.recorder.select_notifications(self.last + 1, len(entries) + 1, stop=last),
                 last)

    def close(self) -> None:
        """The worker processes, if any, stop."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def _recompute(self, rows: list[tuple]) -> Future | list[bytes | str]:
        if self.workers <= 0 or len(rows) < IN_WORKER_FROM:
            return leaf_batch(rows)
        if self._pool is None:  # spawned, not forked: the process has threads (its connection pools)
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        try:
            return self._pool.submit(log_verify.leaf_batch, rows)  # looked up here: a test stops the worker
        except BrokenProcessPool:
            return self._alone(rows)

    def _result(self, pending: Future | list[bytes | str], rows: list[tuple]) -> list[bytes | str]:
        if not isinstance(pending, Future):
            return pending
        try:
            return pending.result()
        except BrokenProcessPool:  # e.g. a caller's script that cannot be imported again
            return self._alone(rows)

    def _alone(self, rows: list[tuple]) -> list[bytes | str]:
        log.warning("the read check's worker process stopped; recomputing the leaves in this one")
        self.close()
        self.workers = 0
        return leaf_batch(rows)

    def _report(self, findings: list[Finding]) -> None:
        for finding in findings:
            if self.on_broken is None:
                raise LogBroken(finding)
            log.warning("rebuilding over an event that does not match its leaf, as the operator asked",
                        position=finding.position, problem=finding.problem)
            self.on_broken(finding)


def _nothing() -> None:
    return None


def _findings(rows: list[tuple], recomputed: list[bytes | str], leaves: dict[int, bytes]) -> list[Finding]:
    """Each row's recomputed leaf against the stored leaf of its position (`leaves`, emptied of
    those); the stored leaves no row was read for are events gone."""
    found = []
    for row, leaf in zip(rows, recomputed, strict=True):
        stored = leaves.pop(row[0], None)
        if leaf != stored:  # only the few that differ are made into events and judged by the rule
            event = Event(*row)
            finding = leaf_finding(event, settled(event, leaf, stored), stored)
            if finding is not None:
                found.append(finding)
    found += [gone(position) for position in leaves]  # leaves whose events were not read: deleted
    return sorted(found, key=lambda f: f.position or 0)
