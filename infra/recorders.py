"""The event recorders: the library's, storing with the events, in their very transaction, what
must never exist without them, or they without it:

- the `Idempotency-Key` of the command that wrote them (infra/idempotency.py), so a retry can
  never write the events twice;
- the erasable details (name, e-mail) of the people whose registration (or correction) they
  record, and the salts of the digests those events carry (infra/people_directory.py), so a
  process killed half-way leaves neither a person without details nor details without a person
  (the `people` keyword of `Commands.save`);
- each event's leaf in the log's Merkle tree (infra/log_tree.py), so the tree always covers
  exactly the events there are;
- the erasing of a free text that an erasure event records (the `erase` keyword: positions and
  fields), so the text is gone exactly when the log says it is.

On the embedded default and PostgreSQL both go in the same database as the events; the
in-memory store (tests, `memory://`) keeps the details in its own directory after the save.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder, POPOFactory
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.postgres import PostgresFactory as _LibraryPostgresFactory
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg.sql import SQL, Identifier

from domain.person_details import PersonDetails
from infra import shared_pools, tlog
from infra.idempotency import TABLE, CommitUnknown, KeyAlreadyUsed, KeyClaim, StoredAnswer
from infra.log_tree import (
    LEAVES_SETTING,
    TREE_MOVED,
    Dialect,
    LogTree,
    MemoryTree,
    append_argument,
    append_trigger,
)
from infra.people_directory import ADD_SALT, CORRECT, UPSERT, correction, erased_meanwhile, salt_rows
from infra.people_directory import row as details_row

_CONSTRAINT = "idempotency_keys_pkey"
log = structlog.get_logger(__name__)


def _text(moment: datetime) -> str:
    """SQLite keeps times as text: one fixed width in UTC, so text order is time order."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _committed(claim: KeyClaim | None, ids: Sequence[int] | None) -> None:
    # Only after the commit: ids handed out inside a transaction that then rolls back (its
    # connection cut) would name a position where nothing of this command is.
    if claim is not None and ids:
        claim.position, claim.recorded = ids[-1], True


def _positions(ids: Sequence[int], stored_events: Sequence[StoredEvent]) -> dict[tuple[UUID, int], int]:
    return {(UUID(str(e.originator_id)), e.originator_version): i for i, e in zip(ids, stored_events)}


def _correct_people(cur: Any, people: Sequence[PersonDetails], sql: Any, key: Any) -> None:
    """Corrections' (and the upgrade's) details, into rows that are there and not erased: raises,
    failing the whole save, where an erasure came first. `sql(statement, table)` adapts a statement
    of infra/people_directory.py to the store, `key(uuid)` a person id to its column."""
    for p in people:
        if p.how != "registered":
            cur.execute(sql(CORRECT, "person_details"), correction(key(p.person_id), p.name, p.email))
            if cur.fetchone() is None:
                raise erased_meanwhile(p.person_id)


def _register_people(cur: Any, people: Sequence[PersonDetails], ids: Sequence[int],
                     stored_events: Sequence[StoredEvent], sql: Any, key: Any) -> None:
    """New people's details, and the salts of every event in this save that commits to details."""
    registered = [details_row(key(p.person_id), p.name, p.email) for p in people if p.how == "registered"]
    if registered:
        cur.executemany(sql(UPSERT, "person_details"), registered)
    positions = _positions(ids, stored_events)
    salts = [r for p in people for r in salt_rows(p, positions[(p.person_id, p.version)], key(p.person_id))]
    if salts:
        cur.executemany(sql(ADD_SALT, "person_salts"), salts)


def _reclassify(exc: IntegrityError, claim: KeyClaim | None) -> None:
    if claim is not None and (_CONSTRAINT in str(exc) or f"{TABLE}.key" in str(exc)):
        raise KeyAlreadyUsed(
            field="Idempotency-Key", key=claim.key,
            position=claim.position,  # set only if an earlier save of this same request committed
        ) from None


@dataclass
class _Leaves:
    """One insert's leaves, as they go through the library's steps (each is given its own copy
    of the keywords, so what one step does for the next goes here)."""

    prepared: list[tuple[dict[str, bytes], str]]  # tlog.prepare of each event
    in_sql: bool  # the trigger grows the tree (PostgreSQL)
    argument: str | None = None  # log_tree.append_argument, when it does


