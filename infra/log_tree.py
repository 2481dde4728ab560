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

Appending needs the tree's size and right edge (its frontier), read inside the lock every insert
holds, so no other append can come between. On PostgreSQL a trigger grows the tree as the events
go in (`append_trigger`): nothing for the client to do inside that lock. Where it cannot (events
without a leaf after the tree's end: an upgrade, or a process of a version without the tree
writing meanwhile) it fails with TREE_MOVED, the transaction rolls back whole, and the recorder
runs it again on the Python path (`LogTree.append_in`), which gives such events their leaves
first, in the same transaction. SQLite always takes the Python path.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from infra import merkle as M
from infra import tlog

TABLES = ("log_leaves", "log_nodes", "log_salts", "log_erasures", "log_edge")
#: In the error of an append in SQL that found the tree's end not where it must be (the docstring).
TREE_MOVED = "ansvar-tree-edge-moved"


@dataclass(frozen=True)
class Edge:
    """What an append needs to know of the tree: its size, its last leaf's position, its frontier."""

    size: int
    last_position: int
    frontier: Mapping[M.Node, bytes] = field(default_factory=dict)


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
        if kind == "postgres":  # where the trigger (append_trigger) keeps the edge it left
            self.ddl.append(f"CREATE TABLE IF NOT EXISTS {self.t['log_edge']} (one boolean PRIMARY KEY CHECK (one),"
                            " tree_size bigint NOT NULL, last_position bigint NOT NULL, frontier bytea[] NOT NULL)")

    def sql(self, text: str) -> str:
        return text.format(**self.t).replace("?", self.mark)


def _rows(cur: Any) -> list[Any]:
    return list(cur.fetchall())


def _get(row: Any, key: str, i: int) -> Any:
    if type(row) is tuple:  # a cursor making tuples (LogProofs.for_check): by place, without a failed look-up
        return row[i]
    try:
        return row[key]
    except (TypeError, IndexError, KeyError):
        return row[i]


#: The transaction-local setting that announces an insert's leaves to the trigger (append_trigger).
LEAVES_SETTING = "ansvar.leaves"
#: Positions or nodes asked of PostgreSQL at once as arrays (one statement text whatever the count).
_PG_BATCH = 5000


def append_trigger(dialect: Dialect, events_table: str) -> list[str]:
    """PostgreSQL: the trigger that grows the tree as the events go in, so that for the tree no
    statement, no round trip and no Python run inside the lock every insert holds (its DDL: a
    function and the trigger; the one-row table log_edge, where it keeps the frontier it leaves, is
    one of the tree's tables).

    The recorder announces each event's state hash and salts (tlog.prepare, worked out before the
    lock) in the setting LEAVES_SETTING (`append_argument`), local to the transaction; without it
    the trigger does nothing (the Python path, or an insert from outside ansvar). It runs once per
    insert statement (the library inserts a command's events in one), over the rows it inserted,
    so its cost is linear in them. It is `LogTree._write` in SQL, held equal to it by
    tests/properties/test_tree_sql.py: it reads the tree's edge, checks that the events after the
    tree's last leaf are exactly the ones inserted (else it raises TREE_MOVED: the transaction
    rolls back and the recorder runs it again on the Python path, which gives such events their
    leaves first), makes each leaf (tlog.leaf_of), and stores the leaves, the nodes they complete,
    the salts and the new edge."""
    t = dialect.t
    name, edge = t["log_leaves"].replace("log_leaves", "ansvar_tree_leaves"), t["log_edge"]
    function = f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    -- the setting: {{"<aggregate id>:<version>": {{"d": state hash, "s": {{field: base64 salt}}}}, ...}}
    j jsonb := nullif(current_setting('{LEAVES_SETTING}', true), '')::jsonb;
    e jsonb;
    size bigint;
    tail_position bigint;
    first_position bigint;
    lv int;
    ix bigint;
    cursor_ bigint := 0;
    h bytea;
    leaf bytea;
    stack bytea[];
    r record;
