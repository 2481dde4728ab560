"""The read side's connections: a sync one for projections and the person directory, an async
one for the API (asyncpg on PostgreSQL, the standard library's sqlite3 on SQLite).

SQL is written once with `?` placeholders and portable types (uuid, date, timestamptz,
boolean, bigint, text); each backend adapts it.
"""

from __future__ import annotations

import asyncio
import functools
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

import anyio.to_thread

from infra.binary_copy import binary_types
from infra.private_files import private_sqlite
from infra.settings import Database

Row = dict[str, Any]


def _iso_utc(value: datetime) -> str:
    # One fixed width and zone, so that text comparison in SQLite is time comparison.
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")


sqlite3.register_adapter(UUID, str)
sqlite3.register_adapter(date, date.isoformat)
sqlite3.register_adapter(datetime, _iso_utc)
sqlite3.register_converter("uuid", lambda b: UUID(b.decode()))
sqlite3.register_converter("date", lambda b: date.fromisoformat(b.decode()))
sqlite3.register_converter("timestamptz", lambda b: datetime.fromisoformat(b.decode()))
sqlite3.register_converter("boolean", lambda b: b not in (b"0", b""))


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...
    def fetchall(self) -> list[Row]: ...
    def fetchone(self) -> Row | None: ...


class SyncDatabase(Protocol):
    dialect: str

    def transaction(self) -> Any: ...
    def close(self) -> None: ...


class _SqliteCursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._c = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._c.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._c.executemany(sql, rows)

    def fetchall(self) -> list[Row]:
        return [dict(r) for r in self._c.fetchall()]

    def fetchone(self) -> Row | None:
        r = self._c.fetchone()
        return dict(r) if r is not None else None


class SqliteDatabase:
    """Thread-local connections to one SQLite file (WAL), or one shared in-memory database."""

    dialect = "sqlite"

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._shared_lock = threading.RLock() if path is None else None
        if path is not None:
            private_sqlite(path)

    def _connect(self) -> sqlite3.Connection:
        target = ":memory:" if self.path is None else str(self.path)
        conn = sqlite3.connect(
            target, detect_types=sqlite3.PARSE_DECLTYPES, isolation_level=None,
            check_same_thread=False, timeout=30,
        )
        conn.row_factory = sqlite3.Row
        if self.path is not None:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        self._all.append(conn)
        return conn

    def _connection(self) -> sqlite3.Connection:
        if self._shared_lock is not None:  # in memory: one connection that everyone shares
            if not self._all:
                self._connect()
            return self._all[0]
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Cursor]:
        lock = self._shared_lock or _NO_LOCK
        with lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield _SqliteCursor(conn.cursor())
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT" if write else "ROLLBACK")

    def close(self) -> None:
        for conn in self._all:
            conn.close()
        self._all.clear()


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


_NO_LOCK = _NoLock()


def _pg(sql: str) -> str:
    return sql.replace("?", "%s")


def _no_nul(params: Sequence[Any]) -> Sequence[Any]:
    # PostgreSQL text cannot hold NUL. The API refuses it, but an event that carries one (stored
    # before that, or imported) must not stop every view for good: it gets U+FFFD instead.
    if any(isinstance(p, str) and "\x00" in p for p in params):
        return [p.replace("\x00", "\ufffd") if isinstance(p, str) else p for p in params]
    return params