class _KeyedInsert:
    """A duplicate key becomes the idempotency conflict it is; a commit marks the key as recorded.
    An insert whose append to the tree in SQL the database refused is run once more in Python."""

    stores_person_details = True  # in the events' transaction (the SQL recorders below)
    tree: LogTree

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        # All of each leaf but its position, before the transaction takes the log's lock.
        prepared = [tlog.prepare(e.topic, e.state) for e in stored_events]
        in_sql = self.tree.d.kind == "postgres" and bool(stored_events) and not kwargs.get("erase")
        argument = append_argument(prepared, stored_events) if in_sql else None
        for attempt in (1, 2):
            # The first time in SQL where the store can (PostgreSQL), again in Python: that reads
            # the tree's edge itself and gives any event without a leaf its leaf first.
            kwargs["leaves"] = _Leaves(prepared, in_sql and attempt == 1, argument)
            try:
                ids = self._insert_once(stored_events, **kwargs)
                break
            except IntegrityError as exc:
                _reclassify(exc, kwargs.get("idempotency"))
                raise
            except Exception as exc:
                if attempt == 1 and TREE_MOVED in str(exc):
                    continue  # rolled back whole: again, on the Python path
                raise
        _committed(kwargs.get("idempotency"), ids)
        return ids

    def _insert_once(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        return super().insert_events(stored_events, **kwargs)  # type: ignore[misc]

    def _grow_tree(self, cur: Any, ids: Sequence[int] | None, stored_events: Sequence[StoredEvent],
                   kwargs: dict[str, Any]) -> None:
        if ids:
            leaves: _Leaves = kwargs["leaves"]
            if not leaves.in_sql:  # else the trigger has grown it
                self.tree.append_in(cur, ids, stored_events, leaves.prepared)
            erase: Sequence[tuple[int, str]] = kwargs.get("erase", ())
            for position, field in erase:  # the erasure's event and the erasing, all or nothing
                self.tree.erase_in(cur, position, field)

    def catch_up_tree(self) -> int:
        """Give every event without a leaf its leaf (an upgrade from a log without a tree), in
        transactions of up to 5,000 events; how many were given."""
        given = 0
        while True:
            with self.datastore.transaction(commit=True) as cur:  # type: ignore[attr-defined]
                self._lock_for_tree(cur)
                done = self.tree.catch_up_in(cur)
            given += done
            if done == 0:
                return given

    def _lock_for_tree(self, cur: Any) -> None:
        pass


class SQLiteRecorder(_KeyedInsert, SQLiteApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.tree = LogTree(Dialect("sqlite"), kwargs.get("events_table_name", "stored_events"))
        super().__init__(*args, **kwargs)
        self.tree.events_table = self.events_table_name

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), (
            f"CREATE TABLE IF NOT EXISTS {TABLE} (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, position INTEGER,"
            " status INTEGER, content_type TEXT, body BLOB, created_at TEXT NOT NULL)"
        ), *self.tree.d.ddl]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        self._grow_tree(c, ids, stored_events, kwargs)
        claim: KeyClaim | None = kwargs.get("idempotency")
        if claim is not None and ids:
            c.execute(
                f"INSERT INTO {TABLE} (key, fingerprint, position, created_at) VALUES (?, ?, ?, ?)",
                (claim.stored_key, claim.fingerprint, ids[-1], _text(claim.created_at)),
            )
        people: Sequence[PersonDetails] = kwargs.get("people", ())
        if people and ids:  # an exception here rolls the events back
            sql = lambda text, table: text.replace("{table}", table)  # noqa: E731
            _correct_people(c, people, sql, str)
            _register_people(c, people, ids, stored_events, sql, str)
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


def _same(value: Any) -> Any:
    return value


class _Attempt:
    """Whether an insert got as far as a connection and its transaction: from then on it may have
    committed, though its answer was lost."""

    began = False


