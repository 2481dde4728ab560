"""Tried as a database superuser: an edited event, a deleted one, two swapped, a rewritten leaf.
`ansvar verify` fails and names the position each time; restored, it passes. Erasing a person
leaves every proof valid. SQLite and PostgreSQL alike (the in-memory store has no superuser)."""

from __future__ import annotations

import argparse
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import psycopg
import pytest

from ansvar.bootstrap import bootstrap
from ansvar.cli_log import cmd_verify
from domain.errors import AlreadyDone
from domain.org import Person
from infra import merkle as M
from infra import tlog

pytestmark = pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def history(settings, clock):
    runtime = bootstrap(settings, clock)
    app = runtime.portfolio
    unit = app.establish_org_unit("Kommune", "kommune", None).id
    owner = app.register_person("Bente Bro", unit, None, "bente@k.dk").id
    other = app.register_person("Carl Ceder", unit, None, None).id
    system = app.register_system("Lønsystem", "KMD", unit, "high", True, "in_operation", date(2020, 1, 1)).id
    app.assign_role(system, "systemejer", owner, date(2021, 1, 1), basis="the director's letter")
    app.record_vacancy(system, "systemansvarlig", date(2021, 1, 1), None, "Carl, maybe")
    departed = app.record_departure(owner, date(2024, 1, 1)).position
    app.assign_role(system, "dataejer", other, date(2022, 1, 1))
    checkpoint = runtime.transparency.checkpoint()
    runtime.close()
    return {"departure": departed, "system": system, "owner": owner, "other": other, "checkpoint": checkpoint,
            "head": departed + 1}


def run_verify(settings, clock, capsys, *checkpoints: Any) -> tuple[int, str]:
    files = []
    for i, checkpoint in enumerate(checkpoints):
        path = settings.database.path.parent if settings.database.kind == "sqlite" else None
        file = (path or __import__("pathlib").Path("/tmp")) / f"checkpoint-{id(settings)}-{i}.txt"
        file.write_text(checkpoint.note(), encoding="utf-8")
        files.append(str(file))
    code = cmd_verify(settings, clock, argparse.Namespace(checkpoint=files, export=None, key=None, json=False))
    return code, " ".join(capsys.readouterr().out.split())  # the report, on stdout


@contextmanager
def superuser(settings) -> Iterator[Any]:
    db = settings.database
    if db.kind == "sqlite":
        conn = sqlite3.connect(db.path)
        try:
            yield _Sql(conn, "?", "stored_events", "rowid", "")
            conn.commit()
        finally:
            conn.close()
        return
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        yield _Sql(conn, "%s", f'"{db.schema}".ansvar_events', "notification_id", f'"{db.schema}".')


class _Sql:
    def __init__(self, conn: Any, mark: str, events: str, id_column: str, prefix: str) -> None:
        self.conn, self.mark, self.events, self.id, self.prefix = conn, mark, events, id_column, prefix

    def run(self, sql: str, *params: Any) -> list[tuple]:
        cur = self.conn.execute(sql.replace("?", self.mark).format(events=self.events, id=self.id, p=self.prefix), params)
        return list(cur.fetchall()) if cur.description else []

    def row(self, position: int) -> tuple:
        return self.run("SELECT {id}, originator_id, originator_version, topic, state FROM {events} WHERE {id} = ?",
                        position)[0]


def test_an_untouched_log_verifies_against_its_checkpoint(settings, clock, capsys, history):
    code, out = run_verify(settings, clock, capsys, history["checkpoint"])
    assert code == 0, out
    assert "the log verifies" in out and f"checkpoint of size {history['checkpoint'].size}" in out


