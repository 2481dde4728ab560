"""The batched, tracked projection loop.

Each batch reads notifications from the event log and applies them to every view whose
tracking position is behind, then writes the views' rows and their new positions in ONE
transaction: a crash loses the whole batch or nothing, a restart resumes at the stored
position, and redelivery can never apply an event twice. The tracking rows are locked for
the batch, so two workers on one database take turns instead of racing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Protocol

import structlog

from projections import failures
from projections.event_decoding import EventDecoder
from projections.progress import Progress
from projections.write_buffer import WriteBuffer

log = structlog.get_logger(__name__)

TRACKING_DDL = (
    "CREATE TABLE IF NOT EXISTS projection_tracking ("
    " name text PRIMARY KEY, position bigint NOT NULL, updated_at timestamptz)"
)
#: The shape each view's tables were made with (a digest of its DDL, and of the settings its rows
#: are computed with). A view whose DDL changed since (a new column, say), or whose settings did
#: (a gap threshold), has its tables dropped and made again, and is rebuilt from the log.
SCHEMA_DDL = "CREATE TABLE IF NOT EXISTS projection_schemas (name text PRIMARY KEY, digest text NOT NULL)"


def schema_digest(view: View) -> str:
    made_with = getattr(view, "made_with", "")  # the settings its rows depend on, as canonical text
    return hashlib.sha256("\n".join([*view.ddl, *([made_with] if made_with else [])]).encode()).hexdigest()


class View(Protocol):
    """A read model. One whose rows depend on settings also has `made_with`: those settings as
    canonical text, part of its schema digest."""

    name: str
    ddl: Sequence[str]
    tables: Sequence[str]

    def apply(self, cur: Any, event: Any, position: int) -> None: ...
    def flush(self, cur: Any) -> None: ...


class CatchesUpAlone(View, Protocol):
    """A view whose per-batch work grows with what each batch touches (the gaps recompute every
    system a batch touches). Far behind, it waits until the other views are current and then
    catches up over the whole range in one transaction, doing that work once per system."""

    alone_after: int  # lag (events) beyond which the view catches up alone

    def catch_up_alone(self, cur: Any, notifications: Iterable[Any], from_scratch: bool = False,
                       upto: int | None = None) -> None: ...

    # Optional: `collector(start)`, what to hand each event to while it waits at position 0 and the
    # others replay the log from `start` (None: nothing), so it need not read their tables back.


# Events per transaction when nobody waits on the views (`ansvar projections rebuild`, the demo's
# first catch-up): 1M events rebuilt in 94 s instead of 104 s at the worker's 500 (bench/rebuild.py).
REBUILD_BATCH = 5_000


class CatchUp:
    """`check`: held to each page of events read up to position `check_upto` (infra/log_read_check.py:
    their leaves). Events the app writes while the views follow are its own; what a view replays
    from the log (a rebuild, a view made afresh) is read back from the store, and checked."""

    def __init__(self, app: Any, db: Any, views: Sequence[View], progress: Progress | None = None, batch_size: int = 500,
                 check: Callable[[int, Sequence[Any]], None] | None = None, check_upto: int = 0):
        self.app = app
        self.db = db
        self.views = list(views)
        self.progress = progress or Progress()
        self.batch_size = batch_size
        self.positions_seen: dict[str, int] = {}
        self.check, self.check_upto = check, check_upto
        self._decode: EventDecoder | None = None

    def setup(self) -> None:
        remade = False
        with self.db.transaction() as cur:
            if self.db.dialect == "postgres":  # two processes starting at once take turns (SQLite: BEGIN IMMEDIATE)
                cur.execute("SELECT pg_advisory_xact_lock(7243)")
            cur.execute(TRACKING_DDL)
            cur.execute(SCHEMA_DDL)
            cur.execute(failures.DDL)
            cur.execute("SELECT name, digest FROM projection_schemas")
            made = {r["name"]: r["digest"] for r in cur.fetchall()}
            for view in self.views:
                digest = schema_digest(view)
                if made.get(view.name) != digest:
                    self._remake(cur, view, digest)
                    remade = True
                    if view.name in made:
                        log.info("a view's tables or settings changed: made afresh, rebuilt from the log",
                                 view=view.name)
                for statement in view.ddl:
                    if self.db.dialect != "postgres":  # covering-index columns are PostgreSQL's
                        statement = re.sub(r"\s+INCLUDE\s*\([^)]*\)", "", statement)
                    cur.execute(statement)
                cur.execute(
                    "INSERT INTO projection_tracking (name, position) VALUES (?, 0) ON CONFLICT (name) DO NOTHING",
                    (view.name,),
                )
        seen = self.positions()
        self.progress.advance(min(seen.values(), default=0), tuple(seen.values()))
        if remade:  # replayed from the store, not from the app's hands: checked (read outside the views' lock)
            self.check_upto = max(self.check_upto, self.head())

    @staticmethod
    def _remake(cur: Any, view: View, digest: str) -> None:
        """New or changed tables: drop what an older version made, and start the view from the log."""
        for table in view.tables:
            cur.execute(f"DROP TABLE IF EXISTS {table}")
        cur.execute("UPDATE projection_tracking SET position = 0 WHERE name = ?", (view.name,))
        cur.execute(
            "INSERT INTO projection_schemas (name, digest) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET digest = excluded.digest",
            (view.name, digest),
        )

    def positions(self) -> dict[str, int]:
        with self.db.transaction(write=False) as cur:
            cur.execute("SELECT name, position FROM projection_tracking")
            found = {r["name"]: r["position"] for r in cur.fetchall()}
        return {v.name: found.get(v.name, 0) for v in self.views}

    def head(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def run_batch(self, limit: int | None = None) -> int:
        """Apply the next batch; returns how many notifications it read (0: caught up)."""
        try:
            return self._run_batch(limit)
        except BaseException:
            for view in self.views:  # rows buffered for a rolled-back transaction must not leak into the retry
                if discard := getattr(view, "discard", None):
                    discard()
            raise

    def _run_batch(self, limit: int | None) -> int:
        # Read the log BEFORE taking the write lock on the views. On SQLite, reading it inside
        # (BEGIN IMMEDIATE held) deadlocked: an event writer waiting for that file lock holds the
        # event store's only writer slot, and the pool makes readers queue behind it.
        seen, head = self.positions(), self.head()
        tracked = [v for v in self.views if v.name in seen]
        rest = [v for v in tracked if v not in self._far_behind(tracked, seen, head)] or tracked
        start = min((seen[v.name] for v in rest), default=0) + 1
        prefetched = self.app.recorder.select_notifications(start, limit or self.batch_size)
        # The page's check runs while the views apply it (in another process where the check has
        # one) and ends before the commit: nothing that does not verify is ever adopted.
        checked = self._begin_check(start, prefetched)
        try:
            with self.db.transaction() as db_cursor:
                cur = WriteBuffer(db_cursor)
                count = self._apply_batch(cur, start, prefetched, head)
                try:
                    cur.flush()
                except Exception as exc:  # a row a view wrote is refused: that view's fault, at this batch
                    owner = next((v for v in self.views if cur.flushing in v.tables), None)
                    if owner is None or failures.is_outage(exc):
                        raise
                    raise failures.ViewFailed(owner.name, prefetched[-1].id if prefetched else start, exc) from exc
                checked()
        except Exception:
            checked()  # an event that does not verify explains a view's failure on it first
            raise
        self.progress.advance(min(self.positions_seen[v.name] for v in self.views if v.name in self.positions_seen),
                              tuple(self.positions_seen.get(v.name, 0) for v in self.views))  # the answers' stamp
        return count

    def _apply_batch(self, cur: WriteBuffer, start_read: int, prefetched: list[Any], head: int) -> int:
        lock = " FOR UPDATE" if self.db.dialect == "postgres" else ""
        cur.execute("SELECT name, position FROM projection_tracking" + lock)
        positions = self.positions_seen = {r["name"]: r["position"] for r in cur.fetchall()}
        behind = [v for v in self.views if v.name in positions]
        alone = self._far_behind(behind, positions, head)
        if alone:
            behind = [v for v in behind if v not in alone]
            if not behind or min(positions[v.name] for v in behind) >= head:
                return self._catch_up_alone(cur, alone, positions, behind, head)
        if min(positions[v.name] for v in behind) + 1 != start_read:
            # Another worker moved the views on (or a rebuild rewound them) since we read the log:
            # go round again from where they are now, so nothing is skipped or applied twice.
            return max(len(prefetched), 1)
        notifications = prefetched
        if not notifications:
            return 0
        self._apply_each(cur, behind + self._collecting(alone, positions, start_read), positions, notifications)
        last = notifications[-1].id
        for view in behind:
            with _blamed(view, last):
                view.flush(cur)
            if positions[view.name] < last:  # a view already past this batch (the others, while one rebuilds) stays
                self._track(cur, view, last)
                positions[view.name] = last
        return len(notifications)

    def _apply_each(self, cur: WriteBuffer, behind: list[View], positions: dict[str, int], notifications: list[Any]) -> None:
        # One try around the whole batch, not a context manager per event per view (6% of a rebuild):
        # on a failure, the view and position it was at are still named.
        if self._decode is None:
            self._decode = EventDecoder(self.app.mapper)
        decode = self._decode
        # Per event class, once a batch: the views that do something with it, and their handler (a
        # dispatch per event per view, on ~9 views, cost more than most handlers' own work).
        routes: dict[type, list[tuple[View, Callable[[Any, Any, int], None], Any, int]]] = {}
        view: View | None = None
        position = 0
        try:
            for notification in notifications:
                event = decode(notification)
                position = notification.id
                targets = routes.get(type(event))
                if targets is None:
                    targets = routes[type(event)] = _routes(behind, type(event), cur, positions)
                for view, handler, view_cur, after in targets:
                    if after < position:
                        handler(view_cur, event, position)
                view = None
        except Exception as exc:
            if view is None or failures.is_outage(exc):
                raise
            raise failures.ViewFailed(view.name, position, exc) from exc

    @staticmethod
    def _collecting(alone: list[View], positions: dict[str, int], start: int) -> list[View]:
        """The views waiting at position 0 that take the events as they pass (the gaps: each system's
        history in memory), so that catching up alone they need not read the others' tables back."""
        found: list[View] = []
        for view in alone:
            collector = getattr(view, "collector", None)
            if positions[view.name] == 0 and collector is not None and (apply := collector(start)) is not None:
                found.append(_Collecting(view.name, apply))  # type: ignore[arg-type]
        return found

    @staticmethod
    def _far_behind(views: list[View], positions: dict[str, int], head: int) -> list[View]:
        lagging = [v for v in views if getattr(v, "alone_after", None) is not None]
        if not lagging:
            return []
        return [v for v in lagging if head - positions[v.name] > v.alone_after]  # type: ignore[attr-defined]

    def _catch_up_alone(self, cur: Any, views: list[View], positions: dict[str, int], others: list[View], head: int) -> int:
        # Up to where the other views are, so the tables it reads match the position it records.
        # From position 0 (a rebuild) the gaps view reads no log. Part-way it reads the log under
        # the views' lock: on SQLite such a catch-up should run with the API stopped. Views move
        # together batch by batch, so only a rebuild leaves one far behind in practice.
        upto = min((positions[v.name] for v in others), default=head) if others else head
        read = 0
        for view in views:
            start = positions[view.name]
            with _blamed(view, upto):
                view.catch_up_alone(cur, self._notifications(start + 1, upto), from_scratch=start == 0,  # type: ignore[attr-defined]
                                    upto=upto)
            self._track(cur, view, upto)
            read = max(read, upto - start)
            positions[view.name] = upto
        log.info("caught up alone", views=[v.name for v in views], position=upto)
        return read

    def _notifications(self, start: int, stop: int) -> Iterator[Any]:
        while start <= stop:
            page = self._checked(start, self.app.recorder.select_notifications(start, 5_000, stop=stop))
            if not page:
                return
            yield from page
            start = page[-1].id + 1

    def _checked(self, start: int, notifications: Sequence[Any]) -> Sequence[Any]:
        """The notifications read from `start`, once those up to check_upto match their leaves
        (raises infra.log_read_check.LogBroken)."""
        self._begin_check(start, notifications)()
        return notifications

    def _begin_check(self, start: int, notifications: Sequence[Any]) -> Callable[[], None]:
        """Start the check of the notifications read from `start` (those up to check_upto); the
        call returned ends it (raises LogBroken), and does nothing when called again."""
        if self.check is None or not notifications or start > self.check_upto:
            return _nothing
        upto = notifications if notifications[-1].id <= self.check_upto else \
            [n for n in notifications if n.id <= self.check_upto]
        begin = getattr(self.check, "begin", None)
        if begin is None:  # a plain check: done now
            self.check(start, upto)
            return _nothing
        return begin(start, upto)  # type: ignore[no-any-return]

    @staticmethod
    def _track(cur: Any, view: View, position: int) -> None:
        cur.execute(
            "UPDATE projection_tracking SET position = ?, updated_at = CURRENT_TIMESTAMP WHERE name = ?",
            (position, view.name),
        )

    def run_until_caught_up(self, on_batch: Callable[[int], None] | None = None, batch: int | None = None) -> int:
        """Apply batches until the views reach the head. `batch` overrides the batch size: a
        rebuild with nobody waiting for the views takes REBUILD_BATCH (fewer, larger transactions)."""
        total = 0
        while count := self.run_batch(batch):
            total += count
            if on_batch:
                on_batch(count)
        return total

    def checksums(self) -> dict[str, str]:
        """A digest of each view's rows in a canonical order: equal digests, equal views."""
        digests = {}
        with self.db.transaction(write=False) as cur:
            for view in self.views:
                digest = hashlib.sha256()
                for table in view.tables:
                    cur.execute(f"SELECT * FROM {table}")
                    rows = sorted(repr(sorted((k, _canonical(v)) for k, v in row.items())) for row in cur.fetchall())
                    digest.update(f"{table}:{len(rows)}:".encode())
                    for row in rows:
                        digest.update(row.encode())
                digests[view.name] = digest.hexdigest()
        return digests

    def reset(self, names: Sequence[str] | None = None) -> list[str]:
        """Empty the named views (all by default) and rewind them to the start of the log."""
        chosen = [v for v in self.views if names is None or v.name in names]
        unknown = set(names or ()) - {v.name for v in chosen}
        if unknown:
            raise KeyError(f"no such projection: {', '.join(sorted(unknown))}")
        with self.db.transaction() as cur:
            for view in chosen:
                for table in view.tables:
                    # DELETE would leave every old row behind as a dead tuple until vacuum, and a
                    # rebuilt view would be read through twice its size of dead rows.
                    cur.execute(f"TRUNCATE {table}" if self.db.dialect == "postgres" else f"DELETE FROM {table}")
                cur.execute("UPDATE projection_tracking SET position = 0 WHERE name = ?", (view.name,))
        self.progress.reset()
        self.check_upto = max(self.check_upto, self.head())
        return [v.name for v in chosen]


def _nothing() -> None:
    return None


def _routes(views: list[View], cls: type, cur: Any, positions: dict[str, int]) -> list[tuple[View, Any, Any, int]]:
    found = []
    for view in views:
        route = getattr(view, "route", None)
        routed = route(cls, cur) if route is not None else (view.apply, cur)  # no routes: every event
        if routed is not None:
            found.append((view, routed[0], routed[1], positions[view.name]))
    return found


class _Collecting:
    """A view's collector in the batch's loop: it takes each event; it writes and tracks nothing."""

    def __init__(self, name: str, collect: Callable[[Any, int], None]) -> None:
        self.name, self._collect = name, collect

    def apply(self, cur: Any, event: Any, position: int) -> None:
        self._collect(event, position)

    def route(self, cls: type, cur: Any) -> tuple[Callable[[Any, Any, int], None], Any]:
        return self.apply, cur


@contextmanager
def _blamed(view: View, position: int) -> Iterator[None]:
    """A view's own failure names the view and the position; the database being away does not."""
    try:
        yield
    except Exception as exc:
        if failures.is_outage(exc):
            raise
        raise failures.ViewFailed(view.name, position, exc) from exc


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    return str(value) if value is not None else None
