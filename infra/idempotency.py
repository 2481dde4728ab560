"""Idempotency keys, stored by the event recorder in the same transaction as the events.

A command sent with an `Idempotency-Key` runs under a `KeyClaim` (a context variable set by
api/idempotency.py). `Portfolio.save` passes the claim to the recorder as a keyword argument
(the library hands `save(**kwargs)` down to `_insert_events`), and the recorders below insert
the key row inside the very transaction that inserts the events: either both are stored or
neither. So a retry after a crash, a lost connection or a timeout can never write the
command's events a second time: the key is there exactly when the events are.

The answer the client got is stored on the row afterwards (it exists only once the handler
has built it); a retry that finds the key without an answer gets a 409 naming the position.

Keys expire (`ANSVAR_IDEMPOTENCY_KEY_HOURS`, default 24): a key older than that is forgotten
when it is next sent, so it runs as a new command, and the worker deletes expired keys hourly
(`forget_keys_before`), so the table holds about a day of commands, not every command ever.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder, POPOFactory
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg.sql import SQL, Identifier

from domain.errors import Conflict

TABLE = "idempotency_keys"
_CONSTRAINT = "idempotency_keys_pkey"


class KeyAlreadyUsed(Conflict):
    """Another request with this key recorded its events first (a concurrent duplicate)."""

    slug = "idempotency-key-in-flight"
    title = "A request with this Idempotency-Key is in flight or already applied; retry to get its answer"


def stored_key(owner: str, key: str) -> str:
    """Keys are per person: the same key from two people is two keys, and nobody can be handed
    the answer another person's command got. A space never occurs in a client's key."""
    return f"{owner} {key}" if owner else key


@dataclass
class KeyClaim:
    key: str  # as the client sent it
    fingerprint: str
    created_at: datetime  # when the key was first sent (the clock's now): it expires counted from here
    owner: str = ""  # the authenticated person whose key it is
    recorded: bool = False  # set once the key is written with events (then its answer is an UPDATE)
    position: int | None = None

    @property
    def stored_key(self) -> str:
        return stored_key(self.owner, self.key)


@dataclass(frozen=True)
class StoredAnswer:
    fingerprint: str
    position: int | None
    status: int | None  # None: events recorded, answer not stored (in flight, or the process died)
    content_type: str | None
    body: bytes | None


_claim: contextvars.ContextVar[KeyClaim | None] = contextvars.ContextVar("idempotency_claim", default=None)


@contextmanager
def claiming(key: str, fingerprint: str, created_at: datetime, owner: str = "") -> Iterator[KeyClaim]:
    """Run the code inside (a command) under an idempotency key."""
    claim = KeyClaim(key, fingerprint, created_at, owner)
    token = _claim.set(claim)
    try:
        yield claim
    finally:
        _claim.reset(token)


def save_kwargs() -> dict[str, Any]:
    """What `Portfolio.save` passes to the recorder: the claim, on EVERY save of the command.

    Every command saves once. Skipping the key after it was recorded let a duplicate through:
    the commit succeeded, its acknowledgement was lost with the connection, the library retried
    the insert, hit the version conflict, and `_update` re-ran the change on the fresh state.
    With the key on that save too, the duplicate fails on the key instead (409, position named).
    """
    claim = _claim.get()
    return {} if claim is None else {"idempotency": claim}


def _text(moment: datetime) -> str:
    """SQLite keeps times as text: one fixed width in UTC, so text order is time order."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _committed(claim: KeyClaim | None, ids: Sequence[int] | None) -> None:
    # Only after the commit: ids handed out inside a transaction that then rolls back (its
    # connection cut) would name a position where nothing of this command is.
    if claim is not None and ids:
        claim.position, claim.recorded = ids[-1], True


def _reclassify(exc: IntegrityError, claim: KeyClaim | None) -> None:
    if claim is not None and (_CONSTRAINT in str(exc) or f"{TABLE}.key" in str(exc)):
        raise KeyAlreadyUsed(
            f"the command with Idempotency-Key {claim.key!r} is already recorded", field="Idempotency-Key",
            position=claim.position,  # set only if an earlier save of this same request committed
        ) from None


