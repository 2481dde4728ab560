"""One process's database connections, whatever the number of municipalities it serves.

With many municipalities in one installation (infra/tenants.py) each has its own schema, but not
its own connections: a process holds one psycopg pool (the write side's and the views', both
synchronous) and one asyncpg pool (the API's reads), and every transaction names its schema with
`SET LOCAL search_path`, which ends with the transaction. Nothing is left on a connection between
transactions, so a transaction-mode pooler (PgBouncer) in front of PostgreSQL breaks nothing, and
the connections are bounded by the pools' sizes, not by the number of municipalities.

The write side (the eventsourcing library's recorder) qualifies its tables with the schema
itself; its datastore is handed this pool instead of making its own (infra/recorders.py finds it
by the key in the library's settings, ANSVAR_SHARED_POOL).
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from infra.database import PostgresReader, Row, _keep_session, _PsycopgCursor
from infra.settings import Database

ENV_KEY = "ANSVAR_SHARED_POOL"
def application_name(db: Database) -> str:
    """What pg_stat_activity shows for these pools' connections: whose installation they are."""
    return f"ansvar municipalities {db.schema}"[:63]
_registered: dict[str, SharedPools] = {}
_numbers = itertools.count(1)
_lock = threading.Lock()


def _set_local(schema: str) -> str:
    # The schema comes from a checked slug (infra/tenants.schema_for); quoted all the same.
    return 'SET LOCAL search_path TO "' + schema.replace('"', '""') + '"'


class SharedPools:
    """The process's two pools, on the installation's database (`db`; its schema is not used)."""

    def __init__(self, db: Database, size: int) -> None:
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        self.db = db
        self.size = size

        def configure(conn: Any) -> None:
            conn.autocommit = True  # the library's recorder expects it; the views open transactions themselves

        self.sync = ConnectionPool(
            db.dsn, min_size=1, max_size=size, open=True, configure=configure,
            kwargs={"row_factory": dict_row, "connect_timeout": 5, "application_name": application_name(db)},
            timeout=10, check=ConnectionPool.check_connection,
            name="ansvar-shared",
        )
        self._async: Any = None
        self._opening: asyncio.Lock | None = None
        with _lock:
            self.key = f"pool-{next(_numbers)}"
            _registered[self.key] = self

    async def reader_pool(self) -> Any:
        if self._async is not None:
            return self._async
        if self._opening is None:
            self._opening = asyncio.Lock()
        async with self._opening:
            if self._async is None:
                import asyncpg

                db = self.db
                self._async = await asyncpg.create_pool(
                    host=[h for h, _ in db.servers], port=[p for _, p in db.servers],
                    target_session_attrs=db.target_session_attrs, user=db.user, password=db.password or None,
                    database=db.name, min_size=1, max_size=self.size, timeout=5, command_timeout=30, reset=_keep_session,
                    statement_cache_size=STATEMENTS_KEPT,
                    server_settings={"application_name": application_name(db), "jit": "off"},
                )
        return self._async

    async def aclose(self) -> None:
        if self._async is not None:
            pool, self._async = self._async, None
            await pool.close()

    def close(self) -> None:
        with _lock:
            _registered.pop(self.key, None)
        self.sync.close()


def lend(pools: SharedPools, datastore: Any) -> None:
    """Give one municipality's write side (the library's PostgresDatastore) the process's pool.

    The library inserts events through a composite type of its schema (`stored_event_uuid`), and
    psycopg keys a composite's dumper by its Python class, which is the same for every schema's
    type of that name: on a connection that several schemas' writers share, the last registered
    would dump for all of them. So each writer registers its own schema's types every time it
    takes a connection (a few dozen microseconds), before it writes."""
    from psycopg.types.composite import register_composite

    datastore.pool = pools.sync
    datastore.close = lambda: None  # the process closes its pool
    borrow = datastore.get_connection

    @contextmanager
    def get_connection() -> Iterator[Any]:
        with borrow() as conn:
            for info in datastore.psycopg_type_adapters.values():
                register_composite(info, conn)
            yield conn

    datastore.get_connection = get_connection


def lookup(key: str) -> SharedPools:
    with _lock:
        return _registered[key]


class TenantDatabase:
    """The views' database (infra/database.SyncDatabase) for one municipality, on the shared pool."""

    dialect = "postgres"

    def __init__(self, pools: SharedPools, schema: str) -> None:
        self.pools = pools
        self.schema = schema
        self.db = pools.db

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[_PsycopgCursor]:
        with self.pools.sync.connection() as conn, conn.transaction(), conn.cursor() as cur:
            cur.execute(_set_local(self.schema))
            yield _PsycopgCursor(cur)

    def close(self) -> None:
        pass  # the pool is the process's, closed with it


#: Prepared statements asyncpg keeps per connection (its default is 100): a municipality's reads
#: are a few dozen statements, each kept apart per municipality (TenantReader._sql); PostgreSQL
#: keeps their plans in the connection's backend, so this bounds that memory too.
STATEMENTS_KEPT = 400


class TenantReader:
    """The API's reads (infra/database.Reader) for one municipality, on the shared asyncpg pool:
    each read is `BEGIN; SET LOCAL search_path` in one round trip, the query, and its COMMIT."""

    dialect = "postgres"

    def __init__(self, pools: SharedPools, schema: str) -> None:
        self.pools = pools
        self._begin = "BEGIN READ ONLY; " + _set_local(schema)
        # `fetch_planned_once`: the generic plan for this transaction, in the same round trip
        self._begin_generic = self._begin + "; SET LOCAL plan_cache_mode TO force_generic_plan"
        self._tag = "/* " + schema.replace("*/", "") + " */ "
        self._statements: dict[str, str] = {}

    def _sql(self, sql: str) -> str:
        """The statement as this municipality's own: a prepared statement's plan is for the tables
        search_path named when it was made, and PostgreSQL plans it again whenever a transaction
        names another schema. Told apart by their text, each municipality's statements keep their
        plans on a shared connection (one system's read: ~1.7 ms less, bench/tenants.py)."""
        found = self._statements.get(sql)
        if found is None:
            if len(self._statements) >= 512:  # texts made per call (IN lists of any length): start again
                self._statements.clear()
            found = self._statements[sql] = self._tag + PostgresReader._sql(sql)
        return found

    async def _run(self, method: str, sql: str, params: Sequence[Any], *, generic: bool = False) -> Any:
        pool = await self.pools.reader_pool()
        try:
            async with pool.acquire() as conn:
                await conn.execute(self._begin_generic if generic else self._begin)
                try:
                    return await getattr(conn, method)(self._sql(sql), *params)
                finally:
                    if conn.is_in_transaction():
                        await conn.execute("COMMIT")
        except Exception as exc:
            await PostgresReader._lost(pool, exc)
            raise

    async def fetch(self, sql: str, *params: Any) -> list[Row]:
        return [dict(r.items()) for r in await self._run("fetch", sql, params)]  # as PostgresReader.fetch

    async def fetch_values(self, sql: str, *params: Any) -> Sequence[Sequence[Any]]:
        return await self._run("fetch", sql, params)  # type: ignore[no-any-return]

    async def fetchrow(self, sql: str, *params: Any) -> Row | None:
        row = await self._run("fetchrow", sql, params)
        return dict(row.items()) if row is not None else None

    async def fetch_planned_once(self, sql: str, *params: Any) -> list[Row]:
        return [dict(r.items()) for r in await self._run("fetch", sql, params, generic=True)]

    async def close(self) -> None:
        pass


