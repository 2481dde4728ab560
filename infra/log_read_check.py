"""A rebuild never adopts what does not verify: each event it reads is held to the leaf the tree
committed to, by `ansvar verify`'s own rule (log_verify.leaf_finding), before a view applies it.

`ReadCheck(proofs)(start, notifications)` recomputes the leaf of each notification read from
position `start` on and compares it with the stored leaf of its position; a leaf in that range
whose event is gone is named too. On a difference it raises LogBroken naming the first
position, unless the operator said to go on (`on_broken`, `ansvar projections rebuild
--accept-broken-log`): then each one is logged as a warning and reported, and the rebuild goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import structlog

from infra.log_proofs import LogProofs
from infra.log_store_checks import Finding
from infra.log_verify import gone, leaf_finding, recomputed, settled

log = structlog.get_logger(__name__)


class LogBroken(Exception):
    """An event read does not match the leaf the log committed to: the stored log was altered."""

    def __init__(self, finding: Finding) -> None:
        self.position, self.problem = finding.position or 0, finding.problem
        super().__init__(f"the log does not verify at position {self.position}: {self.problem}")


class ReadCheck:
    def __init__(self, proofs: LogProofs, on_broken: Callable[[Finding], None] | None = None) -> None:
        self.proofs = proofs
        self.on_broken = on_broken
        self.last = 0  # the last position checked

    def __call__(self, start: int, notifications: Sequence[Any], last: int | None = None) -> None:
        """`last`: the end of the range read (default: the last notification's position)."""
        if last is None:
            if not notifications:
                return
            last = notifications[-1].id
        findings = self._findings(start, last, notifications)
        if findings:  # once more, read afresh: a text erased between reading the event and its salts
            again = self.proofs.recorder.select_notifications(start, len(notifications) + 1, stop=last)
            findings = self._findings(start, last, again)
        self.last = max(self.last, last)
        for finding in findings:
            if self.on_broken is None:
                raise LogBroken(finding)
            log.warning("rebuilding over an event that does not match its leaf, as the operator asked",
                        position=finding.position, problem=finding.problem)
            self.on_broken(finding)

    def finish(self) -> None:
        """After the last read: a leaf just beyond it whose event is gone (the log's last events
        deleted). A page of them at most: any others are events written since, read next."""
        index = self.proofs.index_of(self.last) if self.last else -1
        entries = self.proofs.entries(index + 1, 1000) if index is not None else []
        if entries:
            last = entries[-1].position
            self(self.last + 1, self.proofs.recorder.select_notifications(self.last + 1, len(entries) + 1, stop=last),
                 last)

    def _findings(self, start: int, last: int, notifications: Sequence[Any]) -> list[Finding]:
        leaves = self.proofs.leaves_between(start, last)
        found = []
        for event, leaf in recomputed(self.proofs.stored(notifications)):
            stored = leaves.pop(event.position, None)
            finding = leaf_finding(event, settled(event, leaf, stored), stored)
            if finding is not None:
                found.append(finding)
        found += [gone(position) for position in leaves]  # leaves whose events were not read: deleted
        return sorted(found, key=lambda f: f.position or 0)
