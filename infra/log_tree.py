"""The event log's Merkle tree, stored beside the events and grown in their very transaction.

Tables (in the event store's database; the PostgreSQL schema's):

    log_leaves    (idx, position, leaf)      one per event, idx = its place in log order from 0
    log_nodes     (level, idx, hash)         every complete subtree's hash above the leaves
                                             (infra/merkle.py); a leaf's is hashed from log_leaves
    log_salts     (position, field, salt)    the salt of each erasable text (infra/tlog.py)
    log_erasures  (position, field, digest)  an erased text's salted hash, which the leaf keeps

The leaf index is the event's ordinal in the log, which is its position - 1 wherever the log has
no holes. PostgreSQL can leave holes (an insert that loses a race has taken its sequence
numbers), and the leaf names its position, so a hole is part of what the tree proves.

Appending needs the tree's size and right edge (its frontier). A process remembers the edge its
last append left, and when the new events' first position follows on from it, appends to it
without reading (PostgreSQL: two round trips saved, inside the table lock every insert holds).
That append may not have committed, or another process may have written: so the insert checks,
in the same statement (PostgreSQL) or just before it (SQLite), that the tree's last leaf is the
one remembered. If not, the statement fails with TREE_MOVED, the transaction rolls back whole,
and the recorder runs it once more, reading the edge. Events without a leaf (an upgrade, or a
log written before the tree existed) are given theirs first, in the same transaction.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from infra import merkle as M
from infra import tlog

TABLES = ("log_leaves", "log_nodes", "log_salts", "log_erasures")
#: In the error of an insert whose remembered edge was not the tree's (log_tree's docstring).
TREE_MOVED = "ansvar-tree-edge-moved"


@dataclass(frozen=True)
class Edge:
    """What an append needs to know of the tree: its size, its last leaf's position, its frontier."""

    size: int
    last_position: int
    frontier: Mapping[M.Node, bytes] = field(default_factory=dict)
    last_leaf: bytes = b""  # what the insert checks the tree still ends with


@dataclass(frozen=True)
class Entry:
    idx: int
    position: int
    leaf: bytes


class Dialect:
    """SQL for one database: placeholders, table names, and the statements that differ."""

    def __init__(self, kind: str, schema: str | None = None) -> None:
        self.kind = kind
        prefix = "" if not schema else '"' + schema.replace('"', '""') + '".'
        self.t = {name: prefix + name for name in TABLES}
        self.mark = "?" if kind == "sqlite" else "%s"
        blob = "BLOB" if kind == "sqlite" else "bytea"
        big = "INTEGER" if kind == "sqlite" else "bigint"
        self.ddl = [
            f"CREATE TABLE IF NOT EXISTS {self.t['log_leaves']} (idx {big} PRIMARY KEY, position {big} NOT NULL UNIQUE,"
            f" leaf {blob} NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.t['log_nodes']} (level integer NOT NULL, idx {big} NOT NULL,"
            f" hash {blob} NOT NULL, PRIMARY KEY (level, idx))",
            f"CREATE TABLE IF NOT EXISTS {self.t['log_salts']} (position {big} NOT NULL, field text NOT NULL,"
            f" salt {blob} NOT NULL, PRIMARY KEY (position, field))",
            f"CREATE TABLE IF NOT EXISTS {self.t['log_erasures']} (position {big} NOT NULL, field text NOT NULL,"
            f" digest text NOT NULL, PRIMARY KEY (position, field))",
        ]

    def sql(self, text: str) -> str:
        return text.format(**self.t).replace("?", self.mark)


def _rows(cur: Any) -> list[Any]:
    return list(cur.fetchall())


def _get(row: Any, key: str, i: int) -> Any:
    try:
        return row[key]
    except (TypeError, IndexError, KeyError):
        return row[i]


