"""The tree's append in SQL (infra/log_tree.append_function, PostgreSQL's fast path) is a copy of
`LogTree._write`: held equal to it here. Batches of events of random sizes and topics, some with
erasable texts, with holes in the positions, are given their leaves by the SQL function in one
schema (now and then by the Python path there too) and by the Python path in another; the
leaves, nodes and salts must be the same rows."""

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
    TREE_MOVED,
    Dialect,
    LogTree,
    _Stored,
    append_argument,
    append_function,
)
from infra.settings import Database
from tests.conftest import PG_URL, require_postgres

pytestmark = pytest.mark.postgres

TOPICS = [System.AssignmentRecorded.TOPIC, System.VacancyRecorded.TOPIC, "domain.people:Person.Registered",
          "domæne:Ændret"]  # a non-ASCII topic: the leaf is UTF-8 text
EVENTS = "ansvar_events"


def _schema(conn: psycopg.Connection, name: str) -> tuple[LogTree, str]:
    dialect = Dialect("postgres", name)
    events = f'"{name}".{EVENTS}'
    conn.execute(f'CREATE SCHEMA "{name}"')
    conn.execute(f"CREATE TABLE {events} (notification_id bigserial PRIMARY KEY, originator_id uuid NOT NULL,"
                 " originator_version bigint NOT NULL, topic text NOT NULL, state bytea NOT NULL)")
    for statement in dialect.ddl:
        conn.execute(statement)
    fn, ddl = append_function(dialect, events)
    for statement in ddl:
        conn.execute(statement)
    return LogTree(dialect, events), fn


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
        (tree_sql, fn), (tree, _) = _schema(conn, names[0]), _schema(conn, names[1])
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
                    ids = [cur.execute(f'INSERT INTO "{name}".{EVENTS} (originator_id, originator_version, topic,'
                                       " state) VALUES (%s, %s, %s, %s) RETURNING notification_id",
                                       (s.originator_id, s.originator_version, s.topic, s.state)).fetchone()[0]
                           for s in stored]
                    if name == names[0] and python_too:
                        tree_sql.append_in(cur, ids, stored, prepared)
                    elif name == names[0]:
                        cur.execute(f"SELECT {fn}(%s::jsonb)", (append_argument(prepared, stored),))
                    else:
                        tree.append_in(cur, ids, stored, prepared)
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


def test_the_append_in_sql_refuses_events_it_was_not_sent(conn):
    """Events after the tree's end that are not this insert's (written without the tree): it must
    fail naming TREE_MOVED, so that the recorder runs the insert again on the Python path."""
    name = f"tsql_{uuid.uuid4().hex[:10]}"
    try:
        _, fn = _schema(conn, name)
        other, mine = uuid.uuid4(), uuid.uuid4()
        conn.execute(f'INSERT INTO "{name}".{EVENTS} (originator_id, originator_version, topic, state)'
                     " VALUES (%s, 1, 't', '{}')", (other,))
        with pytest.raises(psycopg.Error, match=TREE_MOVED):
            with conn.transaction():
                conn.execute(f'INSERT INTO "{name}".{EVENTS} (originator_id, originator_version, topic, state)'
                             " VALUES (%s, 1, 't', '{}')", (mine,))
                conn.execute(f"SELECT {fn}(%s::jsonb)", (append_argument([({}, "00")], [_Stored(mine, 1, "t", b"{}")]),))
        assert conn.execute(f'SELECT count(*) FROM "{name}".log_leaves').fetchone()[0] == 0
    finally:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
