"""The last plan of each day's reminders, kept with the log position it was made at, so that a run
of a day already planned does not read the views and run the rules again when nothing the rules
read has moved since (planning the national data set took ~5 s, to find nothing new).

A plan is a pure function of the day and of the views the rules read (domain/reminders.py,
projections/reminders_view.py: load_record). Those views move only when an event lands, so a plan
made when the views stood at position P is the plan of every later moment whose events after P
change none of them. The events that cannot are the reminders' own (decided, sent, failed: they
write only the `reminders` table, which the rules do not read); anything else after P, or a
different fingerprint (the rules' code, the gap settings, a view's schema), and the day is
planned afresh. Not a view: no event makes it, and losing it costs one full plan.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from domain import reminders as R

DDL = ("CREATE TABLE IF NOT EXISTS reminder_plans (day date PRIMARY KEY, position bigint NOT NULL,"
       " fingerprint text NOT NULL, digest text NOT NULL, reminders text NOT NULL)")
#: The day's plans (by their digest) every one of whose reminders a run found decided. A decision
#: is an event, never undone, so a plan once settled stays settled: a later run of the day decides
#: nothing without reading which are decided (25,000 rows).
SETTLED_DDL = "CREATE TABLE IF NOT EXISTS reminder_plans_settled (day date PRIMARY KEY, digest text NOT NULL)"
#: The events that move none of the views a plan reads (only the `reminders` table).
PLAN_BLIND = frozenset({R.ReminderRecord.Decided.TOPIC, R.ReminderRecord.Sent.TOPIC, R.ReminderRecord.Failed.TOPIC})
_CODE = [Path(R.__file__), Path(__file__).with_name("reminders_view.py")]
#: How a plan is stored (see `keep`): a plan stored another way is not read, but planned afresh.
_FORMAT = "the earliest due date, the ids, the rows without ids: a line each"
#: The plans this process made or read last, by the digest of their stored text: a run in the same
#: process (the daily schedule's retries) takes the reminders as they are, ids worked out already.
_IN_MEMORY: dict[str, Sequence[R.Reminder]] = {}


@dataclass(frozen=True)
class Plan:
    day: date
    position: int
    reminders: Sequence[R.Reminder]
    digest: str = ""  # of the stored text: which plan of the day
    settled: bool = False  # a run found every one of its reminders decided


class KeptReminders(Sequence[R.Reminder]):
    """A kept plan's reminders as another process reads them back: their ids at once, the
    reminders themselves built when first asked for. A run of a day whose reminders are all
    decided needs only the ids (`unsent`); building 25,000 reminders took 0.6-0.8 s of CPU, most of
    such a run."""

    def __init__(self, earliest: date | None, ids: bytes, rows: str) -> None:
        self.earliest = earliest  # the earliest due date among them (None: no reminders)
        self.ids = ids  # 16 bytes a reminder, in the plan's order
        self._rows: str | None = rows
        self._built: list[R.Reminder] = []

    def id_numbers(self) -> Iterator[int]:
        """Each reminder's id as `UUID.int`, without making the UUIDs."""
        ids = self.ids
        return (int.from_bytes(ids[i:i + 16], "big") for i in range(0, len(ids), 16))

    def is_built(self) -> bool:
        return self._rows is None

    def built(self) -> list[R.Reminder]:
        if self._rows is not None:
            uuids: dict[str, UUID] = {}
            rows = json.loads(self._rows)
            self._built = [_reminder(row, UUID(bytes=self.ids[16 * i:16 * i + 16]), uuids) for i, row in enumerate(rows)]
            self._rows = None
        return self._built

    def __len__(self) -> int:
        return len(self.ids) // 16

    def __getitem__(self, index: Any) -> Any:
        return self.built()[index]

    def __iter__(self) -> Iterator[R.Reminder]:
        return iter(self.built())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and self.built() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  (mutable in effect: built on first use)

    def __repr__(self) -> str:
        return f"KeptReminders({len(self)} reminders)"


def fingerprint(cur: Any, policy: Any) -> str:
    """What a plan depends on besides the views' rows: the rules' code, the gap settings, and the
    shape of every view (a view made afresh can hold other rows at the same position)."""
    cur.execute("SELECT name, digest FROM projection_schemas ORDER BY name")
    schemas = [f"{r['name']}={r['digest']}" for r in cur.fetchall()]
    digest = hashlib.sha256(json.dumps(dataclasses.asdict(policy), sort_keys=True).encode())  # as the gaps view's
    for path in _CODE:
        digest.update(path.read_bytes())
    digest.update("\n".join(schemas).encode())
    digest.update(_FORMAT.encode())
    return digest.hexdigest()


def kept(cur: Any, day: date, made_with: str) -> Plan | None:
    cur.execute(DDL)
    cur.execute(SETTLED_DDL)
    cur.execute("SELECT p.position, p.fingerprint, p.digest, s.digest AS settled FROM reminder_plans p"
                " LEFT JOIN reminder_plans_settled s ON s.day = p.day AND s.digest = p.digest WHERE p.day = ?", (day,))
    row = cur.fetchone()
    if row is None or row["fingerprint"] != made_with:
        return None
    found = _IN_MEMORY.get(row["digest"])
    if found is None:
        cur.execute("SELECT reminders FROM reminder_plans WHERE day = ?", (day,))
        earliest, ids, rows = cur.fetchone()["reminders"].split("\n", 2)
        found = _remember(row["digest"], KeptReminders(date.fromisoformat(earliest) if earliest else None,
                                                       bytes.fromhex(ids), rows))
    return Plan(day, row["position"], found, row["digest"], row["settled"] is not None)