class LogTree:
    """The tree over one event store, for SQLite or PostgreSQL (cursors of the library's datastore)."""

    def __init__(self, dialect: Dialect, events_table: str) -> None:
        self.d = dialect
        self.events_table = events_table  # qualified, as the library's recorder names it
        self._known: Edge | None = None
        self._lock = threading.Lock()

    # Writing, inside the events' transaction -----------------------------------------------------

    def edge(self, cur: Any) -> Edge:
        cur.execute(self.d.sql("SELECT idx, position, leaf FROM {log_leaves} ORDER BY idx DESC LIMIT 1"))
        last = cur.fetchone()
        if last is None:
            return Edge(0, 0, {})
        size = _get(last, "idx", 0) + 1
        return Edge(size, _get(last, "position", 1), self.nodes_in(cur, M.frontier(size)), bytes(_get(last, "leaf", 2)))

    def _ends_with(self, cur: Any, edge: Edge) -> bool:
        cur.execute(self.d.sql("SELECT idx, leaf FROM {log_leaves} ORDER BY idx DESC LIMIT 1"))
        last = cur.fetchone()
        if last is None:
            return edge.size == 0
        return _get(last, "idx", 0) == edge.size - 1 and bytes(_get(last, "leaf", 1)) == edge.last_leaf

    def nodes_in(self, cur: Any, wanted: Sequence[M.Node]) -> dict[M.Node, bytes]:
        """The stored hashes of these nodes: level 0 from the leaves themselves, above it from
        log_nodes (which keeps no leaf hashes: one row less per event, inside the log's lock)."""
        found: dict[M.Node, bytes] = {}
        wanted = list(dict.fromkeys(wanted))
        for start in range(0, len(wanted), 400):
            chunk = wanted[start : start + 400]
            leaves = [ix for lv, ix in chunk if lv == 0]
            inner = [node for node in chunk if node[0] > 0]
            parts, params = [], []
            if inner:
                pairs = ", ".join(["(?, ?)"] * len(inner))
                parts.append(f"SELECT level, idx, hash FROM {{log_nodes}} WHERE (level, idx) IN (VALUES {pairs})")
                params += [v for node in inner for v in node]
            if leaves:
                parts.append(f"SELECT -1 AS level, idx, leaf AS hash FROM {{log_leaves}} WHERE idx IN"
                             f" ({', '.join(['?'] * len(leaves))})")
                params += leaves
            cur.execute(self.d.sql(" UNION ALL ".join(parts)), params)
            for r in _rows(cur):
                level, idx, value = _get(r, "level", 0), _get(r, "idx", 1), bytes(_get(r, "hash", 2))
                if level == -1:
                    found[(0, idx)] = M.leaf_hash(value)
                else:
                    found[(level, idx)] = value
        return found

    def append_in(self, cur: Any, ids: Sequence[int], stored: Sequence[Any],
                  prepared: Sequence[tuple[dict[str, bytes], str]] | None = None) -> Edge:
        """Give these just-inserted events their leaves (and any earlier event without one);
        `prepared` holds their `tlog.prepare`, worked out before the lock was taken."""
        with self._lock:
            known = self._known
        follows = known is not None and ids and ids[0] == known.last_position + 1
        if follows and (self.d.kind == "postgres" or self._ends_with(cur, known)):  # type: ignore[arg-type]
            edge = known  # PostgreSQL: the insert itself checks it
        else:
            edge = self.edge(cur)
        events = list(zip(ids, stored, prepared or [None] * len(ids)))
        if ids and ids[0] > edge.last_position + 1:
            events = [*self._unleafed(cur, edge.last_position, ids[0]), *events]
        new = self._write(cur, edge, events)  # type: ignore[arg-type]
        with self._lock:
            self._known = new  # not yet committed: the next insert checks it (see the docstring)
        return new

    def _unleafed(self, cur: Any, after: int, before: int | None) -> list[tuple[int, Any]]:
        """Events after position `after` (and before `before`) that have no leaf yet."""
        params: list[Any] = [after]
        sql = f"SELECT {self._id_column} AS id, originator_id, originator_version, topic, state FROM {self.events_table}" \
              f" WHERE {self._id_column} > ?"
        if before is not None:
            sql += f" AND {self._id_column} < ?"
            params.append(before)
        cur.execute(self.d.sql(sql + f" ORDER BY {self._id_column} LIMIT 5000"), params)
        return [(_get(r, "id", 0), _Stored(_get(r, "originator_id", 1), _get(r, "originator_version", 2),
                                            _get(r, "topic", 3), bytes(_get(r, "state", 4))), None)
                for r in _rows(cur)]

    @property
    def _id_column(self) -> str:
        return "rowid" if self.d.kind == "sqlite" else "notification_id"

    def _write(self, cur: Any, edge: Edge, events: Sequence[tuple[int, Any, Any]]) -> Edge:
        if not events:
            return edge
        entries, salts = [], []
        for i, (position, s, ready) in enumerate(events):
            made, digest = ready or tlog.prepare(s.topic, s.state)
            salts += [(position, f, salt) for f, salt in made.items()]
            entries.append((edge.size + i, position, tlog.leaf_of(position, s.originator_id, s.originator_version,
                                                                   s.topic, digest)))
        created = M.append(edge.size, [M.leaf_hash(e[2]) for e in entries], edge.frontier)
        self._insert(cur, entries, {n: h for n, h in created.items() if n[0] > 0}, salts, edge)
        size = edge.size + len(entries)
        merged = {**edge.frontier, **created}
        return Edge(size, entries[-1][1], {n: merged[n] for n in M.frontier(size)}, entries[-1][2])

    def _insert(self, cur: Any, entries: list[tuple], nodes: Mapping[M.Node, bytes], salts: list[tuple],
                edge: Edge) -> None:
        if self.d.kind == "postgres":
            # The three inserts and the check that the tree ends where `edge` says as one prepared
            # statement, sent in the library's pipeline: no round trip of its own. The rows go as
            # one JSON parameter (psycopg adapts nine array parameters in Python, inside the table
            # lock: three times the server's cost). The check sees the tables as they were before
            # the inserts (one snapshot for the whole statement); failing, it casts text to int:
            # an error naming TREE_MOVED, and the transaction is rolled back (random() keeps the
            # planner from raising it while planning).
            b64 = base64.b64encode
            rows = json.dumps({
                "l": [[e[0], e[1], b64(e[2]).decode()] for e in entries],
                "s": [[x[0], x[1], b64(x[2]).decode()] for x in salts],
                "n": [[lv, ix, b64(h).decode()] for (lv, ix), h in nodes.items()],
                "g": [edge.size, b64(edge.last_leaf).decode()],
            }, separators=(",", ":"))
            cur.execute(self.d.sql(
                "WITH p AS (SELECT ?::jsonb AS j),"
                " l AS (INSERT INTO {log_leaves} (idx, position, leaf) SELECT (e->>0)::bigint, (e->>1)::bigint,"
                " decode(e->>2, 'base64') FROM p, jsonb_array_elements(p.j->'l') e),"
                " s AS (INSERT INTO {log_salts} (position, field, salt) SELECT (e->>0)::bigint, e->>1,"
                " decode(e->>2, 'base64') FROM p, jsonb_array_elements(p.j->'s') e),"
                " n AS (INSERT INTO {log_nodes} (level, idx, hash) SELECT (e->>0)::int, (e->>1)::bigint,"
                " decode(e->>2, 'base64') FROM p, jsonb_array_elements(p.j->'n') e),"
                " g AS (SELECT (p.j->'g'->>0)::bigint AS size, decode(p.j->'g'->>1, 'base64') AS leaf FROM p)"
                " SELECT CASE WHEN (SELECT count(*) FROM {log_leaves}, g WHERE idx >= g.size - 1) = LEAST((SELECT size FROM g), 1)"
                " AND ((SELECT size FROM g) = 0 OR (SELECT x.leaf FROM {log_leaves} x, g WHERE x.idx = g.size - 1)"
                " = (SELECT leaf FROM g))"
                f" THEN 1 ELSE (random()::text || ' {TREE_MOVED}')::int END"
            ), (rows,), prepare=True)
            return
        cur.executemany(self.d.sql("INSERT INTO {log_leaves} (idx, position, leaf) VALUES (?, ?, ?)"), entries)
        cur.executemany(self.d.sql("INSERT INTO {log_nodes} (level, idx, hash) VALUES (?, ?, ?)"),
                        [(lv, ix, h) for (lv, ix), h in nodes.items()])
        if salts:
            cur.executemany(self.d.sql("INSERT INTO {log_salts} (position, field, salt) VALUES (?, ?, ?)"), salts)

    def erase_in(self, cur: Any, position: int, field: str) -> None:
        """Erase one text of the event at `position` (domain/erasure_commands.py checked it may be),
        keeping the salted digest its leaf committed to and dropping the salt."""
        cur.execute(self.d.sql(f"SELECT state FROM {self.events_table} WHERE {self._id_column} = ?"), (position,))
        row = cur.fetchone()
        cur.execute(self.d.sql("SELECT salt FROM {log_salts} WHERE position = ? AND field = ?"), (position, field))
        salt = cur.fetchone()
        if row is None or salt is None:
            raise tlog.LeafMismatch(f"the event at position {position} has no {field} text the log holds a salt for")
        state, digest = tlog.erase(bytes(_get(row, "state", 0)), field, bytes(_get(salt, "salt", 0)))
        cur.execute(self.d.sql(f"UPDATE {self.events_table} SET state = ? WHERE {self._id_column} = ?"), (state, position))
        cur.execute(self.d.sql("INSERT INTO {log_erasures} (position, field, digest) VALUES (?, ?, ?)"),
                    (position, field, digest))
        cur.execute(self.d.sql("DELETE FROM {log_salts} WHERE position = ? AND field = ?"), (position, field))

    def forget(self) -> None:
        with self._lock:
            self._known = None

    def catch_up_in(self, cur: Any) -> int:
        """Give up to 5,000 events without a leaf theirs; how many were given."""
        edge = self.edge(cur)
        events = self._unleafed(cur, edge.last_position, None)
        self._write(cur, edge, events)
        return len(events)

    # Reading --------------------------------------------------------------------------------------

    def size_in(self, cur: Any) -> int:
        cur.execute(self.d.sql("SELECT idx FROM {log_leaves} ORDER BY idx DESC LIMIT 1"))
        row = cur.fetchone()
        return 0 if row is None else _get(row, "idx", 0) + 1

    def entries_in(self, cur: Any, start: int, limit: int) -> list[Entry]:
        cur.execute(self.d.sql("SELECT idx, position, leaf FROM {log_leaves} WHERE idx >= ? ORDER BY idx LIMIT ?"),
                    (start, limit))
        return [Entry(_get(r, "idx", 0), _get(r, "position", 1), bytes(_get(r, "leaf", 2))) for r in _rows(cur)]

    def index_in(self, cur: Any, position: int) -> int | None:
        cur.execute(self.d.sql("SELECT idx FROM {log_leaves} WHERE position = ?"), (position,))
        row = cur.fetchone()
        return None if row is None else _get(row, "idx", 0)

    def salts_in(self, cur: Any, first: int, last: int) -> dict[int, dict[str, bytes]]:
        cur.execute(self.d.sql("SELECT position, field, salt FROM {log_salts} WHERE position BETWEEN ? AND ?"),
                    (first, last))
        found: dict[int, dict[str, bytes]] = {}
        for r in _rows(cur):
            found.setdefault(_get(r, "position", 0), {})[_get(r, "field", 1)] = bytes(_get(r, "salt", 2))
        return found

    def erasures_in(self, cur: Any, first: int, last: int) -> dict[int, dict[str, str]]:
        cur.execute(self.d.sql("SELECT position, field, digest FROM {log_erasures} WHERE position BETWEEN ? AND ?"),
                    (first, last))
        found: dict[int, dict[str, str]] = {}
        for r in _rows(cur):
            found.setdefault(_get(r, "position", 0), {})[_get(r, "field", 1)] = _get(r, "digest", 2)
        return found