def test_the_council_minutes_are_a_checkpoint_to_verify_against(settings, clock, capsys, history, tmp_path):
    from usecases.registers import checkpoint_rows
    from infra import spreadsheet

    kept = type("Kept", (), {"checkpoint": lambda self: history["checkpoint"]})()
    files = []
    for kind in ("csv", "xlsx"):
        file = tmp_path / f"beslutninger.{kind}"
        file.write_bytes(spreadsheet.write(kind, "Beslutningslog", ["Dato"], [["2026-03-01"], [], *checkpoint_rows(kept)]))
        files.append(str(file))
    verify = lambda: cmd_verify(settings, clock, argparse.Namespace(checkpoint=files, export=None, key=None, json=False))  # noqa: E731
    assert verify() == 0, capsys.readouterr().err
    position = history["departure"] - 2
    with superuser(settings) as sql:
        sql.run("UPDATE {p}log_leaves SET leaf = ? WHERE position = ?", b"rewritten", position)
        sql.run("DELETE FROM {p}log_nodes")
    assert verify() == 1 and f"position {position}" in " ".join(capsys.readouterr().out.split())
    (tmp_path / "tom.csv").write_bytes(spreadsheet.write("csv", "Beslutningslog", ["Dato"], [["x"]]))
    unsigned = argparse.Namespace(checkpoint=[str(tmp_path / "tom.csv")], export=None, key=None, json=False)
    capsys.readouterr()
    assert cmd_verify(settings, clock, unsigned) == 2 and "no signed checkpoint" in " ".join(capsys.readouterr().err.split())


def test_one_flipped_bit_in_one_event_is_named_and_restoring_it_passes(settings, clock, capsys, history):
    position = history["departure"] - 1  # the vacancy "Carl, maybe" ... any event will do: pick one in the middle
    with superuser(settings) as sql:
        original = bytes(sql.row(position)[4])
        changed = bytearray(original)
        changed[original.index(b"20")] ^= 0x01  # a digit of a date: still JSON, another value
        sql.run("UPDATE {events} SET state = ? WHERE {id} = ?", bytes(changed), position)
    code, out = run_verify(settings, clock, capsys)
    assert code == 1 and f"position {position}" in out and "differs from what its leaf committed to" in out
    with superuser(settings) as sql:
        sql.run("UPDATE {events} SET state = ? WHERE {id} = ?", original, position)
    assert run_verify(settings, clock, capsys, history["checkpoint"])[0] == 0


def test_a_deleted_departure_is_named_and_restoring_it_passes(settings, clock, capsys, history):
    position = history["departure"]
    with superuser(settings) as sql:
        row = sql.row(position)
        assert row[3] == Person.Departed.TOPIC
        sql.run("DELETE FROM {events} WHERE {id} = ?", position)
    code, out = run_verify(settings, clock, capsys)
    assert code == 1 and f"position {position}" in out and "the event is gone" in out
    with superuser(settings) as sql:
        columns = "rowid, originator_id, originator_version, topic, state" if settings.database.kind == "sqlite" else \
            "notification_id, originator_id, originator_version, topic, state"
        sql.run(f"INSERT INTO {{events}} ({columns}) VALUES (?, ?, ?, ?, ?)", *row)
    assert run_verify(settings, clock, capsys, history["checkpoint"])[0] == 0


def test_two_swapped_events_are_named_and_swapping_back_passes(settings, clock, capsys, history):
    a, b = 3, 5
    with superuser(settings) as sql:
        swap(sql, a, b)
    code, out = run_verify(settings, clock, capsys)
    assert code == 1 and f"position {a}" in out
    with superuser(settings) as sql:
        swap(sql, a, b)
    assert run_verify(settings, clock, capsys, history["checkpoint"])[0] == 0


def swap(sql: _Sql, a: int, b: int) -> None:
    sql.run("UPDATE {events} SET {id} = ? WHERE {id} = ?", -1, a)
    sql.run("UPDATE {events} SET {id} = ? WHERE {id} = ?", a, b)
    sql.run("UPDATE {events} SET {id} = ? WHERE {id} = ?", b, -1)