class PostgresRecorder(_KeyedInsert, PostgresApplicationRecorder):
    """The library's recorder, and a save that rides out a failover without doing a command twice.

    The library retries a failed insert on its own (10 times, 0.2 s apart), blindly: an insert
    whose COMMIT reached the server but whose answer was lost (the primary died, the connection
    was cut) was sent again, met its own events as a version conflict, and the command was re-run
    on the fresh state, a second time. Here a save that lost its connection looks first: its
    events there, with the very bytes it sent, mean it committed (its positions are returned, as
    if nothing had happened); not there means it did not, and it is sent again, on a new
    connection, which the multi-host URL takes to the new primary. A retry that meets its own
    events (the first attempt's commit landed late) is found the same way. Only when the
    database cannot be asked within `failover_seconds` does the save give up: CommitUnknown
    (503) if an attempt may have committed, else the outage itself (503, nothing recorded).
    """

    failover_seconds = 15.0  # a primary's failover (promotion, DNS) fits in this; then 503

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schema = self.datastore.schema
        self.keys_table = SQL("{}.{}").format(Identifier(schema), Identifier(TABLE))
        self.sql_create_statements.append(SQL(
            "CREATE TABLE IF NOT EXISTS {} (key text CONSTRAINT {} PRIMARY KEY, fingerprint text NOT NULL,"
            " position bigint, status integer, content_type text, body bytea, created_at timestamptz NOT NULL)"
        ).format(self.keys_table, Identifier(_CONSTRAINT)))
        events = '"' + schema.replace('"', '""') + '"."' + self.events_table_name.replace('"', '""') + '"'
        self.tree = LogTree(Dialect("postgres", schema), events)
        self.sql_create_statements += [SQL(statement) for statement in self.tree.d.ddl]  # type: ignore[arg-type]
        self.sql_create_statements += [SQL(s) for s in append_trigger(self.tree.d, events)]  # type: ignore[arg-type]
        self._announce_sql = SQL(f"SELECT set_config('{LEAVES_SETTING}', %s, true)")  # type: ignore[arg-type]
        self._ours_sql = SQL(
            "SELECT originator_id, originator_version, notification_id, state FROM {}.{}"
            " WHERE originator_id = ANY(%s) AND originator_version = ANY(%s)"
        ).format(Identifier(schema), Identifier(self.events_table_name))

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if not stored_events:  # nothing whose commit could be looked for
            return _KeyedInsert.insert_events(self, stored_events, **kwargs)
        attempt = kwargs["attempt"] = _Attempt()
        deadline = time.monotonic() + self.failover_seconds
        maybe_committed = False  # an attempt that began failed: its commit may have landed
        known_absent = False  # ...and the store was asked since, and had none of its events
        wait = 0.1
        while True:
            attempt.began = False
            try:
                return _KeyedInsert.insert_events(self, stored_events, **kwargs)
            except (OperationalError, InterfaceError) as exc:
                failure: Exception = exc
                maybe_committed = maybe_committed or attempt.began
            except (IntegrityError, KeyAlreadyUsed):
                if maybe_committed:  # perhaps its own events, from an attempt whose commit landed late
                    try:
                        ids = self._ours(stored_events)
                    except (OperationalError, InterfaceError) as exc:
                        claim = kwargs.get("idempotency")
                        raise CommitUnknown(_unknown_detail(claim, self.failover_seconds), keyed=claim is not None) from exc
                    if ids is not None:
                        return self._found_committed(ids, kwargs)
                raise
            self._drop_dead_connections()
            if maybe_committed:
                try:
                    ids = self._ours(stored_events)
                except (OperationalError, InterfaceError):
                    known_absent = False
                else:
                    if ids is not None:
                        return self._found_committed(ids, kwargs)
                    known_absent = True
            if time.monotonic() + wait > deadline:
                if maybe_committed and not known_absent:
                    claim = kwargs.get("idempotency")
                    raise CommitUnknown(_unknown_detail(claim, self.failover_seconds), keyed=claim is not None) from failure
                raise failure
            log.warning("the database connection was lost while saving; trying again", error=str(failure),
                        retry_in=wait)
            time.sleep(wait)
            wait = min(wait * 2, 2.0)

    def select_events(self, *args: Any, **kwargs: Any) -> Any:
        """Reading an aggregate's events is safe to repeat: through a failover, on fresh connections,
        for as long as a save would try (the library's own retry drew the dead ones one by one, and
        waited its pool's timeout for each while no server took connections: ~50 s)."""
        deadline = time.monotonic() + self.failover_seconds
        wait = 0.1
        while True:
            try:
                return PostgresApplicationRecorder.select_events.__wrapped__(self, *args, **kwargs)  # type: ignore[attr-defined]
            except (OperationalError, InterfaceError):
                if time.monotonic() + wait > deadline:
                    raise
            self._drop_dead_connections()
            time.sleep(wait)
            wait = min(wait * 2, 2.0)

    def _insert_once(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        # The library's insert without its blind retry (see the class's comment).
        return PostgresApplicationRecorder.insert_events.__wrapped__(self, stored_events, **kwargs)  # type: ignore[attr-defined]

    def _ours(self, stored_events: Sequence[StoredEvent]) -> list[int] | None:
        """The positions of these very events if they are stored (same aggregate, version and
        bytes), else None. A commit is whole: all of them are there, or none."""
        wanted = {(UUID(str(e.originator_id)), e.originator_version): bytes(e.state) for e in stored_events}
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._ours_sql, (list({k[0] for k in wanted}), list({k[1] for k in wanted})))
            found = {(UUID(str(r["originator_id"])), r["originator_version"]): r for r in curs.fetchall()}
        rows = [found.get(k) for k in wanted]
        if any(r is None or bytes(r["state"]) != wanted[k] for k, r in zip(wanted, rows)):
            return None
        return [r["notification_id"] for r in rows]  # type: ignore[index]

    def _found_committed(self, ids: list[int], kwargs: dict[str, Any]) -> list[int]:
        log.warning("a save whose answer was lost with its connection had committed; carrying on", position=ids[-1])
        _committed(kwargs.get("idempotency"), ids)
        return ids

    def _drop_dead_connections(self) -> None:
        """After a failover every pooled connection is to the old primary: test them now, so the
        next attempt gets a new one (to the new primary), not the next dead one."""
        try:
            self.datastore.pool.check()
        except Exception:  # noqa: BLE001 - the next attempt reports what matters
            pass

    def _lock_for_tree(self, cur: Any) -> None:
        self._lock_table(cur)  # as an insert does: the tree grows in log order

    def _insert_events(self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        # Before the library takes the lock and inserts: the corrections' details (raising here rolls
        # the transaction back; after the insert the library would commit what it holds), and the
        # announcing of the leaves to the trigger that grows the tree in SQL (log_tree.append_trigger).
        if (attempt := kwargs.get("attempt")) is not None:
            attempt.began = True
        _correct_people(curs, kwargs.get("people", ()), self._people_sql, _same)
        super()._insert_events(curs, stored_events, **kwargs)
        leaves: _Leaves = kwargs["leaves"]
        if leaves.in_sql:
            curs.execute(self._announce_sql, (leaves.argument,), prepare=True)

    def _fetch_ids_after_insert_events(self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        self._grow_tree(curs, ids, stored_events, kwargs)
        claim: KeyClaim | None = kwargs.get("idempotency")
        if claim is not None and ids:
            # Still inside the insert transaction (and its table lock): a duplicate key aborts it all.
            curs.execute(
                SQL("INSERT INTO {} (key, fingerprint, position, created_at) VALUES (%s, %s, %s, %s)").format(self.keys_table),
                (claim.stored_key, claim.fingerprint, ids[-1], claim.created_at),
            )
        people: Sequence[PersonDetails] = kwargs.get("people", ())
        if people and ids:
            _register_people(curs, people, ids, stored_events, self._people_sql, _same)
        return ids

    def _people_sql(self, text: str, table: str) -> Any:
        return SQL(text.replace("?", "%s").replace("{table}", "{}")).format(SQL("{}.{}").format(
            Identifier(self.datastore.schema), Identifier(table)))

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


def _unknown_detail(claim: KeyClaim | None, seconds: float) -> str:
    lost = (f"the database went away while this command was being committed, and for {seconds:.0f} s it could not be"
            " found out whether it was recorded")
    if claim is not None:
        return (f"{lost}; send it again with the same Idempotency-Key {claim.key!r}: it is then recorded once, or"
                " answered with the position it was recorded at")
    return (f"{lost}; look before sending it again (it may have taken effect), and send commands with an"
            " Idempotency-Key, so that a retry is always safe")


class PostgresFactory(_LibraryPostgresFactory):
    """The library's factory, with libpq's `target_session_attrs` on its connections (the
    library has no setting for it): with a multi-host ANSVAR_DATABASE_URL the write side then
    connects to whichever server is the primary (infra/settings.py)."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        attrs = self.env.get("POSTGRES_TARGET_SESSION_ATTRS")
        if attrs:
            self.datastore.pool.kwargs["target_session_attrs"] = attrs  # type: ignore[index]
        shared = self.env.get(shared_pools.ENV_KEY)
        if shared:  # one of many municipalities: the process's pool, not one of its own (infra/shared_pools.py)
            shared_pools.lend(shared_pools.lookup(shared), self.datastore)


class POPORecorder(POPOApplicationRecorder):
    def __init__(self) -> None:
        super().__init__()
        self._keys: dict[str, StoredAnswer] = {}
        self._created: dict[str, datetime] = {}
        self.memory_tree = MemoryTree()

    def _insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        claim: KeyClaim | None = kwargs.get("idempotency")
        with self._database_lock:
            if claim is not None and claim.stored_key in self._keys:
                _reclassify(IntegrityError(f"{TABLE}.key"), claim)
            ids = super()._insert_events(stored_events, **kwargs)
            if ids:
                self.memory_tree.append(ids, stored_events)
                for position, field in kwargs.get("erase", ()):
                    stored = self._stored_events[position - 1]
                    self._stored_events[position - 1] = replace(
                        stored, state=self.memory_tree.erase(position, field, stored.state))
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


class POPORecorderFactory(POPOFactory):
    def application_recorder(self) -> POPORecorder:
        return POPORecorder()


RECORDER_ENV = {
    "eventsourcing.popo": {"PERSISTENCE_MODULE": "infra.recorders:POPORecorderFactory"},
    "eventsourcing.sqlite": {"APPLICATION_RECORDER_TOPIC": "infra.recorders:SQLiteRecorder"},
    "eventsourcing.postgres": {"PERSISTENCE_MODULE": "infra.recorders:PostgresFactory",
                               "APPLICATION_RECORDER_TOPIC": "infra.recorders:PostgresRecorder"},
}


def with_recorders(env: dict[str, str]) -> dict[str, str]:
    """The library's environment with these recorders."""
    return {**env, **RECORDER_ENV[env["PERSISTENCE_MODULE"]]}
