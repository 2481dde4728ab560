"""The projection batches' write buffer: fewer round trips, the same outcome."""

from __future__ import annotations

import sqlite3

from projections.write_buffer import WriteBuffer


class Recording:
    def __init__(self) -> None:
        self.conn = sqlite3.connect(":memory:")
        self.conn.execute("CREATE TABLE claims (id int PRIMARY KEY, status text)")
        self.conn.execute("CREATE TABLE facts (id int PRIMARY KEY)")
        self.calls: list[tuple[str, int]] = []
        self._last: list = []

    def execute(self, sql, params=()):
        self.calls.append((sql.split()[0], 1))
        self._last = self.conn.execute(sql, params).fetchall()

    def executemany(self, sql, rows):
        self.calls.append((sql.split()[0], len(rows)))
        self.conn.executemany(sql, rows)

    def fetchall(self):
        return self._last

    def fetchone(self):
        return self._last[0] if self._last else None


def test_given_rows_made_and_answered_in_one_batch_then_the_answer_survives_and_runs_are_joined():
    db = Recording()
    cur = WriteBuffer(db)
    for i in range(3):
        cur.execute("INSERT INTO claims (id, status) VALUES (?, 'open')", (i,))
        cur.execute("INSERT INTO facts (id) VALUES (?)", (i,))
    cur.execute("UPDATE claims SET status = 'confirmed' WHERE id = ?", (1,))
    cur.execute("INSERT INTO claims (id, status) VALUES (?, 'open')", (3,))
    assert db.calls == []  # nothing sent yet
    cur.flush()
    assert db.conn.execute("SELECT id, status FROM claims ORDER BY id").fetchall() == [
        (0, "open"), (1, "confirmed"), (2, "open"), (3, "open"),
    ]
    assert ("INSERT", 3) in db.calls and len(db.calls) == 4


def test_given_buffered_writes_when_the_batch_reads_then_it_sees_them():
    db = Recording()
    cur = WriteBuffer(db)
    cur.execute("INSERT INTO facts (id) VALUES (?)", (7,))
    cur.execute("SELECT id FROM facts")
    assert cur.fetchall() == [(7,)]


def test_a_delete_then_insert_of_the_same_rows_keeps_its_order():
    db = Recording()
    cur = WriteBuffer(db)
    cur.execute("INSERT INTO facts (id) VALUES (?)", (1,))
    cur.execute("DELETE FROM facts WHERE id IN (?)", (1,))
    cur.executemany("INSERT INTO facts (id) VALUES (?)", [(1,), (2,)])
    cur.flush()
    assert db.conn.execute("SELECT id FROM facts ORDER BY id").fetchall() == [(1,), (2,)]
