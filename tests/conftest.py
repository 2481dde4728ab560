"""Backends for every contract test (memory, a SQLite file, PostgreSQL in a fresh schema), and
the tests' own clock.

PostgreSQL comes from ANSVAR_TEST_POSTGRES_URL (default: the local server's `test` database).
If it cannot be reached the PostgreSQL cases are skipped locally, and FAIL under CI=true.

Time: every test runs on a `ManualClock` standing at noon (Danish time) on ANSVAR_TEST_TODAY
(tests/story.py), never on the calendar; a test that needs time to pass advances the clock.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date

import pytest

from domain.clock import ManualClock
from infra.checkpoints import SigningKey
from infra.settings import Database, LogSigning, Settings
from tests.story import TEST_TODAY

PG_URL = os.environ.get("ANSVAR_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ["memory", "sqlite", "postgres"]
_pg_error: str | None = None
_pg_checked = False


def postgres_available() -> str | None:
    """None if PostgreSQL answers, else why not."""
    global _pg_checked, _pg_error
    if not _pg_checked:
        _pg_checked = True
        try:
            import psycopg

            with psycopg.connect(Database.from_url(PG_URL).dsn, connect_timeout=3) as conn:
                conn.execute("SELECT 1")
        except Exception as exc:  # any failure means: no PostgreSQL for these tests
            _pg_error = f"{type(exc).__name__}: {exc}"
    return _pg_error


def require_postgres() -> None:
    error = postgres_available()
    if error is None:
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"PostgreSQL tests cannot run under CI=true: {error}")
    pytest.skip(f"PostgreSQL not reachable: {error}")


def drop_schema(db: Database) -> None:
    import psycopg

    with psycopg.connect(db.dsn, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{db.schema}" CASCADE')


def make_database(backend: str, tmp_path) -> Database:
    if backend == "memory":
        return Database("memory")
    if backend == "sqlite":
        return Database("sqlite", path=tmp_path / "ansvar.db")
    require_postgres()
    base = Database.from_url(PG_URL)
    return Database(
        "postgres", host=base.host, port=base.port, name=base.name, user=base.user, password=base.password,
        schema=f"t_{uuid.uuid4().hex[:12]}",
    )


@pytest.fixture(params=BACKENDS)
def database(request, tmp_path) -> Iterator[Database]:
    db = make_database(request.param, tmp_path)
    yield db
    if db.kind == "postgres":
        drop_schema(db)


@pytest.fixture
def settings(database: Database) -> Settings:
    # A signing key of the test's own on every backend (PostgreSQL signs nothing without one).
    return Settings(database=database, log_level="warning", read_wait_seconds=10.0,
                    log=LogSigning(key=str(TEST_LOG_KEY)))


#: One key for the whole run: generating is cheap, but a fixed one keeps test output comparable.
TEST_LOG_KEY = SigningKey.generate("test.ansvar.local/log")


@pytest.fixture
def clock() -> ManualClock:
    """This test's clock: noon on ANSVAR_TEST_TODAY, moving a microsecond per reading."""
    return ManualClock.on(TEST_TODAY)


@pytest.fixture
def today(clock: ManualClock) -> date:
    return clock.today()


#: For a test about HTTP itself (validation, error mapping, access rules), not about storage:
#: run it on the in-memory backend only. Storage is tested on every backend elsewhere.
one_backend = pytest.mark.parametrize("database", ["memory"], indirect=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every case that runs on PostgreSQL carries the `postgres` mark, so a quick local run can
    leave them out (`-m "not slow and not postgres"`); CI runs them all."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "postgres" in callspec.params.values():
            item.add_marker(pytest.mark.postgres)