def test_an_edit_with_its_leaf_and_tree_rewritten_to_match_is_caught_by_the_signed_checkpoint(
    settings, clock, capsys, history
):
    position = history["departure"] - 2
    with superuser(settings) as sql:
        row = sql.row(position)
        state = bytes(row[4]).replace(b"2021-01-01", b"2019-01-01")
        assert state != bytes(row[4])
        sql.run("UPDATE {events} SET state = ? WHERE {id} = ?", state, position)
        salts = dict(sql.run("SELECT field, salt FROM {p}log_salts WHERE position = ?", position))
        leaf = tlog.leaf(position, row[1], row[2], row[3], state, {f: bytes(s) for f, s in salts.items()})
        sql.run("UPDATE {p}log_leaves SET leaf = ? WHERE position = ?", leaf, position)
    code, out = run_verify(settings, clock, capsys)
    assert code == 1 and "the stored tree's node (level 1," in out and "was altered" in out  # the leaf alone: the nodes give it away
    with superuser(settings) as sql:
        leaves = [bytes(r[0]) for r in sql.run("SELECT leaf FROM {p}log_leaves ORDER BY idx")]
        sql.run("DELETE FROM {p}log_nodes")
        if settings.database.kind == "postgres":
            sql.run("DELETE FROM {p}log_edge")  # the edge the trigger keeps would give it away too
        for (level, idx), h in M.tree([M.leaf_hash(x) for x in leaves]).items():
            if level > 0:  # log_nodes keeps interior nodes only
                sql.run("INSERT INTO {p}log_nodes (level, idx, hash) VALUES (?, ?, ?)", level, idx, h)
    code, out = run_verify(settings, clock, capsys, history["checkpoint"])
    assert code == 1 and f"checkpoint of size {history['checkpoint'].size}" in out and "changed" in out


def test_erasing_a_person_keeps_every_proof_valid(settings, clock, capsys, history):
    runtime = bootstrap(settings, clock)
    runtime.portfolio.erase_person_details(history["owner"], "request 4 (art. 17)")
    runtime.close()
    code, out = run_verify(settings, clock, capsys, history["checkpoint"])
    assert code == 0, out


def test_erasing_a_free_text_removes_it_from_the_store_and_keeps_every_proof_valid(settings, clock, capsys, history):
    vacancy = history["departure"] - 1  # the vacancy whose reason names "Carl, maybe"
    basis_at = vacancy - 1  # the assignment on "the director's letter"
    runtime = bootstrap(settings, clock)
    runtime.portfolio.erase_text(vacancy, "request 5 (art. 17)")
    runtime.portfolio.erase_text(basis_at, "request 5 (art. 17)", field="basis")
    with pytest.raises(AlreadyDone):
        runtime.portfolio.erase_text(vacancy, "again")
    runtime.close()
    with superuser(settings) as sql:
        everything = b"".join(bytes(r[4]) for r in sql.run("SELECT {id}, originator_id, originator_version, topic,"
                                                           " state FROM {events}"))
        assert b"Carl, maybe" not in everything and b"director" not in everything
        assert b'"reason":"[erased]"' in bytes(sql.row(vacancy)[4])
        assert not sql.run("SELECT field FROM {p}log_salts WHERE position IN (?, ?)", vacancy, basis_at)
        assert len(sql.run("SELECT digest FROM {p}log_erasures")) == 2
    code, out = run_verify(settings, clock, capsys, history["checkpoint"])
    assert code == 0, out


def test_text_put_back_where_it_was_erased_is_named(settings, clock, capsys, history):
    vacancy = history["departure"] - 1
    runtime = bootstrap(settings, clock)
    runtime.portfolio.erase_text(vacancy, "request 6")
    runtime.close()
    with superuser(settings) as sql:
        erased = bytes(sql.row(vacancy)[4])
        sql.run("UPDATE {events} SET state = ? WHERE {id} = ?", erased.replace(b"[erased]", b"Carl, maybe"), vacancy)
    code, out = run_verify(settings, clock, capsys)
    assert code == 1 and f"position {vacancy}" in out
    with superuser(settings) as sql:
        sql.run("UPDATE {events} SET state = ? WHERE {id} = ?", erased, vacancy)
    assert run_verify(settings, clock, capsys, history["checkpoint"])[0] == 0


