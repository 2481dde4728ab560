"""A cursor for projection batches that holds back writes and sends them in bulk.

Handlers write with `cur.execute` one row per event; sent one by one, each costs a network
round trip. This cursor queues INSERT/UPDATE/DELETE statements per table, joins consecutive
runs of the same statement into one `executemany` (a COPY for long runs of plain inserts,
where the cursor offers one), and sends everything before any read (so
a handler or a later view reading in the same transaction sees every earlier write) and at the
end of the batch. Statements on one table keep their order; different tables are independent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

_WRITE = re.compile(r"\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+([\w.\"]+)", re.IGNORECASE)
# INSERT INTO t (a, b) VALUES (?, ?) and nothing else: rows a COPY can carry unchanged.
_PLAIN_INSERT = re.compile(r"\s*INSERT\s+INTO\s+([\w.\"]+)\s*\(([^)]*)\)\s*VALUES\s*\((\s*\?\s*(?:,\s*\?\s*)*)\)\s*$", re.IGNORECASE)
COPY_FROM = 20  # rows; below this an executemany is as cheap


class WriteBuffer:
    def __init__(self, cursor: Any) -> None:
        self._c = cursor
        self._runs: dict[str, list[tuple[str, list[Sequence[Any]]]]] = {}
        self._tables: dict[str, str | None] = {}
        self.flushing: str | None = None  # the table being written, while a flush runs (it names a failure)

    def _table(self, sql: str) -> str | None:
        if sql not in self._tables:
            match = _WRITE.match(sql)
            # A write that reads other tables (INSERT ... SELECT, UPDATE ... FROM) is sent at once.
            plain = match and not re.search(r"\b(SELECT|FROM|RETURNING)\b", sql[match.end():], re.IGNORECASE)
            self._tables[sql] = match.group(1) if plain else None
        return self._tables[sql]

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.executemany(sql, [params]) if self._table(sql) else self._now(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        table = self._table(sql)
        if table is None:
            self.flush()
            self._c.executemany(sql, rows)
            return
        runs = self._runs.setdefault(table, [])
        if runs and runs[-1][0] == sql:
            runs[-1][1].extend(rows)
        else:
            runs.append((sql, list(rows)))

    def _now(self, sql: str, params: Sequence[Any]) -> None:
        self.flush()
        self._c.execute(sql, params)

    def fetchall(self) -> list[dict[str, Any]]:
        return self._c.fetchall()

    def fetchone(self) -> dict[str, Any] | None:
        return self._c.fetchone()

    def flush(self) -> None:
        runs, self._runs = self._runs, {}
        for table, table_runs in runs.items():
            self.flushing = table
            for sql, rows in table_runs:
                if len(rows) == 1:
                    self._c.execute(sql, rows[0])
                elif len(rows) >= COPY_FROM and hasattr(self._c, "copy_rows") and (plain := _PLAIN_INSERT.match(sql)):
                    self._c.copy_rows(plain.group(1), [c.strip() for c in plain.group(2).split(",")], rows)
                else:
                    self._c.executemany(sql, rows)
        self.flushing = None
