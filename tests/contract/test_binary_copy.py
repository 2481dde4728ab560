"""Rows copied in PostgreSQL's binary format land as text COPY lands them; a run with a value of
another type than its column's (a str for a uuid) goes as text and lands too."""

from __future__ import annotations

from datetime import date, datetime, timezone
from uuid import uuid4

import pytest

from infra import binary_copy
from infra.database import ensure_schema, open_sync

pytestmark = pytest.mark.parametrize("database", ["postgres"], indirect=True)

COLUMNS = ["id", "n", "label", "day", "at", "flag", "other"]


def _copy(database, rows) -> list[tuple]:
    ensure_schema(database)
    db = open_sync(database)
    try:
        with db.transaction() as cur:
            cur.execute("CREATE TABLE copied (id uuid PRIMARY KEY, n bigint, label text, day date, at timestamptz,"
                        " flag boolean, other uuid)")
            cur.copy_rows("copied", COLUMNS, rows)
            cur.execute("SELECT * FROM copied ORDER BY n")
            return [tuple(r[c] for c in COLUMNS) for r in cur.fetchall()]
    finally:
        db.close()


def test_given_rows_of_their_columns_types_when_copied_then_binary_is_used_and_they_land(database, monkeypatch):
    used = []
    real = binary_copy.binary_types
    monkeypatch.setattr("infra.database.binary_types", lambda *a: used.append(real(*a)) or used[-1])
    rows = [(uuid4(), i, f"række {i}", date(2020, 1, i + 1), datetime(2020, 1, 1, i % 24, tzinfo=timezone.utc),
             i % 2 == 0, None if i % 3 else uuid4()) for i in range(25)]
    assert _copy(database, rows) == rows
    assert used[0] is not None


def test_given_a_value_of_another_type_when_copied_then_the_run_goes_as_text_and_lands(database):
    other = uuid4()
    rows = [(uuid4(), 1, "a", date(2020, 1, 1), None, True, str(other)), (uuid4(), 2, 7, None, None, None, None)]
    found = _copy(database, rows)
    assert [r[6] for r in found] == [other, None] and found[1][2] == "7"