def test_the_operator_erases_a_text_at_the_command_line(settings, clock, capsys, history):
    from ansvar.cli_log import cmd_log

    vacancy = history["departure"] - 1
    erase = argparse.Namespace(action="erase", position=vacancy, basis="sag 2026-41", field=None)
    said = lambda: " ".join(capsys.readouterr().out.split())  # noqa: E731  (the report, on stdout)
    refused = lambda: " ".join(capsys.readouterr().err.split())  # noqa: E731  (errors, on stderr)
    assert cmd_log(settings, clock, erase) == 0 and "erased; every proof stays valid" in said()
    assert cmd_log(settings, clock, erase) == 0 and "already erased" in said()
    wrong = argparse.Namespace(action="erase", position=1, basis="x", field=None)  # the org unit: no free text
    assert cmd_log(settings, clock, wrong) == 1 and "no erasable text" in refused()
    assert run_verify(settings, clock, capsys, history["checkpoint"])[0] == 0


def test_in_worker_processes_verify_finds_what_it_finds_alone(settings, clock, history, monkeypatch):
    """A large log's leaves are recomputed in other processes (log_verify.PARALLEL_FROM): small
    batches here, so the findings must come in log order across several of them."""
    from ansvar.cli_log import _open_log
    from infra import log_verify

    monkeypatch.setattr(log_verify, "BATCH", 2)
    runtime = bootstrap(settings, clock)
    unit = runtime.portfolio.establish_org_unit("Team", "team", None).id
    for i in range(9):
        runtime.portfolio.register_person(f"Person {i}", unit, None, None)
    runtime.close()

    def both() -> tuple[Any, Any]:
        proofs = _open_log(settings, clock)
        try:
            return log_verify.verify(proofs, workers=0), log_verify.verify(proofs, workers=2)
        finally:
            proofs.owner.close()

    alone, parallel = both()
    assert alone.ok and parallel.ok and (alone.size, alone.root) == (parallel.size, parallel.root) and alone.size > 10
    for position, how in ((history["departure"] - 1, "state"), (alone.size - 1, "state"), (3, "leaf")):
        with superuser(settings) as sql:
            if how == "state":
                original = bytes(sql.row(position)[4])
                sql.run("UPDATE {events} SET state = ? WHERE {id} = ?", original.replace(b"20", b"19", 1), position)
            else:
                original = bytes(sql.run("SELECT leaf FROM {p}log_leaves WHERE position = ?", position)[0][0])
                sql.run("UPDATE {p}log_leaves SET leaf = ? WHERE position = ?", b"x" + original, position)
        alone, parallel = both()
        assert alone.first_position == parallel.first_position == position
        assert [str(f) for f in alone.findings] == [str(f) for f in parallel.findings]
        with superuser(settings) as sql:
            if how == "state":
                sql.run("UPDATE {events} SET state = ? WHERE {id} = ?", original, position)
            else:
                sql.run("UPDATE {p}log_leaves SET leaf = ? WHERE position = ?", original, position)
    assert all(r.ok for r in both())


def _dies(rows: list) -> list:
    import os

    os._exit(3)  # a worker process that stops, as one would that cannot import its caller's script


def test_when_the_worker_processes_stop_verify_finishes_in_its_own(settings, clock, history, monkeypatch):
    from ansvar.cli_log import _open_log
    from infra import log_verify

    monkeypatch.setattr(log_verify, "BATCH", 2)
    monkeypatch.setattr(log_verify, "leaf_batch", _dies)
    proofs = _open_log(settings, clock)
    try:
        report = log_verify.verify(proofs, workers=1)
        assert report.ok and report.size == history["head"] and report.root == history["checkpoint"].root
    finally:
        proofs.owner.close()


