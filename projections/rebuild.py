"""Rebuilding views from the log without ever serving them half-built.

`rebuild(catchup, names)` builds the named views into fresh tables beside the live ones (each
table's name with `__next` after it), applying the whole log with the ordinary catch-up loop,
while the live views go on serving and following the log. When the new tables have caught up
with the live ones, one transaction swaps them in: the live tables go, the new ones take their
names, and the view's position becomes theirs. A reader sees the old complete views or the new
complete views, never a mixture; a rebuild that fails or is killed leaves the old views serving
(the next rebuild starts its new tables afresh).

It never adopts what does not verify: each event it reads is held to the leaf the log's tree
committed to (infra/log_read_check.py). On a difference it stops with LogBroken naming the
position, and the old views go on serving; `on_broken` (the operator's `--accept-broken-log`)
is told of each such event instead, and the rebuild goes on.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import structlog

from infra.log_proofs import LogProofs
from infra.log_read_check import ReadCheck
from infra.log_store_checks import Finding
from projections import failures
from projections.catchup import CatchUp, View, schema_digest
from projections.gap_rows import processes_for_rebuild
from projections.progress import Progress

log = structlog.get_logger(__name__)

SUFFIX = "__next"
#: From a log this long on, the rebuild's read check runs in a process of its own beside the views.
CHECK_BESIDE_FROM = 50_000
_INDEX = re.compile(r"\b(INDEX(?:\s+IF\s+(?:NOT\s+)?EXISTS)?\s+)(\w+)", re.IGNORECASE)


class _Renamer:
    """Rewrites SQL so that the rebuilt views' tables are their new ones."""

    def __init__(self, tables: Iterable[str]) -> None:
        names = sorted(set(tables), key=len, reverse=True)
        self._pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b") if names else None
        self._cache: dict[str, str] = {}

    def __call__(self, sql: str) -> str:
        if self._pattern is None:
            return sql
        if sql not in self._cache:
            renamed = self._pattern.sub(lambda m: m.group(1) + SUFFIX, sql)
            self._cache[sql] = _INDEX.sub(lambda m: m.group(1) + m.group(2) + SUFFIX, renamed)
        return self._cache[sql]