@dataclass(frozen=True)
class _Stored:
    originator_id: Any
    originator_version: int
    topic: str
    state: bytes


class MemoryTree:
    """The same tree for the in-memory store (tests, `memory://`), under the recorder's lock."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.nodes: dict[M.Node, bytes] = {}
        self.salts: dict[int, dict[str, bytes]] = {}
        self.erasures: dict[int, dict[str, str]] = {}

    def append(self, ids: Sequence[int], stored: Sequence[Any]) -> None:
        for position, s in zip(ids, stored):
            made = tlog.new_salts(s.topic, s.state)
            if made:
                self.salts[position] = made
            size = len(self.entries)
            self.entries.append(Entry(size, position, tlog.leaf(
                position, s.originator_id, s.originator_version, s.topic, s.state, made)))
            edge = {n: self.nodes[n] for n in M.frontier(size)}
            self.nodes.update(M.append(size, [M.leaf_hash(self.entries[-1].leaf)], edge))

    def erase(self, position: int, field: str, state: bytes) -> bytes:
        """As LogTree.erase_in: the erased state (the caller stores it), the digest kept, the salt dropped."""
        salts = self.salts.get(position, {})
        if field not in salts:
            raise tlog.LeafMismatch(f"the event at position {position} has no {field} text the log holds a salt for")
        erased, digest = tlog.erase(state, field, salts[field])
        self.erasures.setdefault(position, {})[field] = digest
        del salts[field]
        return erased