def test_a_silent_erasure_is_named_and_undoing_it_passes(settings, clock, capsys, history):
    """Replaced by `[erased]`, its digest kept and its salt dropped as an erasure would, but with
    no erasure event: the leaf still matches, and the erasure the log does not record is named."""
    vacancy = history["departure"] - 1  # the vacancy whose reason names "Carl, maybe"
    with superuser(settings) as sql:
        original = bytes(sql.row(vacancy)[4])
        salt = bytes(sql.run("SELECT salt FROM {p}log_salts WHERE position = ? AND field = 'reason'", vacancy)[0][0])
        erased, digest = tlog.erase(original, "reason", salt)
        sql.run("UPDATE {events} SET state = ? WHERE {id} = ?", erased, vacancy)
        sql.run("INSERT INTO {p}log_erasures (position, field, digest) VALUES (?, 'reason', ?)", vacancy, digest)
        sql.run("DELETE FROM {p}log_salts WHERE position = ?", vacancy)
    code, out = run_verify(settings, clock, capsys, history["checkpoint"])
    assert code == 1 and f"position {vacancy}: reason reads as erased, but no erasure event in the log names it" in out
    with superuser(settings) as sql:
        sql.run("UPDATE {events} SET state = ? WHERE {id} = ?", original, vacancy)
        sql.run("DELETE FROM {p}log_erasures WHERE position = ?", vacancy)
        sql.run("INSERT INTO {p}log_salts (position, field, salt) VALUES (?, 'reason', ?)", vacancy, salt)
    assert run_verify(settings, clock, capsys, history["checkpoint"])[0] == 0


def test_an_erasure_the_log_records_but_the_store_undid_is_named(settings, clock, capsys, history):
    vacancy = history["departure"] - 1
    with superuser(settings) as sql:
        original = bytes(sql.row(vacancy)[4])
        salt = sql.run("SELECT salt FROM {p}log_salts WHERE position = ?", vacancy)
    runtime = bootstrap(settings, clock)
    runtime.portfolio.erase_text(vacancy, "request 7")
    runtime.close()
    assert run_verify(settings, clock, capsys)[0] == 0
    with superuser(settings) as sql:  # the text and its salt put back from a copy taken before
        sql.run("UPDATE {events} SET state = ? WHERE {id} = ?", original, vacancy)
        sql.run("DELETE FROM {p}log_erasures WHERE position = ?", vacancy)
        sql.run("INSERT INTO {p}log_salts (position, field, salt) VALUES (?, 'reason', ?)", vacancy, bytes(salt[0][0]))
    code, out = run_verify(settings, clock, capsys)
    assert code == 1 and f"position {vacancy}: the log records the erasure of reason" in out


@pytest.mark.parametrize("how", ["zeroed", "deleted"])
def test_a_zeroed_or_deleted_interior_node_is_named_and_restoring_it_passes(settings, clock, capsys, history, how):
    with superuser(settings) as sql:
        original = bytes(sql.run("SELECT hash FROM {p}log_nodes WHERE level = 1 AND idx = 1")[0][0])
        last = sql.run("SELECT position FROM {p}log_leaves WHERE idx = 3")[0][0]
        if how == "zeroed":
            sql.run("UPDATE {p}log_nodes SET hash = ? WHERE level = 1 AND idx = 1", bytes(32))
        else:
            sql.run("DELETE FROM {p}log_nodes WHERE level = 1 AND idx = 1")
    code, out = run_verify(settings, clock, capsys, history["checkpoint"])
    said = "differs from the one its leaves make" if how == "zeroed" else "is missing"
    assert code == 1 and f"position {last}: the stored tree's node (level 1, index 1; leaf indexes 2-3" in out
    assert said in out and "more of the stored tree's nodes" not in out  # the ones above were stored right
    with superuser(settings) as sql:
        if how == "zeroed":
            sql.run("UPDATE {p}log_nodes SET hash = ? WHERE level = 1 AND idx = 1", original)
        else:
            sql.run("INSERT INTO {p}log_nodes (level, idx, hash) VALUES (1, 1, ?)", original)
    assert run_verify(settings, clock, capsys, history["checkpoint"])[0] == 0


def test_a_node_stored_beyond_the_tree_is_named(settings, clock, capsys, history):
    with superuser(settings) as sql:
        sql.run("INSERT INTO {p}log_nodes (level, idx, hash) VALUES (3, 7, ?)", bytes(32))
    code, out = run_verify(settings, clock, capsys)
    assert code == 1 and "holds a node a tree of" in out and "(level 3, index 7)" in out