class _RenamingCursor:
    def __init__(self, cur: Any, rename: _Renamer) -> None:
        self._c, self._rename = cur, rename

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._c.execute(self._rename(sql), params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._c.executemany(self._rename(sql), rows)

    def fetchall(self) -> list[dict[str, Any]]:
        return self._c.fetchall()

    def fetchone(self) -> dict[str, Any] | None:
        return self._c.fetchone()

    def flush(self) -> None:
        self._c.flush()


class _Shadow:
    """A view writing (and reading) the new tables of every view being rebuilt."""

    def __init__(self, view: View, rename: _Renamer) -> None:
        self.view, self.rename = view, rename
        self.name = view.name + SUFFIX
        self.tables = [t + SUFFIX for t in view.tables]
        self.ddl = [rename(statement) for statement in view.ddl]
        if hasattr(view, "alone_after"):
            self.alone_after = view.alone_after  # type: ignore[attr-defined]

    def apply(self, cur: Any, event: Any, position: int) -> None:
        self.view.apply(_RenamingCursor(cur, self.rename), event, position)

    def route(self, cls: type, cur: Any) -> tuple[Callable[[Any, Any, int], None], Any] | None:
        route = getattr(self.view, "route", None)
        if route is None:
            return self.view.apply, _RenamingCursor(cur, self.rename)
        return route(cls, _RenamingCursor(cur, self.rename))

    def flush(self, cur: Any) -> None:
        self.view.flush(_RenamingCursor(cur, self.rename))

    def discard(self) -> None:
        if discard := getattr(self.view, "discard", None):
            discard()

    def catch_up_alone(self, cur: Any, notifications: Iterable[Any], from_scratch: bool = False,
                       upto: int | None = None) -> None:
        # A rebuild, with nothing else to do meanwhile, computes the gaps on every core.
        self.view.catch_up_alone(_RenamingCursor(cur, self.rename), notifications, from_scratch, upto,  # type: ignore[attr-defined]
                                 processes=processes_for_rebuild())

    def collector(self, start: int) -> Callable[[Any, int], None] | None:
        collector = getattr(self.view, "collector", None)
        return collector(start) if collector is not None else None


def rebuild(
    live: CatchUp, names: Sequence[str] | None = None, batch: int | None = None,
    on_batch: Callable[[int], None] | None = None, on_broken: Callable[[Finding], None] | None = None,
) -> list[str]:
    """Rebuild the named views (all by default) from the log and swap them in; their names.
    Raises LogBroken at an event that does not match its leaf, unless `on_broken` is given."""
    chosen = [v for v in live.views if names is None or v.name in names]
    unknown = set(names or ()) - {v.name for v in chosen}
    if unknown:
        raise KeyError(f"no such projection: {', '.join(sorted(unknown))}")
    rename = _Renamer(t for v in chosen for t in v.tables)
    shadows = [_Shadow(v, rename) for v in chosen]
    check = _read_check(live, on_broken)
    building = CatchUp(live.app, live.db, shadows, Progress(), live.batch_size, check=check, check_upto=2**62)
    try:
        _prepare(building, shadows)
        building.run_until_caught_up(on_batch, batch=batch)
        if check is not None:
            check.finish()
        while not _swap(live, building, chosen, shadows):
            building.run_until_caught_up(on_batch, batch=batch)  # the live views moved on meanwhile
    finally:
        if check is not None:
            check.close()
    failures.clear(live.db, [failures.LOG])  # the whole log read, and mended or accepted
    return [v.name for v in chosen]


def _read_check(live: CatchUp, on_broken: Callable[[Finding], None] | None) -> ReadCheck | None:
    proofs = live.check.proofs if isinstance(live.check, ReadCheck) else LogProofs(live.app.recorder)
    if not proofs.has_tree:
        log.warning("this event store keeps no Merkle tree: the rebuild cannot check the events it reads")
        return None
    # A long log's leaves are recomputed in another process while this one applies the views (a
    # third of a rebuild's time otherwise; bench/README.md, "The read check beside the rebuild").
    workers = 1 if (os.cpu_count() or 1) > 1 and live.head() >= CHECK_BESIDE_FROM else 0
    return ReadCheck(proofs, on_broken, workers=workers)


def _prepare(building: CatchUp, shadows: list[_Shadow]) -> None:
    """New tables, empty, at position 0: whatever an earlier, unfinished rebuild left goes."""
    with building.db.transaction() as cur:
        for shadow in shadows:
            for table in shadow.tables:
                cur.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in shadow.ddl:
                if building.db.dialect != "postgres":
                    statement = re.sub(r"\s+INCLUDE\s*\([^)]*\)", "", statement)
                cur.execute(statement)
            cur.execute(
                "INSERT INTO projection_tracking (name, position) VALUES (?, 0)"
                " ON CONFLICT (name) DO UPDATE SET position = 0", (shadow.name,),
            )


def _swap(live: CatchUp, building: CatchUp, views: list[View], shadows: list[_Shadow]) -> bool:
    """In one transaction, holding the views' lock: if the new tables are at least where the live
    ones are, they replace them. False if the live views moved past them meanwhile."""
    postgres = live.db.dialect == "postgres"
    with live.db.transaction() as cur:
        cur.execute("SELECT name, position FROM projection_tracking" + (" FOR UPDATE" if postgres else ""))
        positions = {r["name"]: r["position"] for r in cur.fetchall()}
        if any(positions.get(s.name, 0) < positions.get(v.name, 0) for v, s in zip(views, shadows)):
            return False
        for view, shadow in zip(views, shadows):
            for table in view.tables:
                cur.execute(f"DROP TABLE IF EXISTS {table}")
            for table in view.tables:
                cur.execute(f"ALTER TABLE {table}{SUFFIX} RENAME TO {table}")
            _indexes_to_live_names(cur, view, shadow, postgres)
            cur.execute("UPDATE projection_tracking SET position = ? WHERE name = ?", (positions[shadow.name], view.name))
            cur.execute("DELETE FROM projection_tracking WHERE name = ?", (shadow.name,))
            cur.execute(
                "INSERT INTO projection_schemas (name, digest) VALUES (?, ?)"
                " ON CONFLICT (name) DO UPDATE SET digest = excluded.digest", (view.name, schema_digest(view)),
            )
    log.info("rebuilt views swapped in", views=[v.name for v in views])
    return True


def _indexes_to_live_names(cur: Any, view: View, shadow: _Shadow, postgres: bool) -> None:
    for statement in shadow.ddl:
        found = re.search(r"CREATE\s+INDEX\s+IF\s+NOT\s+EXISTS\s+(\w+)", statement, re.IGNORECASE)
        if found is None:
            continue
        new = found.group(1)
        if not postgres:  # SQLite cannot rename an index: the table keeps it under the new name; make it anew
            cur.execute(f"DROP INDEX IF EXISTS {new}")
    if postgres:  # every index of the new tables, their keys' included, takes the name the live one had
        for table in view.tables:
            cur.execute("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ?", (table,))
            for row in cur.fetchall():
                if SUFFIX in row["indexname"]:
                    cur.execute(f'ALTER INDEX "{row["indexname"]}" RENAME TO "{row["indexname"].replace(SUFFIX, "")}"')
    else:
        for statement in view.ddl:
            if re.match(r"\s*CREATE\s+INDEX", statement, re.IGNORECASE):
                cur.execute(re.sub(r"\s+INCLUDE\s*\([^)]*\)", "", statement))