BEGIN
    IF j IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT idx + 1, position INTO size, tail_position FROM {t['log_leaves']} ORDER BY idx DESC LIMIT 1;
    IF NOT FOUND THEN
        size := 0;
        tail_position := 0;
    END IF;
    -- Under the lock no other insert comes between, so the events after the tail are exactly the
    -- inserted ones when none lies between the tail and the first of them (a range probe: its
    -- plan is cached, where a count over `> tail` was planned anew at every call).
    SELECT min(notification_id) INTO first_position FROM inserted;
    IF first_position <= tail_position OR EXISTS (
        SELECT 1 FROM {events_table} x WHERE x.notification_id > tail_position AND x.notification_id < first_position)
    THEN
        RAISE EXCEPTION '{TREE_MOVED}: events without a leaf after position %', tail_position;
    END IF;
    -- The frontier (merkle.frontier, highest level first) as the last append here left it in
    -- log_edge, if the tree still ends there; else (an append on the Python path since, or
    -- none yet) from the stored nodes, one lookup each.
    SELECT x.frontier INTO stack FROM {edge} x WHERE x.one AND x.tree_size = size AND x.last_position = tail_position;
    IF NOT FOUND THEN
        stack := '{{}}';
        FOR lv IN REVERSE 62..1 LOOP
            IF (size >> lv) & 1 = 1 THEN
                SELECT x.hash INTO h FROM {t['log_nodes']} x WHERE x.level = lv AND x.idx = cursor_ >> lv;
                IF NOT FOUND THEN
                    RAISE EXCEPTION '{TREE_MOVED}: node (%, %) of the frontier is missing', lv, cursor_ >> lv;
                END IF;
                stack := stack || h;
                cursor_ := cursor_ + (1::bigint << lv);
            END IF;
        END LOOP;
        IF size & 1 = 1 THEN
            SELECT sha256('\\x00'::bytea || x.leaf) INTO h FROM {t['log_leaves']} x WHERE x.idx = size - 1;
            stack := stack || h;
        END IF;
    END IF;
    FOR r IN SELECT notification_id, originator_id, originator_version, topic FROM inserted ORDER BY notification_id LOOP
        e := j->(r.originator_id::text || ':' || r.originator_version);
        IF e IS NULL THEN
            RAISE EXCEPTION '{TREE_MOVED}: position % was not announced', r.notification_id;
        END IF;
        leaf := convert_to('{tlog.LEAF_HEADER}' || E'\\n' || r.notification_id || E'\\n' || r.originator_id::text
                           || E'\\n' || r.originator_version || E'\\n' || r.topic || E'\\n' || (e->>'d') || E'\\n',
                           'UTF8');
        INSERT INTO {t['log_leaves']} (idx, position, leaf) VALUES (size, r.notification_id, leaf);
        h := sha256('\\x00'::bytea || leaf);
        lv := 0;
        ix := size;
        WHILE ix & 1 = 1 LOOP
            h := sha256('\\x01'::bytea || stack[array_length(stack, 1)] || h);
            stack := stack[1:array_length(stack, 1) - 1];
            lv := lv + 1;
            ix := ix >> 1;
            INSERT INTO {t['log_nodes']} (level, idx, hash) VALUES (lv, ix, h);
        END LOOP;
        stack := stack || h;
        INSERT INTO {t['log_salts']} (position, field, salt)
        SELECT r.notification_id, s.key, decode(s.value, 'base64') FROM jsonb_each_text(e->'s') s;
        size := size + 1;
        tail_position := r.notification_id;
    END LOOP;
    INSERT INTO {edge} AS x (one, tree_size, last_position, frontier) VALUES (true, size, tail_position, stack)
    ON CONFLICT (one) DO UPDATE SET tree_size = excluded.tree_size, last_position = excluded.last_position,
                                    frontier = excluded.frontier;
    RETURN NULL;
END;
$fn$"""
    events_literal = events_table.replace("'", "''")
    trigger = f"""
DO $do$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'ansvar_tree_leaves'
                   AND tgrelid = '{events_literal}'::regclass) THEN
        CREATE TRIGGER ansvar_tree_leaves AFTER INSERT ON {events_table} REFERENCING NEW TABLE AS inserted
        FOR EACH STATEMENT EXECUTE FUNCTION {name}();
    END IF;
