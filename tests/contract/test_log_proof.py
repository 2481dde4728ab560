"""What the log's tree must survive: an upgrade from a log without one, a hole in PostgreSQL's
positions, and two processes writing in turn."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from ansvar.bootstrap import bootstrap
from infra import merkle as M
from infra.log_proofs import NotInLog
from infra.log_verify import verify


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
def test_a_log_written_before_the_tree_gets_its_leaves_on_upgrade(settings, clock):
    runtime = bootstrap(settings, clock)
    app = runtime.portfolio
    unit = app.establish_org_unit("Kommune", "kommune", None).id
    for i in range(30):
        app.register_person(f"Person {i}", unit, None, None)
    runtime.close()
    _drop_tree(settings)  # as the log stood before the tree existed
    runtime = bootstrap(settings, clock)
    try:
        proofs = runtime.transparency.proofs
        assert proofs.size() == 31
        report = verify(proofs)
        assert report.ok and report.size == 31, report.findings
    finally:
        runtime.close()


def _drop_tree(settings) -> None:
    db = settings.database
    statements = ["DELETE FROM {p}log_leaves", "DELETE FROM {p}log_nodes", "DELETE FROM {p}log_salts"]
    if db.kind == "sqlite":
        import sqlite3

        with sqlite3.connect(db.path) as conn:
            for s in statements:
                conn.execute(s.format(p=""))
        return
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        for s in statements:
            conn.execute(s.format(p=f'"{db.schema}".'))


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_a_hole_in_the_positions_is_proved_not_hidden(settings, clock):
    runtime = bootstrap(settings, clock)
    try:
        app = runtime.portfolio
        unit = app.establish_org_unit("Kommune", "kommune", None).id
        with psycopg.connect(settings.database.dsn, autocommit=True) as conn:  # a sequence number lost to a rollback
            conn.execute(f'SELECT nextval(pg_get_serial_sequence(\'"{settings.database.schema}".ansvar_events\','
                         " 'notification_id'))")
        person = app.register_person("Efter hullet", unit, None, None)
        entries = runtime.transparency.proofs.entries(0, 10)
        assert [(e.idx, e.position) for e in entries] == [(0, 1), (1, 3)]  # leaf index: the order, not position - 1
        assert person.position == 3 and verify(runtime.transparency.proofs).ok
    finally:
        runtime.close()


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
def test_two_processes_writing_in_turn_grow_one_tree(settings, clock):
    first, second = bootstrap(settings, clock), bootstrap(settings, clock)
    try:
        unit = first.portfolio.establish_org_unit("Kommune", "kommune", None).id
        for i in range(12):
            writer = (first if i % 3 else second).portfolio
            writer.register_person(f"Person {i}", unit, None, None)
        for runtime in (first, second):
            report = verify(runtime.transparency.proofs)
            assert report.ok and report.size == 13, report.findings
        sizes = [first.transparency.checkpoint().size, second.transparency.checkpoint().size]
        assert sizes == [13, 13]
    finally:
        first.close()
        second.close()



@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
def test_events_without_a_leaf_after_the_tree_are_given_theirs_by_the_next_insert(settings, clock):
    """As when a process of a version without the tree wrote meanwhile: on PostgreSQL the append
    in SQL must refuse (its events are not the ones after the tree's end) and the insert run
    again on the path that gives those events their leaves first."""
    runtime = bootstrap(settings, clock)
    try:
        app = runtime.portfolio
        unit = app.establish_org_unit("Kommune", "kommune", None).id
        for i in range(6):
            app.register_person(f"Før {i}", unit, None, None)
        assert runtime.transparency.proofs.size() == 7
        for statement in ("DELETE FROM {p}log_leaves WHERE idx >= 5",
                          "DELETE FROM {p}log_nodes WHERE (idx + 1) * (1 << level) > 5"):
            _sql(settings, statement)  # the last two events as if written without the tree
        assert runtime.transparency.proofs.size() == 5
        after = app.register_person("Efter", unit, None, None)
        positions = [e.position for e in runtime.transparency.proofs.entries(0, 20)]
        # (PostgreSQL: the refused first try took a sequence number, a hole the tree proves)
        assert positions == [1, 2, 3, 4, 5, 6, 7, after.position]
        report = verify(runtime.transparency.proofs)
        assert report.ok and report.size == 8, report.findings
    finally:
        runtime.close()


def _sql(settings, statement: str) -> list[tuple]:
    db = settings.database
    if db.kind == "sqlite":
        import sqlite3

        with sqlite3.connect(db.path) as conn:
            return conn.execute(statement.format(p="")).fetchall()
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        cur = conn.execute(statement.format(p=f'"{db.schema}".'))
        return cur.fetchall() if cur.description else []


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
def test_the_stored_tree_keeps_no_leaf_hashes_and_proves_what_the_pure_tree_proves(settings, clock):
    runtime = bootstrap(settings, clock)
    try:
        app = runtime.portfolio
        unit = app.establish_org_unit("Kommune", "kommune", None).id
        for i in range(22):
            app.register_person(f"Person {i}", unit, None, None)
        proofs = runtime.transparency.proofs
        leaves = [e.leaf for e in proofs.entries(0, 100)]
        pure = M.tree([M.leaf_hash(x) for x in leaves])
        assert _sql(settings, "SELECT count(*) FROM {p}log_nodes WHERE level = 0") == [(0,)]
        if settings.database.kind == "postgres":  # grown by the trigger, which keeps the edge it left
            assert _sql(settings, "SELECT tree_size, last_position FROM {p}log_edge") == [(23, 23)]
        stored = {(lv, ix) for lv, ix in _sql(settings, "SELECT level, idx FROM {p}log_nodes")}
        assert stored == {n for n in pure if n[0] > 0}
        for size in range(1, len(leaves) + 1):
            assert proofs.head(size) == (size, M.root_from(size, pure))
            for index in range(size):
                assert proofs.inclusion(index, size) == M.inclusion_from(index, size, pure)
            for old in range(size + 1):
                assert proofs.consistency(old, size) == M.consistency_from(old, size, pure)
        # A tree written before leaf hashes left log_nodes still has them there: they change nothing.
        for (level, idx), h in pure.items():
            if level == 0:
                _insert_node(settings, idx, h)
        assert proofs.inclusion(5, len(leaves)) == M.inclusion_from(5, len(leaves), pure)
        assert verify(proofs).ok
    finally:
        runtime.close()


def _insert_node(settings, idx: int, h: bytes) -> None:
    db = settings.database
    if db.kind == "sqlite":
        import sqlite3

        with sqlite3.connect(db.path) as conn:
            conn.execute("INSERT INTO log_nodes (level, idx, hash) VALUES (0, ?, ?)", (idx, h))
        return
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute(f'INSERT INTO "{db.schema}".log_nodes (level, idx, hash) VALUES (0, %s, %s)', (idx, h))


@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_a_tree_built_anew_to_the_same_size_is_not_grown_from_the_edge_it_had_before(settings, clock):
    """Back-filled anew (new salts, so other leaves), the tree may end where it ended before: the
    trigger must not grow it from the frontier it kept then, and the Python path forgets it."""
    runtime = bootstrap(settings, clock)
    try:
        app = runtime.portfolio
        unit = app.establish_org_unit("Kommune", "kommune", None).id
        system = app.register_system("Løn", "KMD", unit, "high", True, "in_operation", date(2020, 1, 1)).id
        for i in range(4):
            person = app.register_person(f"Person {i}", unit, None, None).id
            app.assign_role(system, "systemejer", person, date(2021, 1, 1 + i), basis=f"brev {i}")  # a salted text
        size = _sql(settings, "SELECT count(*) FROM {p}log_leaves")[0][0]
        assert _sql(settings, "SELECT tree_size FROM {p}log_edge") == [(size,)]
        _sql(settings, "TRUNCATE {p}log_leaves, {p}log_nodes, {p}log_salts")  # the edge row stays
        assert app.recorder.catch_up_tree() == size
        assert _sql(settings, "SELECT count(*) FROM {p}log_edge") == [(0,)]
        app.assign_role(system, "dataejer", person, date(2022, 1, 1), basis="efter")  # by the trigger
        proofs = runtime.transparency.proofs
        leaves = [e.leaf for e in proofs.entries(0, 100)]
        pure = M.tree([M.leaf_hash(x) for x in leaves])
        stored = {(lv, ix): bytes(h) for lv, ix, h in _sql(settings, "SELECT level, idx, hash FROM {p}log_nodes")}
        assert stored == {n: h for n, h in pure.items() if n[0] > 0}
        assert verify(proofs).ok
    finally:
        runtime.close()


def _mth(hashes: list[bytes]) -> bytes:
    """RFC 9162 2.1.1, straight from its definition (the reference the stored tree is held to)."""
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return M.node_hash(_mth(hashes[:k]), _mth(hashes[k:]))


def _path(m: int, hashes: list[bytes]) -> list[bytes]:
    """RFC 9162 2.1.3.1."""
    if len(hashes) <= 1:
        return []
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    if m < k:
        return _path(m, hashes[:k]) + [_mth(hashes[k:])]
    return _path(m - k, hashes[k:]) + [_mth(hashes[:k])]


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
def test_every_inclusion_proof_and_root_equals_the_rfc_definition_for_every_size(settings, clock):
    # PostgreSQL reads a proof in one statement (infra/log_tree.py: proof_nodes_in); SQLite in four.
    runtime = bootstrap(settings, clock)
    try:
        app = runtime.portfolio
        unit = app.establish_org_unit("Kommune", "kommune", None).id
        for i in range(36):
            app.register_person(f"Person {i}", unit, None, None)
        proofs = runtime.transparency.proofs
        entries = proofs.entries(0, 100)
        hashes = [M.leaf_hash(e.leaf) for e in entries]
        assert len(entries) == proofs.size() == 37
        for e in entries:
            for size in (None, *range(e.idx + 1, len(entries) + 1)):
                entry, proved, path, root = proofs.proof_and_root(e.position, size)
                n = len(entries) if size is None else size
                assert (entry, proved) == (e, n)
                assert path == _path(e.idx, hashes[:n]) and root == _mth(hashes[:n]), (e.idx, n)
            if e.idx > 0:
                with pytest.raises(NotInLog):
                    proofs.proof_and_root(e.position, e.idx)  # a tree the leaf is not in yet
        with pytest.raises(NotInLog):
            proofs.proof_and_root(entries[0].position, len(entries) + 1)  # beyond the log
        assert proofs.proof_and_root(entries[-1].position + 1000) is None
    finally:
        runtime.close()