def test_an_altered_edge_of_the_postgresql_trigger_is_named(settings, clock, capsys, history):
    if settings.database.kind != "postgres":
        pytest.skip("log_edge is the PostgreSQL trigger's")
    with superuser(settings) as sql:
        size, frontier = sql.run("SELECT tree_size, frontier FROM {p}log_edge")[0]
        assert size == history["head"]
        sql.run("UPDATE {p}log_edge SET frontier[1] = ?", bytes(32))
    code, out = run_verify(settings, clock, capsys)
    assert code == 1 and f"position {history['head']}: the stored edge of the tree (log_edge, at {size} leaves)" in out
    with superuser(settings) as sql:
        sql.run("UPDATE {p}log_edge SET frontier[1] = ?", bytes(frontier[0]))
    assert run_verify(settings, clock, capsys, history["checkpoint"])[0] == 0


# A rebuild never adopts what does not verify --------------------------------------------------------

def _forge_holder(settings, history) -> int:
    """The probe's edit: the Systemejer's assignment made to name another person."""
    position = history["departure"] - 2  # assign_role(system, "systemejer", owner, ...)
    with superuser(settings) as sql:
        state = bytes(sql.row(position)[4])
        assert history["owner"].hex.encode() in state
        sql.run("UPDATE {events} SET state = ? WHERE {id} = ?",
                state.replace(history["owner"].hex.encode(), history["other"].hex.encode()), position)
    return position


@contextmanager
def _serving(settings, clock) -> Iterator[Any]:
    from dataclasses import replace

    from litestar.testing import TestClient

    from ansvar.web import create_app
    from infra.settings import Auth
    from tests.api.client import TEST_SECRET, bearer

    app = create_app(replace(settings, auth=Auth(secret=TEST_SECRET)), clock=clock, configure_logging=False)
    with TestClient(app) as client:
        client.headers["Authorization"] = bearer()
        yield client


def rebuild_args(accept: bool = False) -> argparse.Namespace:
    return argparse.Namespace(action="rebuild", names=[], batch=None, accept_broken_log=accept)


@pytest.fixture(params=["here", "beside"])
def check_where(request, monkeypatch) -> str:
    """The rebuild's read check in its own process (as on a long log), or in the rebuild's."""
    if request.param == "beside":
        from infra import log_read_check
        from projections import rebuild

        monkeypatch.setattr(rebuild, "CHECK_BESIDE_FROM", 0)
        monkeypatch.setattr(log_read_check, "IN_WORKER_FROM", 1)
        monkeypatch.setattr("os.cpu_count", lambda: 2)
    return request.param


def test_a_rebuild_over_an_edited_event_stops_naming_it_and_the_old_views_serve(settings, clock, capsys, history,
                                                                                check_where):
    from ansvar.cli import cmd_projections

    runtime = bootstrap(settings, clock)
    runtime.catchup.run_until_caught_up()
    before = runtime.catchup.checksums()
    runtime.close()
    forged = _forge_holder(settings, history)
    assert cmd_projections(settings, clock, rebuild_args()) == 1
    said = " ".join(capsys.readouterr().err.split())
    assert f"the rebuild stopped: the log does not verify at position {forged}" in said
    assert "differs from what its leaf committed to" in said and "the live views are as they were" in said
    runtime = bootstrap(settings, clock)
    assert runtime.catchup.checksums() == before  # nothing of the forged event adopted
    runtime.close()
    with _serving(settings, clock) as client:
        ready = client.get("/ready")
        assert ready.status_code == 503 and ready.json()["status"] == "log-broken"
        assert ready.json()["log"]["position"] == forged and "differs from what its leaf" in ready.json()["log"]["problem"]
        answer = client.get(f"/systems/{history['system']}/accountability", params={"at": "2023-06-01"})
        assert answer.status_code == 200  # the old views answer, with the holder the log committed to
        assert {h["person_id"] for h in answer.json()["holders"] if h["role"] == "systemejer"} == {str(history["owner"])}
    assert cmd_projections(settings, clock, argparse.Namespace(action="status", names=[], batch=None,
                                                               accept_broken_log=False)) == 1
    assert f"log at log position {forged}" in " ".join(capsys.readouterr().err.split())


