"""Reading the log's Merkle tree: its head, its entries, inclusion and consistency proofs, and the
stored events beside their leaves (for `ansvar verify` and the export). One interface over the
SQL stores (the recorder's own datastore, so SQLite and PostgreSQL read what was committed) and
the in-memory one."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from infra import merkle as M
from infra.log_tree import Entry, LogTree, MemoryTree


class NotInLog(LookupError):
    """No such position, or a tree size beyond the log's."""


@dataclass(frozen=True)
class Event:
    """A stored event as the log holds it, with what its leaf needs besides."""

    position: int
    originator_id: Any
    originator_version: int
    topic: str
    state: bytes
    salts: dict[str, bytes]
    erased: dict[str, str]


class LogProofs:
    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        self.memory: MemoryTree | None = getattr(recorder, "memory_tree", None)
        self.tree: LogTree | None = getattr(recorder, "tree", None)
        self.owner: Any = None  # what keeps the recorder's connections open, if not the caller

    # The pieces, per store -------------------------------------------------------------------------

    def _read(self, fn: Any) -> Any:
        assert self.tree is not None
        with self.recorder.datastore.transaction(commit=False) as cur:
            return fn(cur)

    def size(self) -> int:
        if self.memory is not None:
            with self.recorder._database_lock:
                return len(self.memory.entries)
        return self._read(self.tree.size_in)  # type: ignore[union-attr]

    def nodes(self, wanted: Sequence[M.Node]) -> dict[M.Node, bytes]:
        if self.memory is not None:
            with self.recorder._database_lock:
                return {n: self.memory.nodes[n] for n in wanted}
        return self._read(lambda cur: self.tree.nodes_in(cur, wanted))  # type: ignore[union-attr]

    def entries(self, start: int, limit: int) -> list[Entry]:
        if self.memory is not None:
            with self.recorder._database_lock:
                return self.memory.entries[start : start + limit]
        return self._read(lambda cur: self.tree.entries_in(cur, start, limit))  # type: ignore[union-attr]

    def index_of(self, position: int) -> int | None:
        if self.memory is not None:
            with self.recorder._database_lock:
                found = [e.idx for e in self.memory.entries if e.position == position]  # tests' sizes
                return found[0] if found else None
        return self._read(lambda cur: self.tree.index_in(cur, position))  # type: ignore[union-attr]

    # Heads and proofs ---------------------------------------------------------------------------------

    def head(self, size: int | None = None) -> tuple[int, bytes]:
        """(size, root) of the tree now, or at an earlier size."""
        now = self.size()
        size = now if size is None else size
        if not 0 <= size <= now:
            raise NotInLog(f"the log has {now} entries, not {size}")
        return size, M.root_from(size, self.nodes(M.root_nodes(size)))

    def inclusion(self, index: int, size: int) -> list[bytes]:
        if not 0 <= index < size <= self.size():
            raise NotInLog(f"no leaf {index} in a tree of {size} entries (the log has {self.size()})")
        return M.inclusion_from(index, size, self.nodes(M.inclusion_nodes(index, size)))

    def proof_of(self, position: int, size: int | None = None) -> tuple[Entry, int, list[bytes]] | None:
        """The event at `position`: its entry, the tree size proved against (`size`, default the
        tree now) and its inclusion proof; None if no event there. One read transaction on the
        SQL stores (an auditor's script asks for thousands). Raises NotInLog for a size the leaf
        is not in, or one beyond the log."""
        if self.memory is not None:
            index = self.index_of(position)
            if index is None:
                return None
            size = self.size() if size is None else size
            return self.entries(index, 1)[0], size, self.inclusion(index, size)

        def read(cur: Any) -> tuple[Entry, int, list[bytes]] | None:
            tree = self.tree
            assert tree is not None
            index = tree.index_in(cur, position)
            if index is None:
                return None
            now = tree.size_in(cur)
            wanted = now if size is None else size
            if not 0 <= index < wanted <= now:
                raise NotInLog(f"the event at position {position} is leaf {index}: not in a tree of {wanted}"
                               f" (the log has {now})")
            nodes = tree.nodes_in(cur, M.inclusion_nodes(index, wanted))
            return tree.entries_in(cur, index, 1)[0], wanted, M.inclusion_from(index, wanted, nodes)

        return self._read(read)

    def proofs_of(self, positions: Sequence[int], size: int) -> list[tuple[int, Entry, list[bytes]]]:
        """`proof_of` for many positions against one tree size, in one read transaction on the SQL
        stores (the auditor's pack asks for thousands). Raises NotInLog for a position not in it."""
        def read(cur: Any) -> list[tuple[int, Entry, list[bytes]]]:
            tree = self.tree
            assert tree is not None
            found = []
            for position in positions:
                index = tree.index_in(cur, position)
                if index is None or index >= size:
                    raise NotInLog(f"position {position} is not in the log's tree of {size}")
                nodes = tree.nodes_in(cur, M.inclusion_nodes(index, size))
                found.append((position, tree.entries_in(cur, index, 1)[0], M.inclusion_from(index, size, nodes)))
            return found

        if self.memory is None:
            return self._read(read)
        found = []
        for position in positions:
            proof = self.proof_of(position, size)
            if proof is None:
                raise NotInLog(f"position {position} is not in the log's tree of {size}")
            found.append((position, proof[0], proof[2]))
        return found

    def consistency(self, old: int, new: int) -> list[bytes]:
        if not 0 <= old <= new <= self.size():
            raise NotInLog(f"no consistency proof from {old} to {new} entries (the log has {self.size()})")
        return M.consistency_from(old, new, self.nodes(M.consistency_nodes(old, new)))

    # The stored events, for verifying ------------------------------------------------------------------

    def events(self, after: int = 0, page: int = 1000) -> Iterator[Event]:
        """Every stored event after `after`, in log order, with its salts and erasures."""
        while True:
            found = self.recorder.select_notifications(after + 1, page)
            if not found:
                return
            first, last = found[0].id, found[-1].id
            salts, erased = self._extras(first, last)
            for n in found:
                yield Event(n.id, n.originator_id, n.originator_version, n.topic, bytes(n.state),
                            salts.get(n.id, {}), erased.get(n.id, {}))
            after = last

    def _extras(self, first: int, last: int) -> tuple[dict, dict]:
        if self.memory is not None:
            with self.recorder._database_lock:
                span = range(first, last + 1)
                return ({p: dict(self.memory.salts[p]) for p in span if p in self.memory.salts},
                        {p: dict(self.memory.erasures[p]) for p in span if p in self.memory.erasures})
        return self._read(lambda cur: (self.tree.salts_in(cur, first, last),  # type: ignore[union-attr]
                                       self.tree.erasures_in(cur, first, last)))  # type: ignore[union-attr]
