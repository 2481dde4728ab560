"""What `ansvar verify` holds the store to besides the leaves (infra/log_verify.py): the stored
tree and the erasures.

- Each stored interior node (`log_nodes`) equals the one the recomputed leaves make, checked page
  by page as the recomputed tree grows (the proofs the server hands out are made of these nodes);
  none is missing and none is stored that the tree does not have.
- On PostgreSQL, the edge the trigger keeps (`log_edge`, what the next append builds on) is the
  recomputed tree's edge at its size.
- Each erased text (`log_erasures`) is named by an erasure event in the log (domain/erasable.py),
  and each erasure the log records is in the store: an erasure the log does not record is a
  hidden edit, even though the leaf still matches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from domain.erasable import ERASURE_EVENTS, erasures_recorded
from infra import merkle as M
from infra.log_proofs import Event, LogProofs


@dataclass
class Finding:
    position: int | None
    problem: str

    def __str__(self) -> str:
        return f"position {self.position}: {self.problem}" if self.position is not None else self.problem


def _leaves(node: M.Node) -> str:
    level, idx = node
    return f"leaf indexes {idx << level}-{((idx + 1) << level) - 1}"


@dataclass
class NodeCheck:
    """The stored interior nodes against the recomputed ones. `load` the nodes a page of leaves
    completes before adding its leaves; `made` after each leaf. The first difference is named,
    the rest counted (a deleted table would otherwise name a million)."""

    proofs: LogProofs
    page: dict[M.Node, bytes] = field(default_factory=dict)
    first: Finding | None = None
    more: int = 0

    def load(self, start: int, end: int) -> None:
        self.page = self.proofs.nodes_completed(start, end)

    def made(self, index: int, position: int, hashes: list[bytes]) -> None:
        """`hashes`: the nodes leaf `index` (the event at `position`) completed, from level 1 up."""
        for level, recomputed in enumerate(hashes, 1):
            node = (level, index >> level)
            stored = self.page.get(node)
            if stored != recomputed:
                self._differs(node, position, "is missing" if stored is None else "differs from the one its leaves make")

    def _differs(self, node: M.Node, position: int, how: str) -> None:
        if self.first is not None:
            self.more += 1
            return
        self.first = Finding(position, f"the stored tree's node (level {node[0]}, index {node[1]}; {_leaves(node)},"
                                       f" the last being this event's) {how}: the stored tree was altered, and"
                                       " proofs made from it fail")

    def findings(self, size: int | None) -> list[Finding]:
        """`size`: the tree's, once every leaf is read (None: not, so nodes beyond are not sought)."""
        found = [self.first] if self.first else []
        if self.more:
            found.append(Finding(None, f"and {self.more} more of the stored tree's nodes differ or are missing"))
        if size is not None and (extra := self.proofs.extra_node()) is not None:
            leaves, (level, idx) = extra
            found.append(Finding(None, f"the stored tree holds a node a tree of {leaves} leaves does not have (level"
                                       f" {level}, index {idx}): the stored tree was altered"))
        return found


class EdgeCheck:
    """PostgreSQL's `log_edge` (read before the leaves, so its size is among the ones read): at
    its size, the recomputed tree's edge and last position must be its."""

    def __init__(self, proofs: LogProofs) -> None:
        self.stored = proofs.stored_edge()
        self.size = self.stored[0] if self.stored else -1
        self.seen: tuple[int, list[bytes]] | None = None

    def at_size(self, position: int, hashes: list[bytes]) -> None:
        self.seen = (position, list(hashes))

    def findings(self, size: int) -> list[Finding]:
        if self.stored is None:
            return []
        stored_size, last_position, frontier = self.stored
        if self.seen is None:
            return [Finding(None, f"the stored edge of the tree (log_edge) is for {stored_size} leaves; the log has"
                                  f" {size}: the stored tree was altered")]
        if self.seen != (last_position, frontier):
            return [Finding(self.seen[0], f"the stored edge of the tree (log_edge, at {stored_size} leaves) is not the"
                                          " one the leaves make: the next events would be built on altered nodes")]
        return []


class ErasureCheck:
    """Each erased text in the store named by an erasure event, and each named one erased. `see`
    every event as it is read, then `findings`."""

    def __init__(self) -> None:
        self.named: set[tuple[int, str]] = set()

    def see(self, event: Event) -> None:
        if event.topic in ERASURE_EVENTS:
            self.named.update(erasures_recorded(event.topic, json.loads(event.state)))

    def findings(self, proofs: LogProofs, last_position: int) -> list[Finding]:
        stored = set(proofs.erasure_rows())
        undone = self.named - stored
        unnamed = stored - self.named
        if unnamed:  # erased while verify read the log: their events come after what it read
            for event in proofs.events(after=last_position):
                self.see(event)
            unnamed -= self.named
        found = [Finding(p, f"{f} reads as erased, but no erasure event in the log names it: an erasure the log"
                            " does not record (a hidden edit)") for p, f in sorted(unnamed)]
        found += [Finding(p, f"the log records the erasure of {f}, but the store holds no erased text there (the"
                             " erasure was undone)") for p, f in sorted(undone)]
        return found