def test_a_rebuild_over_a_mended_log_clears_the_failure(settings, clock, capsys, history):
    from ansvar.cli import cmd_projections

    position = history["departure"] - 2
    with superuser(settings) as sql:
        original = bytes(sql.row(position)[4])
    _forge_holder(settings, history)
    assert cmd_projections(settings, clock, rebuild_args()) == 1
    with superuser(settings) as sql:
        sql.run("UPDATE {events} SET state = ? WHERE {id} = ?", original, position)
    assert cmd_projections(settings, clock, rebuild_args()) == 0
    with _serving(settings, clock) as client:
        assert client.get("/ready").json()["status"] == "ready"


def test_a_rebuild_over_a_deleted_event_stops_naming_it(settings, clock, capsys, history, check_where):
    from ansvar.cli import cmd_projections

    with superuser(settings) as sql:
        sql.run("DELETE FROM {events} WHERE {id} = ?", history["departure"])
    assert cmd_projections(settings, clock, rebuild_args()) == 1
    said = " ".join(capsys.readouterr().err.split())
    assert f"at position {history['departure']}: the tree has a leaf for it, but the event is gone" in said


def test_the_last_event_deleted_is_named_by_the_rebuild_too(settings, clock, capsys, history):
    from ansvar.cli import cmd_projections

    with superuser(settings) as sql:
        sql.run("DELETE FROM {events} WHERE {id} = ?", history["head"])
    assert cmd_projections(settings, clock, rebuild_args()) == 1
    assert f"at position {history['head']}: the tree has a leaf for it" in " ".join(capsys.readouterr().err.split())


def test_an_operator_who_knowingly_rebuilds_over_a_broken_log_says_so_and_it_is_logged(
    settings, clock, capsys, history, monkeypatch, check_where
):
    from ansvar import cli
    from infra import log_read_check

    warned: list[dict] = []
    for module in (cli, log_read_check):
        monkeypatch.setattr(module, "log", _Recording(warned))
    forged = _forge_holder(settings, history)
    assert cli.cmd_projections(settings, clock, rebuild_args(accept=True)) == 0
    shown = capsys.readouterr()
    out = " ".join(shown.out.split())
    assert "WARNING: rebuilt over 1 event(s) that do not match the log's leaves, as asked (--accept-broken-log)" in out
    assert f"position {forged}: the stored event differs" in out
    assert {"event": "rebuilding over an event that does not match its leaf, as the operator asked",
            "position": forged} in [{k: w[k] for k in ("event", "position") if k in w} for w in warned]
    assert any(w.get("positions") == [forged] for w in warned)
    with _serving(settings, clock) as client:
        assert client.get("/ready").json()["status"] == "ready"  # the operator took it on
        answer = client.get(f"/systems/{history['system']}/accountability", params={"at": "2023-06-01"})
        assert {h["person_id"] for h in answer.json()["holders"] if h["role"] == "systemejer"} == {str(history["other"])}
    assert run_verify(settings, clock, capsys)[0] == 1  # and the log still does not verify


def test_when_the_read_checks_worker_stops_the_rebuild_checks_in_its_own(settings, clock, capsys, history, monkeypatch):
    from ansvar.cli import cmd_projections
    from infra import log_read_check, log_verify
    from projections import rebuild

    monkeypatch.setattr(rebuild, "CHECK_BESIDE_FROM", 0)
    monkeypatch.setattr(log_read_check, "IN_WORKER_FROM", 1)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    monkeypatch.setattr(log_verify, "leaf_batch", _dies)  # the worker's; the rebuild's own is the real one
    warned: list[dict] = []
    monkeypatch.setattr(log_read_check, "log", _Recording(warned))
    forged = _forge_holder(settings, history)
    assert cmd_projections(settings, clock, rebuild_args()) == 1
    said = " ".join(capsys.readouterr().err.split())
    assert f"the rebuild stopped: the log does not verify at position {forged}" in said
    assert [w["event"] for w in warned] == ["the read check's worker process stopped; recomputing the leaves in this one"]


