"""When a view cannot apply an event: which view, at which log position, and why.

The worker records the failure in `projection_failures` (one row per failing view, in the views'
database), so every process can tell: `/ready` answers 503 naming the view, its position and
the error, and `ansvar projections status` exits non-zero. The row goes once the view moves on.
"""

from __future__ import annotations

from typing import Any

DDL = (
    "CREATE TABLE IF NOT EXISTS projection_failures (name text PRIMARY KEY, position bigint NOT NULL,"
    " error text NOT NULL, failed_at timestamptz)"
)


#: The name under which a log that does not verify is recorded (infra/log_read_check.py): a rebuild
#: or a view made afresh read an event that does not match its leaf, and stopped there. No view's.
LOG = "log"


class ViewFailed(Exception):
    """A view's own code failed on an event (not the database being away): retrying soon will
    fail the same way, so the worker backs off and says so once."""

    def __init__(self, view: str, position: int, cause: BaseException) -> None:
        self.view, self.position = view, position
        self.error = f"{type(cause).__name__}: {cause}"[:2000]
        super().__init__(f"view {view} failed at log position {position}: {self.error}")


def is_outage(exc: BaseException) -> bool:
    """The database is away or busy (worth retrying within seconds), as opposed to a view's fault."""
    names = {c.__name__ for c in type(exc).__mro__}
    return bool(names & {"OperationalError", "InterfaceError", "PoolTimeout", "ConnectionError", "TimeoutError"})


def record(db: Any, failure: ViewFailed) -> None:
    _upsert(db, failure.view, failure.position, failure.error)


def _upsert(db: Any, name: str, position: int, error: str) -> None:
    with db.transaction() as cur:
        cur.execute(
            "INSERT INTO projection_failures (name, position, error, failed_at) VALUES (?, ?, ?, CURRENT_TIMESTAMP)"
            " ON CONFLICT (name) DO UPDATE SET position = excluded.position, error = excluded.error,"
            " failed_at = excluded.failed_at",
            (name, position, error),
        )


def record_log(db: Any, position: int, problem: str) -> None:
    """That the log does not verify at `position`: `/ready` says so until a rebuild or the views
    made afresh read past it (it was mended, or the operator accepted it)."""
    _upsert(db, LOG, position, problem[:2000])


def clear(db: Any, names: list[str]) -> None:
    with db.transaction() as cur:
        cur.executemany("DELETE FROM projection_failures WHERE name = ?", [(n,) for n in names])


def failing(db: Any) -> list[dict[str, Any]]:
    with db.transaction(write=False) as cur:
        cur.execute("SELECT name, position, error, failed_at FROM projection_failures ORDER BY name")
        return cur.fetchall()
