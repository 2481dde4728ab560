"""The tree's append in SQL (infra/log_tree.append_trigger, PostgreSQL's fast path) is a copy of
`LogTree._write`: held equal to it here. Batches of events of random sizes and topics, some with
erasable texts, with holes in the positions, each inserted in one statement as the library does,
are given their leaves by the trigger in one schema (now and then by the Python path there too)
and by the Python path in another; the leaves, nodes and salts must be the same rows."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from domain.systems import System
from infra import merkle as M
from infra import tlog
from infra.log_tree import (
    LEAVES_SETTING,
    TREE_MOVED,
    Dialect,
    LogTree,
    _Stored,
    append_argument,
    append_trigger,
)
from infra.settings import Database
from tests.conftest import PG_URL, require_postgres

pytestmark = pytest.mark.postgres

TOPICS = [System.AssignmentRecorded.TOPIC, System.VacancyRecorded.TOPIC, "domain.people:Person.Registered",
          "domæne:Ændret"]  # a non-ASCII topic: the leaf is UTF-8 text
EVENTS = "ansvar_events"


def _schema(conn: psycopg.Connection, name: str) -> LogTree:
    dialect = Dialect("postgres", name)
    events = f'"{name}".{EVENTS}'
    conn.execute(f'CREATE SCHEMA "{name}"')
    conn.execute(f"CREATE TABLE {events} (notification_id bigserial PRIMARY KEY, originator_id uuid NOT NULL,"
                 " originator_version bigint NOT NULL, topic text NOT NULL, state bytea NOT NULL)")
    for statement in dialect.ddl:
        conn.execute(statement)
    for statement in append_trigger(dialect, events):
        conn.execute(statement)
    return LogTree(dialect, events)


def _announce(cur: psycopg.Cursor, argument: str) -> None:
    cur.execute("SELECT set_config(%s, %s, true)", (LEAVES_SETTING, argument))


event = st.tuples(st.sampled_from(TOPICS), st.one_of(st.none(), st.text(min_size=0, max_size=12)),
                  st.integers(min_value=1, max_value=10**12))
#: (events, how many sequence numbers a rolled-back insert took first, whether the SQL schema's
#: batch goes the Python way too: then the function's next call must read the frontier anew)
batches = st.lists(st.tuples(st.lists(event, min_size=1, max_size=5), st.integers(min_value=0, max_value=2),
                             st.booleans()), min_size=1, max_size=12)


@pytest.fixture
def conn():
    require_postgres()
    with psycopg.connect(Database.from_url(PG_URL).dsn, autocommit=True) as c:
        yield c


@hsettings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=batches)
def test_the_append_in_sql_writes_the_rows_the_python_append_writes(conn, batches):
    tag = uuid.uuid4().hex[:10]
    names = (f"tsql_{tag}", f"tpy_{tag}")
    try:
        tree_sql, tree = _schema(conn, names[0]), _schema(conn, names[1])
        for batch, hole, python_too in batches:
            stored, prepared = [], []
            for topic, text, version in batch:
                state = json.dumps({} if text is None else {"basis": text, "reason": text}).encode()
                stored.append(_Stored(uuid.uuid4(), version, topic, state))
                prepared.append(tlog.prepare(topic, state))
            ids_by = []
            for name in names:
                for _ in range(hole):  # a rolled-back insert's sequence numbers
                    conn.execute(f"SELECT nextval(pg_get_serial_sequence('\"{name}\".{EVENTS}', 'notification_id'))")
                with conn.transaction(), conn.cursor() as cur:
                    by_trigger = name == names[0] and not python_too
                    if by_trigger:
                        _announce(cur, append_argument(prepared, stored))
                    # One statement for the batch, as the library inserts a command's events.
                    values = ", ".join(["(%s, %s, %s, %s)"] * len(stored))
                    cur.execute(f'INSERT INTO "{name}".{EVENTS} (originator_id, originator_version, topic, state)'
                                f" VALUES {values} RETURNING notification_id",
                                [v for s in stored for v in (s.originator_id, s.originator_version, s.topic, s.state)])
                    ids = [row[0] for row in cur.fetchall()]
                    if not by_trigger:
                        (tree_sql if name == names[0] else tree).append_in(cur, ids, stored, prepared)
                ids_by.append(ids)
            assert ids_by[0] == ids_by[1]
        tables = {}
        for name in names:
            tables[name] = [
                conn.execute(f'SELECT idx, position, leaf FROM "{name}".log_leaves ORDER BY idx').fetchall(),
                conn.execute(f'SELECT level, idx, hash FROM "{name}".log_nodes ORDER BY level, idx').fetchall(),
                conn.execute(f'SELECT position, field, salt FROM "{name}".log_salts ORDER BY position, field').fetchall(),
            ]
        assert tables[names[0]] == tables[names[1]]
        leaves = [bytes(r[2]) for r in tables[names[0]][0]]
        nodes = {(lv, ix): bytes(h) for lv, ix, h in tables[names[0]][1]}
        assert nodes == {n: h for n, h in M.tree([M.leaf_hash(x) for x in leaves]).items() if n[0] > 0}
    finally:
        for name in names:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def test_the_append_in_sql_refuses_when_events_before_it_have_no_leaf(conn):
    """An event without a leaf before this insert's (written without the tree): the trigger must
    fail naming TREE_MOVED, so that the recorder runs the insert again on the Python path."""
    name = f"tsql_{uuid.uuid4().hex[:10]}"
    try:
        _schema(conn, name)
        other, mine = uuid.uuid4(), uuid.uuid4()
        conn.execute(f'INSERT INTO "{name}".{EVENTS} (originator_id, originator_version, topic, state)'
                     " VALUES (%s, 1, 't', '{}')", (other,))  # not announced: no leaf
        with pytest.raises(psycopg.Error, match=TREE_MOVED):
            with conn.transaction(), conn.cursor() as cur:
                _announce(cur, append_argument([({}, "00")], [_Stored(mine, 1, "t", b"{}")]))
                cur.execute(f'INSERT INTO "{name}".{EVENTS} (originator_id, originator_version, topic, state)'
                            " VALUES (%s, 1, 't', '{}')", (mine,))
        assert conn.execute(f'SELECT count(*) FROM "{name}".log_leaves').fetchone()[0] == 0
    finally:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