class _KeyedInsert:
    """A duplicate key becomes the idempotency conflict it is; a commit marks the key as recorded."""

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        try:
            ids = super().insert_events(stored_events, **kwargs)  # type: ignore[misc]
        except IntegrityError as exc:
            _reclassify(exc, kwargs.get("idempotency"))
            raise
        _committed(kwargs.get("idempotency"), ids)
        return ids


class SQLiteIdempotentRecorder(_KeyedInsert, SQLiteApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), (
            f"CREATE TABLE IF NOT EXISTS {TABLE} (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, position INTEGER,"
            " status INTEGER, content_type TEXT, body BLOB, created_at TEXT NOT NULL)"
        )]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        claim: KeyClaim | None = kwargs.get("idempotency")
        if claim is not None and ids:
            c.execute(
                f"INSERT INTO {TABLE} (key, fingerprint, position, created_at) VALUES (?, ?, ?, ?)",
                (claim.stored_key, claim.fingerprint, ids[-1], _text(claim.created_at)),
            )
        return ids

    def find_answer(self, key: str, not_before: datetime | None = None) -> StoredAnswer | None:
        with self.datastore.transaction(commit=not_before is not None) as c:
            if not_before is not None:  # expired: forget it, so its insert with new events cannot collide
                c.execute(f"DELETE FROM {TABLE} WHERE key = ? AND created_at < ?", (key, _text(not_before)))
            c.execute(f"SELECT fingerprint, position, status, content_type, body FROM {TABLE} WHERE key = ?", (key,))
            row = c.fetchone()
        return None if row is None else StoredAnswer(*(row[i] for i in range(5)))

    def forget_keys_before(self, cutoff: datetime) -> int:
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"DELETE FROM {TABLE} WHERE created_at < ?", (_text(cutoff),))
            c.execute("SELECT changes()")  # the library's cursor does not pass rowcount on
            return c.fetchone()[0]

    def store_answer(self, claim: KeyClaim, status: int, content_type: str | None, body: bytes) -> None:
        sql, params = _store(claim, status, content_type, body, _text(claim.created_at))
        with self.datastore.transaction(commit=True) as c:
            c.execute(sql.format(table=TABLE).replace("%s", "?"), params)


def _store(claim: KeyClaim, status: int, content_type: str | None, body: bytes, now: Any) -> tuple[str, tuple]:
    """The statement storing an answer. The request that recorded the key fills in its row; one
    that wrote nothing adds a row unless a racing duplicate got there first (the first answer wins)."""
    if claim.recorded:
        return (
            "UPDATE {table} SET status = %s, content_type = %s, body = %s WHERE key = %s AND status IS NULL",
            (status, content_type, body, claim.stored_key),
        )
    return (
        "INSERT INTO {table} (key, fingerprint, position, status, content_type, body, created_at)"
        " VALUES (%s, %s, NULL, %s, %s, %s, %s) ON CONFLICT (key) DO NOTHING",
        (claim.stored_key, claim.fingerprint, status, content_type, body, now),
    )