class _PsycopgCursor:
    def __init__(self, cursor: Any) -> None:
        self._c = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._c.execute(_pg(sql), _no_nul(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._c.executemany(_pg(sql), [_no_nul(r) for r in rows])

    def copy_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert many rows with COPY: the bulk path, far cheaper per row than INSERT; in the binary
        format where every value is of its column's type (infra/binary_copy.py)."""
        types = binary_types(self._c, table, columns, rows)
        with self._c.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN" + (" (FORMAT BINARY)" if types else "")) as copy:
            if types:
                copy.set_types(types)
            for row in rows:
                copy.write_row(row)

    def fetchall(self) -> list[Row]:
        return list(self._c.fetchall())

    def fetchone(self) -> Row | None:
        return self._c.fetchone()


class PostgresDatabase:
    """A small psycopg pool, every connection on the configured schema."""

    dialect = "postgres"

    def __init__(self, db: Database, size: int = 4) -> None:
        import psycopg
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        self.db = db
        schema = db.schema

        def configure(conn: psycopg.Connection) -> None:
            conn.execute(f'SET search_path TO "{schema}"')
            conn.commit()

        # `check`: a pooled connection whose backend was terminated while idle (a server restart,
        # pg_terminate_backend) is replaced on checkout instead of failing the projection batch
        # that gets it; without it the worker kept drawing dead connections after an outage.
        self._pool = ConnectionPool(
            db.dsn, min_size=1, max_size=size, open=True, configure=configure,
            kwargs={"row_factory": dict_row, "connect_timeout": 5}, timeout=10,
            check=ConnectionPool.check_connection,
        )

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Cursor]:
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            yield _PsycopgCursor(cur)

    def close(self) -> None:
        self._pool.close()


def open_sync(db: Database, size: int = 4) -> SqliteDatabase | PostgresDatabase:
    if db.kind == "postgres":
        return PostgresDatabase(db, size)
    return SqliteDatabase(db.path if db.kind == "sqlite" else None)


def ensure_schema(db: Database) -> None:
    """Create the PostgreSQL schema, or the SQLite file only its owner can read, before anything
    (the event store included) uses it."""
    if db.kind == "sqlite" and db.path is not None:
        private_sqlite(db.path)
    if db.kind != "postgres" or db.schema == "public":
        return
    import psycopg

    with psycopg.connect(db.dsn, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{db.schema}"')


@contextmanager
def serialised_setup(db: Database) -> Iterator[None]:
    """Processes starting at once on one PostgreSQL schema (several API processes, a worker) make
    their tables one after another: two `CREATE TABLE IF NOT EXISTS` of one table at the same
    moment fail in the second (a unique violation in the catalogue), and that process did not
    start. The lock is transaction-scoped, held by an open transaction on a connection of its own,
    so it is released however the process ends, and holds through a pooler in transaction mode."""
    if db.kind != "postgres":
        yield
        return
    import psycopg

    with psycopg.connect(db.dsn, autocommit=True, connect_timeout=5) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(7242, hashtext(%s))", (db.schema,))
        yield


def vacuum_analyze(db: Database, tables: Sequence[str]) -> None:
    """After a rebuild on PostgreSQL: statistics and a visibility map for the new rows now, not
    when autovacuum comes by; until then index-only scans fall back to bitmap scans and sorts."""
    if db.kind != "postgres" or not tables:
        return
    import psycopg

    with psycopg.connect(db.dsn, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'SET search_path TO "{db.schema}"')
        conn.execute("VACUUM ANALYZE " + ", ".join(tables))


# Async reading -------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\?")


class Reader(Protocol):
    dialect: str

    async def fetch(self, sql: str, *params: Any) -> list[Row]: ...
    async def fetch_values(self, sql: str, *params: Any) -> Sequence[Sequence[Any]]:
        """The rows as value sequences in column order: for the few queries that return tens of
        thousands of rows, where building one dict per row costs more than the query."""
        ...
    async def fetchrow(self, sql: str, *params: Any) -> Row | None: ...
    async def fetch_planned_once(self, sql: str, *params: Any) -> list[Row]:
        """`fetch`, with one plan for the statement whatever its values (PostgreSQL's generic
        plan): for a statement asked thousands of times with values whose plans are all the same,
        where planning it again for each costs more than running it."""
        ...
    async def close(self) -> None: ...


class SqliteReader:
    dialect = "sqlite"

    def __init__(self, db: SqliteDatabase) -> None:
        self.db = db

    def _fetch(self, sql: str, params: Sequence[Any]) -> list[Row]:
        with self.db.transaction(write=False) as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    async def fetch(self, sql: str, *params: Any) -> list[Row]:
        return await anyio.to_thread.run_sync(self._fetch, sql, params)

    async def fetch_values(self, sql: str, *params: Any) -> Sequence[Sequence[Any]]:
        return [tuple(r.values()) for r in await self.fetch(sql, *params)]  # a municipality's rows: no need to skip the dicts

    async def fetchrow(self, sql: str, *params: Any) -> Row | None:
        rows = await self.fetch(sql, *params)
        return rows[0] if rows else None

    async def fetch_planned_once(self, sql: str, *params: Any) -> list[Row]:
        return await self.fetch(sql, *params)  # SQLite plans every statement afresh, and quickly

    async def close(self) -> None:
        return None


async def _keep_session(connection: Any) -> None:
    """Release a reader's connection without asyncpg's default reset round trip (advisory
    unlocks, CLOSE ALL, UNLISTEN *, RESET ALL): these connections only ever run single SELECTs
    through the pool, so there is no session state to undo. That query doubled the round trips
    of every API read."""
    if connection.is_in_transaction():  # never expected; do not hand on an open transaction
        await connection.execute("ROLLBACK")


class PostgresReader:
    """asyncpg on the configured schema. The pool is made on first use, in the event loop that
    uses it, so the composition root can build the read store before any loop runs."""

    dialect = "postgres"

    def __init__(self, db: Database, size: int) -> None:
        self.db = db
        self.size = size
        self._pool: Any = None
        # `fetch_planned_once`'s connections: PostgreSQL's plan_cache_mode is a connection's, not a
        # statement's, so the statements that want the generic plan have connections of their own
        # (opened when first asked for, closed with the others).
        self._generic: Any = None
        self._opening: asyncio.Lock | None = None

    async def _open(self, *, generic: bool) -> Any:
        if self._opening is None:
            self._opening = asyncio.Lock()
        async with self._opening:
            if (self._generic if generic else self._pool) is None:
                import asyncpg

                db = self.db
                servers = db.servers  # several: tried in order, the first with the session attributes wanted
                # The schema in the name tells an operator (and the outage test) whose connections these are.
                # JIT compiles a plan in ~10 ms: a loss for queries that run in 0.3-70 ms.
                server_settings = {"search_path": db.schema, "application_name": f"ansvar-api {db.schema}"[:63], "jit": "off"}
                if generic:
                    server_settings["plan_cache_mode"] = "force_generic_plan"
                pool = await asyncpg.create_pool(
                    host=[h for h, _ in servers], port=[p for _, p in servers], target_session_attrs=db.target_session_attrs,
                    user=db.user, password=db.password or None, database=db.name,
                    min_size=0 if generic else 1, max_size=self.size, timeout=5, command_timeout=30, reset=_keep_session,
                    server_settings=server_settings,
                )
                if generic:
                    self._generic = pool
                else:
                    self._pool = pool
        return self._generic if generic else self._pool

    @staticmethod
    @functools.lru_cache(maxsize=512)  # the API sends a few dozen distinct statements, thousands of times
    def _sql(sql: str) -> str:
        counter = iter(range(1, 10_000))
        return _PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql)

    async def _run(self, method: str, sql: str, params: Sequence[Any], *, generic: bool = False) -> Any:
        pool = (self._generic if generic else self._pool) or await self._open(generic=generic)
        try:
            return await getattr(pool, method)(self._sql(sql), *params)
        except Exception as exc:
            # the other pool's connections went to the same server: replaced too
            for each in {pool, self._pool, self._generic} - {None}:
                await self._lost(each, exc)
            raise

    async def fetch(self, sql: str, *params: Any) -> list[Row]:
        return [dict(r.items()) for r in await self._run("fetch", sql, params)]  # from the pairs: half the time of dict(record)

    async def fetch_values(self, sql: str, *params: Any) -> Sequence[Sequence[Any]]:
        return await self._run("fetch", sql, params)  # type: ignore[no-any-return]  # asyncpg's records are sequences

    async def fetchrow(self, sql: str, *params: Any) -> Row | None:
        row = await self._run("fetchrow", sql, params)
        return dict(row.items()) if row is not None else None

    async def fetch_planned_once(self, sql: str, *params: Any) -> list[Row]:
        return [dict(r.items()) for r in await self._run("fetch", sql, params, generic=True)]

    @staticmethod
    async def _lost(pool: Any, exc: BaseException) -> None:
        """A connection died under a query (the primary failed over, or restarted): every pooled
        connection is replaced on its next use, so the reads after this one (answered 503) reach
        the new primary instead of drawing the old one's dead connections one by one."""
        import asyncpg
        from asyncpg.exceptions import OperatorInterventionError, QueryCanceledError

        # OperatorInterventionError: 57P01, the backend shut down under the query (a fast or immediate stop);
        # its QueryCanceledError is a statement timeout, which says nothing about the connection.
        if isinstance(exc, QueryCanceledError):
            return
        if isinstance(exc, (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OperatorInterventionError,
                            ConnectionError, OSError)):
            await pool.expire_connections()

    async def close(self) -> None:
        pools, self._pool, self._generic = [self._pool, self._generic], None, None
        for pool in pools:
            if pool is not None:
                await pool.close()