class _Recording:
    def __init__(self, into: list[dict]) -> None:
        self.into = into

    def warning(self, event: str, **fields: Any) -> None:
        self.into.append({"event": event, **fields})

    def __getattr__(self, name: str) -> Any:
        return lambda *a, **k: None


def test_a_view_made_afresh_on_a_schema_change_replays_only_what_verifies(settings, clock, capsys, history):
    from projections import failures

    runtime = bootstrap(settings, clock)
    runtime.catchup.run_until_caught_up()
    runtime.close()
    forged = _forge_holder(settings, history)
    with superuser(settings) as sql:  # as after an upgrade that changed the systems view's tables
        sql.run("UPDATE projection_schemas SET digest = 'older' WHERE name = 'accountability'"
                if settings.database.kind == "sqlite" else
                "UPDATE {p}projection_schemas SET digest = 'older' WHERE name = 'accountability'")
    runtime = bootstrap(settings, clock)
    try:
        assert runtime.catchup.check_upto == history["head"]
        with pytest.raises(log_read_check_broken()) as broken:
            runtime.catchup.run_until_caught_up()
        assert broken.value.position == forged
        assert runtime.catchup.positions()["accountability"] < forged
        runtime.start_worker()
        _wait(lambda: any(f["name"] == failures.LOG for f in failures.failing(runtime.db)))
        with _serving(settings, clock) as client:
            ready = client.get("/ready").json()
            assert ready["status"] == "log-broken" and ready["log"]["position"] == forged
    finally:
        runtime.close()


def log_read_check_broken() -> type:
    from infra.log_read_check import LogBroken

    return LogBroken


def _wait(condition: Any, seconds: float = 10.0) -> None:
    import time

    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "not within the time"
        time.sleep(0.05)


def test_the_server_hands_out_no_proof_from_a_damaged_tree(settings, clock, history):
    from tests.api.client import bearer

    with superuser(settings) as sql:  # leaves 2-3: the second hash of the proofs of leaves 0 and 1
        sql.run("UPDATE {p}log_nodes SET hash = ? WHERE level = 1 AND idx = 1", bytes(32))
    with _serving(settings, clock) as client:
        auditor = {"Authorization": bearer(roles=("auditor",))}
        assert client.get("/log/checkpoint").text == history["checkpoint"].note()  # its root is made of other nodes
        refused = client.get("/log/proof/inclusion", params={"position": 1}, headers=auditor)
        assert refused.status_code == 503 and refused.headers["content-type"].startswith("application/problem+json")
        assert "the stored tree is damaged" in refused.json()["detail"]
        fine = client.get("/log/proof/inclusion", params={"position": history["head"]}, headers=auditor)
        assert fine.status_code == 200  # a proof that does not pass through the damaged node


def test_an_export_is_held_to_its_erasure_events_too(settings, clock, capsys, history, tmp_path):
    from ansvar.cli_log import cmd_log

    vacancy = history["departure"] - 1
    runtime = bootstrap(settings, clock)
    runtime.portfolio.erase_text(vacancy, "request 8")
    runtime.close()
    exported = tmp_path / "log.jsonl"
    assert cmd_log(settings, clock, argparse.Namespace(action="export", output=str(exported))) == 0
    verify_export = argparse.Namespace(checkpoint=[], export=str(exported), key=None, json=False)
    assert cmd_verify(settings, clock, verify_export) == 0, capsys.readouterr().err
    lines = exported.read_text(encoding="utf-8").splitlines()  # the erasure event left out of a copy
    erasure = next(i for i, line in enumerate(lines) if '"ansvar.system.text_erased.v1"' in line)
    (tmp_path / "cut.jsonl").write_text("\n".join(lines[:erasure]) + "\n", encoding="utf-8")
    capsys.readouterr()
    cut = argparse.Namespace(checkpoint=[], export=str(tmp_path / "cut.jsonl"), key=None, json=False)
    assert cmd_verify(settings, clock, cut) == 1
    assert f"position {vacancy}: reason reads as erased, but no erasure event" in " ".join(capsys.readouterr().out.split())