class PostgresIdempotentRecorder(_KeyedInsert, PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keys_table = SQL("{}.{}").format(Identifier(self.datastore.schema), Identifier(TABLE))
        self.sql_create_statements.append(SQL(
            "CREATE TABLE IF NOT EXISTS {} (key text CONSTRAINT {} PRIMARY KEY, fingerprint text NOT NULL,"
            " position bigint, status integer, content_type text, body bytea, created_at timestamptz NOT NULL)"
        ).format(self.keys_table, Identifier(_CONSTRAINT)))

    def _fetch_ids_after_insert_events(self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        claim: KeyClaim | None = kwargs.get("idempotency")
        if claim is not None and ids:
            # Still inside the insert transaction (and its table lock): a duplicate key aborts it all.
            curs.execute(
                SQL("INSERT INTO {} (key, fingerprint, position, created_at) VALUES (%s, %s, %s, %s)").format(self.keys_table),
                (claim.stored_key, claim.fingerprint, ids[-1], claim.created_at),
            )
        return ids

    def find_answer(self, key: str, not_before: datetime | None = None) -> StoredAnswer | None:
        with self.datastore.transaction(commit=not_before is not None) as curs:
            if not_before is not None:  # expired: forget it, so its insert with new events cannot collide
                curs.execute(SQL("DELETE FROM {} WHERE key = %s AND created_at < %s").format(self.keys_table), (key, not_before))
            curs.execute(
                SQL("SELECT fingerprint, position, status, content_type, body FROM {} WHERE key = %s").format(self.keys_table),
                (key,),
            )
            row = curs.fetchone()
        if row is None:
            return None
        return StoredAnswer(row["fingerprint"], row["position"], row["status"], row["content_type"],
                            None if row["body"] is None else bytes(row["body"]))

    def store_answer(self, claim: KeyClaim, status: int, content_type: str | None, body: bytes) -> None:
        sql, params = _store(claim, status, content_type, body, claim.created_at)
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL(sql).format(table=self.keys_table), params)

    def forget_keys_before(self, cutoff: datetime) -> int:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("DELETE FROM {} WHERE created_at < %s").format(self.keys_table), (cutoff,))
            return curs.rowcount


class POPOIdempotentRecorder(POPOApplicationRecorder):
    def __init__(self) -> None:
        super().__init__()
        self._keys: dict[str, StoredAnswer] = {}
        self._created: dict[str, datetime] = {}

    def _insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        claim: KeyClaim | None = kwargs.get("idempotency")
        with self._database_lock:
            if claim is not None and claim.stored_key in self._keys:
                _reclassify(IntegrityError(f"{TABLE}.key"), claim)
            ids = super()._insert_events(stored_events, **kwargs)
            if claim is not None and ids:
                self._keys[claim.stored_key] = StoredAnswer(claim.fingerprint, ids[-1], None, None, None)
                self._created[claim.stored_key] = claim.created_at
                claim.position, claim.recorded = ids[-1], True
            return ids

    def find_answer(self, key: str, not_before: datetime | None = None) -> StoredAnswer | None:
        with self._database_lock:
            if not_before is not None and key in self._keys and self._created[key] < not_before:
                del self._keys[key], self._created[key]
            return self._keys.get(key)

    def forget_keys_before(self, cutoff: datetime) -> int:
        with self._database_lock:
            expired = [key for key, created in self._created.items() if created < cutoff]
            for key in expired:
                del self._keys[key], self._created[key]
            return len(expired)

    def store_answer(self, claim: KeyClaim, status: int, content_type: str | None, body: bytes) -> None:
        with self._database_lock:
            found = self._keys.get(claim.stored_key)
            if (found is None and not claim.recorded) or (found is not None and claim.recorded and found.status is None):
                self._keys[claim.stored_key] = StoredAnswer(claim.fingerprint, claim.position, status, content_type, body)
                self._created.setdefault(claim.stored_key, claim.created_at)


class POPOIdempotentFactory(POPOFactory):
    def application_recorder(self) -> POPOIdempotentRecorder:
        return POPOIdempotentRecorder()


RECORDER_ENV = {
    "eventsourcing.popo": {"PERSISTENCE_MODULE": "infra.idempotency:POPOIdempotentFactory"},
    "eventsourcing.sqlite": {"APPLICATION_RECORDER_TOPIC": "infra.idempotency:SQLiteIdempotentRecorder"},
    "eventsourcing.postgres": {"APPLICATION_RECORDER_TOPIC": "infra.idempotency:PostgresIdempotentRecorder"},
}


def with_idempotent_recorder(env: dict[str, str]) -> dict[str, str]:
    """The library's environment with the recorder that stores idempotency keys atomically."""
    return {**env, **RECORDER_ENV[env["PERSISTENCE_MODULE"]]}
