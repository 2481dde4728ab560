"""Reading the log's Merkle tree: its head, its entries, inclusion and consistency proofs, and the
stored events beside their leaves (for `ansvar verify` and the export). One interface over the
SQL stores (the recorder's own datastore, so SQLite and PostgreSQL read what was committed) and
the in-memory one."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import anyio.to_thread

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
        # The read side's asyncpg reader of the same schema (bootstrap sets it on PostgreSQL): an
        # inclusion proof asked over HTTP is then read in the event loop, not through a worker thread.
        self.reader: Any = None

    @property
    def has_tree(self) -> bool:
        """The store keeps the tree (every store ansvar makes does)."""
        return self.memory is not None or self.tree is not None

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

    # What verify holds the store to (infra/log_store_checks.py) ------------------------------------

    def nodes_completed(self, start: int, end: int) -> dict[M.Node, bytes]:
        """The stored interior nodes that leaves [start, end) complete."""
        if self.memory is not None:
            with self.recorder._database_lock:
                wanted = [(lv, i) for lv, a, b in M.completed_between(start, end) for i in range(a, b + 1)]
                return {n: self.memory.nodes[n] for n in wanted if n in self.memory.nodes}
        return self._read(lambda cur: self.tree.nodes_completed_in(cur, start, end))  # type: ignore[union-attr]

    def extra_node(self) -> tuple[int, M.Node] | None:
        """A stored interior node that the tree, at its size now, does not have, with that size."""
        if self.memory is not None:
            with self.recorder._database_lock:
                size = len(self.memory.entries)
                found = next((n for n in self.memory.nodes if n[0] > 0 and n[1] >= size >> n[0]), None)
                return None if found is None else (size, found)
        tree = self.tree
        assert tree is not None

        def read(cur: Any) -> tuple[int, M.Node] | None:
            size = tree.size_in(cur)
            while True:  # an append between the two reads makes nodes beyond the size read first: again
                found = tree.node_beyond_in(cur, size)
                if found is None or (now := tree.size_in(cur)) == size:
                    return None if found is None else (size, found)
                size = now

        return self._read(read)

    def stored_edge(self) -> tuple[int, int, list[bytes]] | None:
        if self.memory is not None:
            return None
        return self._read(self.tree.edge_stored_in)  # type: ignore[union-attr]

    def erasure_rows(self, page: int = 1000) -> Iterator[tuple[int, str]]:
        """(position, field) of every erased text the store keeps a digest for, in that order."""
        if self.memory is not None:
            with self.recorder._database_lock:
                rows = sorted((p, f) for p, fields in self.memory.erasures.items() for f in fields)
            yield from rows
            return
        after: tuple[int, str] = (-1, "")
        while found := self._read(lambda cur: self.tree.erasure_rows_in(cur, after, page)):  # type: ignore[union-attr]
            yield from found
            after = found[-1]

    def leaves_between(self, first: int, last: int) -> dict[int, bytes]:
        """The stored leaves of positions first..last, by position."""
        if self.memory is not None:
            with self.recorder._database_lock:
                entries = self.memory.entries  # in position order
                lo = bisect_left(entries, first, key=lambda e: e.position)
                hi = bisect_right(entries, last, key=lambda e: e.position)
                return {e.position: e.leaf for e in entries[lo:hi]}
        return self._read(lambda cur: self.tree.leaves_between_in(cur, first, last))  # type: ignore[union-attr]

    def stored(self, notifications: Sequence[Any]) -> list[Event]:
        """These notifications as the log holds them, with their salts and erasures."""
        return [Event(*row) for row in self.stored_rows(notifications)]

    def stored_rows(self, notifications: Sequence[Any]) -> list[tuple]:
        """`stored`, each as the tuple of Event's fields in their order (what tlog.leaf takes):
        for a check that sends them to another process and makes an Event of the few that differ."""
        if not notifications:
            return []
        return _rows_of(notifications, *self._extras(notifications[0].id, notifications[-1].id))

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
        found = self.proof_and_root(position, size)
        return None if found is None else found[:3]

    def proof_and_root(self, position: int, size: int | None = None) -> tuple[Entry, int, list[bytes], bytes] | None:
        """As proof_of, with the root of that size the stored tree makes (read with the proof)."""
        if self.memory is not None:
            index = self.index_of(position)
            if index is None:
                return None
            size = self.size() if size is None else size
            return self.entries(index, 1)[0], size, self.inclusion(index, size), self.head(size)[1]

        if self.tree is not None and self.tree.d.kind == "postgres":
            return self._proof_and_root_in_one(position, size)

        def read(cur: Any) -> tuple[Entry, int, list[bytes], bytes] | None:
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
            nodes = tree.nodes_in(cur, M.inclusion_nodes(index, wanted) + M.root_nodes(wanted))
            return (tree.entries_in(cur, index, 1)[0], wanted, M.inclusion_from(index, wanted, nodes),
                    M.root_from(wanted, nodes))

        return self._read(read)

    def _proof_and_root_in_one(self, position: int, size: int | None) -> tuple[Entry, int, list[bytes], bytes] | None:
        """proof_and_root on PostgreSQL: one statement, outside a transaction (one snapshot; the
        library's connections commit by themselves): one round trip instead of six."""
        tree = self.tree
        assert tree is not None
        with self.recorder.datastore.get_connection() as conn:
            return _proved(position, tree.proof_nodes_in(conn.cursor(), position, size))

    async def proof_and_root_async(self, position: int, size: int | None = None
                                   ) -> tuple[Entry, int, list[bytes], bytes] | None:
        """proof_and_root from the event loop: on PostgreSQL with a reader, the same one statement
        through it (no worker thread, no second driver); elsewhere proof_and_root in a thread."""
        tree = self.tree
        if self.reader is None or tree is None or tree.d.kind != "postgres":
            return await anyio.to_thread.run_sync(self.proof_and_root, position, size)
        # One plan whatever the position: PostgreSQL, left to choose, often kept planning it afresh for
        # each (~0.3 ms) to run it in ~0.25 ms (bench/README.md, "The inclusion proof on one plan").
        return _proved(position, tree.proof_from_rows(await self.reader.fetch_planned_once(tree.proof_sql, position, size)))

    def proofs_of(self, positions: Sequence[int], size: int) -> list[tuple[int, Entry, list[bytes]]]:
        """`proof_of` for many positions against one tree size, in one read transaction on the SQL
        stores (the auditor's pack asks for hundreds of thousands): their entries in one query, the
        nodes all their paths need at once (paths share their upper nodes), the proofs from those.
        Raises NotInLog for a position not in it."""
        def read(cur: Any) -> list[tuple[int, Entry, list[bytes]]]:
            tree = self.tree
            assert tree is not None
            entries = tree.entries_at_in(cur, positions)
            for position in positions:
                entry = entries.get(position)
                if entry is None or entry.idx >= size:
                    raise NotInLog(f"position {position} is not in the log's tree of {size}")
            # the right edge's ranges are the same for every position: worked out once (memos)
            pieces, hashes = {}, {}
            wanted = {n for p in positions for n in M.inclusion_nodes(entries[p].idx, size, pieces)}
            nodes = tree.nodes_in(cur, list(wanted))
            return [(p, entries[p], M.inclusion_from(entries[p].idx, size, nodes, hashes)) for p in positions]

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
            yield from self.stored(found)
            after = found[-1].id

    def for_check(self, first: int, last: int, notifications: Sequence[Any]) -> tuple[dict[int, bytes], list[tuple]]:
        """What a read check needs of positions first..last in one read: the stored leaves by
        position (`leaves_between`) and the notifications as stored rows (`stored_rows`). On
        PostgreSQL the rows come as tuples, not the library's dicts (a rebuild reads a million)."""
        if self.memory is not None or not notifications:
            return self.leaves_between(first, last), self.stored_rows(notifications)
        tree = self.tree
        assert tree is not None

        def read(cur: Any) -> tuple[dict[int, bytes], dict, dict]:
            if tree.d.kind == "postgres":
                from psycopg.rows import tuple_row

                cur.row_factory = tuple_row
            lo, hi = notifications[0].id, notifications[-1].id
            return tree.leaves_between_in(cur, first, last), tree.salts_in(cur, lo, hi), tree.erasures_in(cur, lo, hi)

        leaves, salts, erased = self._read(read)
        return leaves, _rows_of(notifications, salts, erased)

    def _extras(self, first: int, last: int) -> tuple[dict, dict]:
        if self.memory is not None:
            with self.recorder._database_lock:
                span = range(first, last + 1)
                return ({p: dict(self.memory.salts[p]) for p in span if p in self.memory.salts},
                        {p: dict(self.memory.erasures[p]) for p in span if p in self.memory.erasures})
        return self._read(lambda cur: (self.tree.salts_in(cur, first, last),  # type: ignore[union-attr]
                                       self.tree.erasures_in(cur, first, last)))  # type: ignore[union-attr]


def _rows_of(notifications: Sequence[Any], salts: dict, erased: dict) -> list[tuple]:
    return [(n.id, n.originator_id, n.originator_version, n.topic, bytes(n.state), salts.get(n.id, {}),
             erased.get(n.id, {})) for n in notifications]


def _proved(position: int, found: tuple[int, bytes, int, int, dict[M.Node, bytes]] | None
            ) -> tuple[Entry, int, list[bytes], bytes] | None:
    """proof_and_root's answer from what LogTree.proof_nodes_in (or proof_from_rows) found."""
    if found is None:
        return None
    index, leaf, wanted, now, nodes = found
    if not 0 <= index < wanted <= now:
        raise NotInLog(f"the event at position {position} is leaf {index}: not in a tree of {wanted}"
                       f" (the log has {now})")
    return Entry(index, position, leaf), wanted, M.inclusion_from(index, wanted, nodes), M.root_from(wanted, nodes)
