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

A plan whose reminders a run found (or made) all decided is marked settled, by the digest of its
text; a decision is an event, never undone, so a later run of the same plan decides nothing
without reading the decided ones. How a plan is stored, and read back without building its
reminders: projections/kept_reminders.py.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from domain import reminders as R
# KeptReminders, earliest_due and unsent are used through this module (usecases/reminders.py).
from projections.kept_reminders import FORMAT, KeptReminders, earliest_due, from_text, to_text, unsent  # noqa: F401

DDL = ("CREATE TABLE IF NOT EXISTS reminder_plans (day date PRIMARY KEY, position bigint NOT NULL,"
       " fingerprint text NOT NULL, digest text NOT NULL, reminders text NOT NULL)")
#: The day's plans (by their digest) every one of whose reminders a run found decided. A decision
#: is an event, never undone, so a plan once settled stays settled: a later run of the day decides
#: nothing without reading which are decided (25,000 rows).
SETTLED_DDL = "CREATE TABLE IF NOT EXISTS reminder_plans_settled (day date PRIMARY KEY, digest text NOT NULL)"
#: The events that move none of the views a plan reads (only the `reminders` table).
PLAN_BLIND = frozenset({R.ReminderRecord.Decided.TOPIC, R.ReminderRecord.Sent.TOPIC, R.ReminderRecord.Failed.TOPIC})
_CODE = [Path(R.__file__), Path(__file__).with_name("reminders_view.py")]
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


def fingerprint(cur: Any, policy: Any) -> str:
    """What a plan depends on besides the views' rows: the rules' code, the gap settings, and the
    shape of every view (a view made afresh can hold other rows at the same position)."""
    cur.execute("SELECT name, digest FROM projection_schemas ORDER BY name")
    schemas = [f"{r['name']}={r['digest']}" for r in cur.fetchall()]
    digest = hashlib.sha256(json.dumps(dataclasses.asdict(policy), sort_keys=True).encode())  # as the gaps view's
    for path in _CODE:
        digest.update(path.read_bytes())
    digest.update("\n".join(schemas).encode())
    digest.update(FORMAT.encode())
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
        found = _remember(row["digest"], from_text(cur.fetchone()["reminders"]))
    return Plan(day, row["position"], found, row["digest"], row["settled"] is not None)


def settle(cur: Any, plan: Plan) -> None:
    """Every reminder of the plan is decided (its events are in the log)."""
    cur.execute(SETTLED_DDL)
    cur.execute("DELETE FROM reminder_plans_settled WHERE day < ?", (plan.day - R.WEEK,))
    # Two runs may settle the day at once (a preview beside a run): the later one's plan wins, neither fails.
    cur.execute("INSERT INTO reminder_plans_settled (day, digest) VALUES (?, ?)"
                " ON CONFLICT (day) DO UPDATE SET digest = excluded.digest", (plan.day, plan.digest))


def keep(cur: Any, plan: Plan, made_with: str) -> Plan:
    """Keep the day's plan (the latest wins); plans of days more than a week before go."""
    text = to_text(plan.reminders)
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