END
$do$"""
    return [function, trigger]


def append_argument(prepared: Sequence[tuple[Mapping[str, bytes], str]], stored: Sequence[Any]) -> str:
    """The setting that announces these events' leaves to `append_trigger` (their tlog.prepare),
    as JSON text: made before the lock."""
    return json.dumps({
        f"{UUID(str(e.originator_id))}:{e.originator_version}": {
            "d": digest, "s": {name: base64.b64encode(salt).decode() for name, salt in made.items()}}
        for (made, digest), e in zip(prepared, stored)
    }, separators=(",", ":"))


class LogTree:
    """The tree over one event store, for SQLite or PostgreSQL (cursors of the library's datastore)."""

    def __init__(self, dialect: Dialect, events_table: str) -> None:
        self.d = dialect
        self.events_table = events_table  # qualified, as the library's recorder names it

    # Writing, inside the events' transaction -----------------------------------------------------

    def edge(self, cur: Any) -> Edge:
        cur.execute(self.d.sql("SELECT idx, position FROM {log_leaves} ORDER BY idx DESC LIMIT 1"))
        last = cur.fetchone()
        if last is None:
            return Edge(0, 0, {})
        size = _get(last, "idx", 0) + 1
        return Edge(size, _get(last, "position", 1), self.nodes_in(cur, M.frontier(size)))

    def nodes_in(self, cur: Any, wanted: Sequence[M.Node]) -> dict[M.Node, bytes]:
        """The stored hashes of these nodes: level 0 from the leaves themselves, above it from
        log_nodes (which keeps no leaf hashes: one row less per event, inside the log's lock)."""
        found: dict[M.Node, bytes] = {}
        wanted = list(dict.fromkeys(wanted))
        if self.d.kind == "postgres":
            return self._nodes_in_pg(cur, wanted)
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

    def _nodes_in_pg(self, cur: Any, wanted: list[M.Node]) -> dict[M.Node, bytes]:
        """nodes_in on PostgreSQL: the nodes as two arrays (levels, indexes), so the statement's text
        is one whatever the number of nodes (a list of placeholders made a new text each time, which
        the driver parsed again: a twentieth of the national auditor's pack)."""
        found: dict[M.Node, bytes] = {}
        for start in range(0, len(wanted), _PG_BATCH):
            chunk = wanted[start : start + _PG_BATCH]
            inner = [node for node in chunk if node[0] > 0]
            leaves = [ix for lv, ix in chunk if lv == 0]
            cur.execute(self.d.sql(
                "SELECT n.level, n.idx, n.hash FROM {log_nodes} n"
                " JOIN unnest(?::integer[], ?::bigint[]) AS w(level, idx) ON n.level = w.level AND n.idx = w.idx"
                " UNION ALL SELECT -1, idx, leaf FROM {log_leaves} WHERE idx = ANY(?::bigint[])"),
                [[lv for lv, _ in inner], [ix for _, ix in inner], leaves])
            for r in cur.fetchall():
                level, idx, value = _get(r, "level", 0), _get(r, "idx", 1), bytes(_get(r, "hash", 2))
                found[(0, idx) if level == -1 else (level, idx)] = M.leaf_hash(value) if level == -1 else value
        return found

    def append_in(self, cur: Any, ids: Sequence[int], stored: Sequence[Any],
                  prepared: Sequence[tuple[dict[str, bytes], str]] | None = None) -> Edge:
        """Give these just-inserted events their leaves (and any earlier event without one);
        `prepared` holds their `tlog.prepare`, worked out before the lock was taken."""
        edge = self.edge(cur)
        events = list(zip(ids, stored, prepared or [None] * len(ids)))
        if ids and ids[0] > edge.last_position + 1:
            events = [*self._unleafed(cur, edge.last_position, ids[0]), *events]
        return self._write(cur, edge, events)

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
        self._insert(cur, entries, {n: h for n, h in created.items() if n[0] > 0}, salts)
        size = edge.size + len(entries)
        merged = {**edge.frontier, **created}
        return Edge(size, entries[-1][1], {n: merged[n] for n in M.frontier(size)})

    def _insert(self, cur: Any, entries: list[tuple], nodes: Mapping[M.Node, bytes], salts: list[tuple]) -> None:
        if self.d.kind == "postgres":
            # The three inserts as one prepared statement, sent in the library's pipeline, the rows
            # as one JSON parameter (psycopg adapts array parameters element by element in Python).
            # The edge the trigger left is forgotten: the tree has moved on without it (and a tree
            # built anew, e.g. back-filled, may end at the same size with other hashes).
            b64 = base64.b64encode
            rows = json.dumps({
                "l": [[e[0], e[1], b64(e[2]).decode()] for e in entries],
                "s": [[x[0], x[1], b64(x[2]).decode()] for x in salts],
                "n": [[lv, ix, b64(h).decode()] for (lv, ix), h in nodes.items()],
            }, separators=(",", ":"))
            cur.execute(self.d.sql(
                "WITH p AS (SELECT ?::jsonb AS j), x AS (DELETE FROM {log_edge}),"
                " l AS (INSERT INTO {log_leaves} (idx, position, leaf) SELECT (e->>0)::bigint, (e->>1)::bigint,"
                " decode(e->>2, 'base64') FROM p, jsonb_array_elements(p.j->'l') e),"
                " s AS (INSERT INTO {log_salts} (position, field, salt) SELECT (e->>0)::bigint, e->>1,"
                " decode(e->>2, 'base64') FROM p, jsonb_array_elements(p.j->'s') e)"
                " INSERT INTO {log_nodes} (level, idx, hash) SELECT (e->>0)::int, (e->>1)::bigint,"
                " decode(e->>2, 'base64') FROM p, jsonb_array_elements(p.j->'n') e"
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

    def entries_at_in(self, cur: Any, positions: Sequence[int]) -> dict[int, Entry]:
        """The entries of these log positions, by position (one query per 1,000; none for a position
        without a leaf)."""
        found: dict[int, Entry] = {}
        wanted = list(dict.fromkeys(positions))
        pg = self.d.kind == "postgres"
        step = _PG_BATCH if pg else 1000
        for start in range(0, len(wanted), step):
            chunk = wanted[start : start + step]
            if pg:  # one statement text whatever the count: parsed once by the driver, prepared by the server
                cur.execute(self.d.sql("SELECT idx, position, leaf FROM {log_leaves} WHERE position = ANY(?::bigint[])"),
                            [chunk])
            else:
                cur.execute(self.d.sql(f"SELECT idx, position, leaf FROM {{log_leaves}} WHERE position IN"
                                       f" ({', '.join(['?'] * len(chunk))})"), chunk)
            for r in _rows(cur):
                entry = Entry(_get(r, "idx", 0), _get(r, "position", 1), bytes(_get(r, "leaf", 2)))
                found[entry.position] = entry
        return found

    # One round trip for an inclusion proof (PostgreSQL): the leaf, the tree's size, and every node
    # its path and its root can need, which are the siblings of the leaf's ancestors that are
    # complete within the size, and the size's own frontier (infra/merkle.py: an incomplete range
    # of a path is a run of frontier nodes). A superset of what `merkle.inclusion_nodes` and
    # `root_nodes` ask for, from one snapshot; four queries in a transaction took 3-4x as long.
    _PROOF = (
        "WITH l AS (SELECT idx, leaf FROM {log_leaves} WHERE position = %s),"
        " t AS (SELECT (SELECT idx + 1 FROM {log_leaves} ORDER BY idx DESC LIMIT 1) AS now),"
        " n AS (SELECT coalesce(%s::bigint, t.now) AS n, t.now FROM t),"
        " w AS (SELECT lv, (l.idx >> lv) # 1 AS ix FROM l, n, generate_series(0, 62) lv"
        "       WHERE (1::bigint << lv) <= n.n AND (((l.idx >> lv) # 1) + 1) << lv <= n.n"
        "       UNION SELECT lv, (n.n >> lv) - 1 FROM l, n, generate_series(0, 62) lv"
        "       WHERE n.n & (1::bigint << lv) <> 0)"
        " SELECT -2 AS level, l.idx, l.leaf AS hash, n.n, n.now FROM l, n"
        " UNION ALL SELECT x.level, x.idx, x.hash, NULL, NULL FROM w JOIN {log_nodes} x ON x.level = w.lv AND x.idx = w.ix"
        "  WHERE w.lv > 0"
        " UNION ALL SELECT -1, x.idx, x.leaf, NULL, NULL FROM w JOIN {log_leaves} x ON x.idx = w.ix WHERE w.lv = 0"
    )

    def proof_nodes_in(self, cur: Any, position: int, size: int | None
                       ) -> tuple[int, bytes, int, int, dict[M.Node, bytes]] | None:
        """PostgreSQL: the leaf of the event at `position` (index, leaf), the size asked for (the
        tree's now if None), the tree's size now, and the nodes a proof and root of that size need;
        None if no event has a leaf there."""
        cur.execute(self.d.sql(self._PROOF), (position, size), prepare=True)
        return self.proof_from_rows(_rows(cur))

    @property
    def proof_sql(self) -> str:
        """The same statement for a Reader (asyncpg: `?` placeholders, the tables named as here)."""
        return self._PROOF.replace("%s", "?").format(**self.d.t)

    @staticmethod
    def proof_from_rows(rows: Sequence[Any]) -> tuple[int, bytes, int, int, dict[M.Node, bytes]] | None:
        """proof_nodes_in's answer from the rows of _PROOF (dicts, tuples or asyncpg records)."""
        if not rows:
            return None
        found: dict[M.Node, bytes] = {}
        head = None
        for r in rows:
            level, idx, value = _get(r, "level", 0), _get(r, "idx", 1), bytes(_get(r, "hash", 2))
            if level == -2:
                head = (idx, value, _get(r, "n", 3), _get(r, "now", 4))
            elif level == -1:
                found[(0, idx)] = M.leaf_hash(value)
            else:
                found[(level, idx)] = value
        assert head is not None
        return (*head, found)

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


    # Holding the store to the log (infra/log_store_checks.py) -------------------------------------

    def nodes_completed_in(self, cur: Any, start: int, end: int) -> dict[M.Node, bytes]:
        """The stored interior nodes that leaves [start, end) complete (merkle.completed_between)."""
        ranges = M.completed_between(start, end)
        if not ranges:
            return {}
        where = " OR ".join(["(level = ? AND idx BETWEEN ? AND ?)"] * len(ranges))
        cur.execute(self.d.sql(f"SELECT level, idx, hash FROM {{log_nodes}} WHERE {where}"),
                    [v for r in ranges for v in r])
        return {(_get(r, "level", 0), _get(r, "idx", 1)): bytes(_get(r, "hash", 2)) for r in _rows(cur)}

    def node_beyond_in(self, cur: Any, size: int) -> M.Node | None:
        """A stored interior node that is no complete subtree of a tree of `size` leaves, if there
        is one (level 0 rows, leaf hashes an older version kept, change nothing). One index probe
        per level."""
        levels = range(1, 63)
        where = " OR ".join(["(level = ? AND (idx < 0 OR idx >= ?))"] * len(levels))
        cur.execute(self.d.sql(f"SELECT level, idx FROM {{log_nodes}} WHERE level > 62 OR {where}"
                               " ORDER BY level, idx LIMIT 1"), [v for lv in levels for v in (lv, size >> lv)])
        row = cur.fetchone()
        return None if row is None else (_get(row, "level", 0), _get(row, "idx", 1))

    def edge_stored_in(self, cur: Any) -> tuple[int, int, list[bytes]] | None:
        """The edge the PostgreSQL trigger keeps (log_edge), if any: tree size, last position, and
        the hashes of merkle.frontier(size), highest first."""
        if self.d.kind != "postgres":
            return None
        cur.execute(self.d.sql("SELECT tree_size, last_position, frontier FROM {log_edge} WHERE one"))
        row = cur.fetchone()
        if row is None:
            return None
        return (_get(row, "tree_size", 0), _get(row, "last_position", 1),
                [bytes(h) for h in _get(row, "frontier", 2) or []])

    def erasure_rows_in(self, cur: Any, after: tuple[int, str], limit: int) -> list[tuple[int, str]]:
        """(position, field) of the rows of log_erasures after `after`, in that order."""
        cur.execute(self.d.sql("SELECT position, field FROM {log_erasures} WHERE position > ? OR (position = ?"
                               " AND field > ?) ORDER BY position, field LIMIT ?"), (after[0], after[0], after[1], limit))
        return [(_get(r, "position", 0), _get(r, "field", 1)) for r in _rows(cur)]

    def leaves_between_in(self, cur: Any, first: int, last: int) -> dict[int, bytes]:
        """The stored leaves of positions first..last, by position."""
        cur.execute(self.d.sql("SELECT position, leaf FROM {log_leaves} WHERE position BETWEEN ? AND ?"), (first, last))
        return {_get(r, "position", 0): bytes(_get(r, "leaf", 1)) for r in _rows(cur)}


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