def settle(cur: Any, plan: Plan) -> None:
    """Every reminder of the plan is decided (its events are in the log)."""
    cur.execute(SETTLED_DDL)
    cur.execute("DELETE FROM reminder_plans_settled WHERE day = ? OR day < ?", (plan.day, plan.day - R.WEEK))
    cur.execute("INSERT INTO reminder_plans_settled (day, digest) VALUES (?, ?)", (plan.day, plan.digest))


def earliest_due(planned: Sequence[R.Reminder], default: date) -> date:
    """The earliest due date among the plan's reminders, without building a plan read back."""
    if isinstance(planned, KeptReminders):
        return planned.earliest or default
    return min((r.due_on for r in planned), default=default)


def unsent(planned: Sequence[R.Reminder], decided: set[UUID]) -> list[R.Reminder]:
    """R.unsent; of a plan read back, by its kept ids, so that its reminders are built only when
    some are not decided yet."""
    if not isinstance(planned, KeptReminders):
        return R.unsent(planned, decided)
    known = {u.int for u in decided}
    new = [i for i, number in enumerate(planned.id_numbers()) if number not in known]
    return [planned[i] for i in new]


def keep(cur: Any, plan: Plan, made_with: str) -> Plan:
    """Keep the day's plan (the latest wins); plans of days more than a week before go. Stored as
    a line with the earliest due date, one with the reminders' ids (32 hex digits each, in order),
    then the reminders as JSON rows: a run that finds them all decided reads no row (KeptReminders)."""
    earliest = min((r.due_on for r in plan.reminders), default=None)
    ids = "".join(r.id.hex for r in plan.reminders)
    text = "\n".join((earliest.isoformat() if earliest else "", ids, json.dumps([_row(r) for r in plan.reminders])))
    digest = hashlib.sha256(text.encode()).hexdigest()
    cur.execute(DDL)
    cur.execute("DELETE FROM reminder_plans WHERE day = ? OR day < ?", (plan.day, plan.day - R.WEEK))
    cur.execute("INSERT INTO reminder_plans (day, position, fingerprint, digest, reminders) VALUES (?, ?, ?, ?, ?)",
                (plan.day, plan.position, made_with, digest, text))
    _remember(digest, plan.reminders)
    return dataclasses.replace(plan, digest=digest, settled=False)


def _remember(digest: str, reminders: Sequence[R.Reminder]) -> Sequence[R.Reminder]:
    while len(_IN_MEMORY) >= 2:  # today's and one more: a national plan is megabytes
        del _IN_MEMORY[next(iter(_IN_MEMORY))]
    _IN_MEMORY[digest] = reminders
    return reminders


def moved_on(cur: Any, day: date, position: int) -> None:
    """Nothing a plan reads changed up to `position`: the kept plan stands there too."""
    cur.execute("UPDATE reminder_plans SET position = ? WHERE day = ? AND position < ?", (position, day, position))


def unchanged_since(recorder: Any, position: int, head: int, page: int = 5000) -> bool:
    """Whether every event after `position` up to `head` is one no plan reads: on the SQL stores one
    query that reads no event's state (after a day's decisions there are tens of thousands)."""
    tree = getattr(recorder, "tree", None)
    if tree is not None:
        blind = sorted(PLAN_BLIND)
        sql = (f"SELECT 1 FROM {tree.events_table} WHERE {tree._id_column} > ? AND {tree._id_column} <= ?"
               f" AND topic NOT IN ({', '.join('?' for _ in blind)}) LIMIT 1")
        with recorder.datastore.transaction(commit=False) as cur:
            cur.execute(sql.replace("?", tree.d.mark), (position, head, *blind))
            return cur.fetchone() is None
    start = position + 1
    while start <= head:
        found = recorder.select_notifications(start, page, stop=head)
        if not found:
            return True
        if any(n.topic not in PLAN_BLIND for n in found):
            return False
        start = found[-1].id + 1
    return True


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _row(r: R.Reminder) -> list[Any]:
    return [str(r.duty), r.due_on.isoformat(), _text(r.recipient_id), _text(r.system_id), r.role,
            _text(r.subject_id), _text(r.about_person_id), [list(d) for d in r.details]]


def _reminder(row: list[Any], rid: UUID, uuids: dict[str, UUID]) -> R.Reminder:
    """A kept reminder, with its id as kept (the same as the one made from its fields: the row is
    the plan's own); ids repeat (recipients, the council), so each is parsed once."""
    duty, due_on, recipient, system, role, subject, about, details = row

    def uuid(text: str | None) -> UUID | None:
        if text is None:
            return None
        found = uuids.get(text)
        if found is None:
            found = uuids[text] = UUID(text)
        return found

    r = R.Reminder(R.Duty(duty), date.fromisoformat(due_on), uuid(recipient), uuid(system), role, uuid(subject),
                   uuid(about), tuple(tuple(d) for d in details))
    r.__dict__["id"] = rid  # Reminder.id is a cached property: the kept id, not worked out again
    return r
