"""Reminders as the log has them (decided, sent, failed), people's digest choices, and the one
read of the other views that the reminder rules (domain/reminders.py) plan from."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from domain import gaps as G
from domain import reminders as R
from domain.org import Person
from infra.database import Reader
from projections.decommissioning_view import lacking
from projections.dispatch import Handlers

_COLUMNS = (
    "id, duty, due_on, recipient_id, system_id, role, subject_id, about_person_id, details, status, attempts,"
    " last_reply, retry_after, message_id, decided_at, sent_at, position"
)


class RemindersView(Handlers):
    name = "reminders"
    tables = ("reminders", "digest_choices")
    ddl = (
        "CREATE TABLE IF NOT EXISTS reminders (id uuid PRIMARY KEY, duty text NOT NULL, due_on date NOT NULL,"
        " recipient_id uuid, system_id uuid, role text, subject_id uuid, about_person_id uuid, details text NOT NULL,"
        " status text NOT NULL, attempts integer NOT NULL, last_reply text, retry_after timestamptz,"
        " message_id text, decided_at timestamptz NOT NULL, sent_at timestamptz, position bigint NOT NULL)",
        "CREATE INDEX IF NOT EXISTS reminders_status ON reminders (status, due_on)",
        "CREATE INDEX IF NOT EXISTS reminders_system ON reminders (system_id)",
        "CREATE TABLE IF NOT EXISTS digest_choices (person_id uuid PRIMARY KEY, receive boolean NOT NULL)",
    )
    routes = {
        R.ReminderRecord.Decided: "_decided",
        R.ReminderRecord.Sent: "_sent",
        R.ReminderRecord.Failed: "_failed",
        Person.DigestChosen: "_digest",
        Person.Merged: "_merged",
    }

    def _merged(self, cur: Any, e: Person.Merged, position: int) -> None:
        for column in ("recipient_id", "about_person_id"):  # the survivor's reminders, and about them
            cur.execute(f"UPDATE reminders SET {column} = ? WHERE {column} = ?", (e.into, e.originator_id))

    def _decided(self, cur: Any, e: R.ReminderRecord.Decided, position: int) -> None:
        cur.execute(
            "INSERT INTO reminders (id, duty, due_on, recipient_id, system_id, role, subject_id, about_person_id,"
            " details, status, attempts, decided_at, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'due', 0, ?, ?)",
            (e.originator_id, e.duty, e.due_on, e.recipient_id, e.system_id, e.role, e.subject_id, e.about_person_id,
             json.dumps(e.details), e.timestamp, position),
        )

    def _sent(self, cur: Any, e: R.ReminderRecord.Sent, position: int) -> None:
        cur.execute("UPDATE reminders SET status = 'sent', attempts = ?, message_id = ?, sent_at = ?, retry_after = NULL"
                    " WHERE id = ?", (e.attempt, e.message_id, e.timestamp, e.originator_id))

    def _failed(self, cur: Any, e: R.ReminderRecord.Failed, position: int) -> None:
        retry = datetime.fromisoformat(e.retry_after) if e.retry_after else None
        cur.execute("UPDATE reminders SET status = ?, attempts = ?, last_reply = ?, retry_after = ? WHERE id = ?",
                    ("undeliverable" if e.final else "failed", e.attempt, e.reply, retry, e.originator_id))

    def _digest(self, cur: Any, e: Person.DigestChosen, position: int) -> None:
        cur.execute("INSERT INTO digest_choices (person_id, receive) VALUES (?, ?)"
                    " ON CONFLICT (person_id) DO UPDATE SET receive = excluded.receive", (e.originator_id, e.receive))


def row_dict(r: Any) -> dict[str, Any]:
    row = dict(r)
    row["details"] = [tuple(d) for d in json.loads(row["details"])] if isinstance(row["details"], str) else []
    return row


def _day(value: Any) -> date:
    """An aggregate's date (SQLite types a column's value by its declaration, and max() has none)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def load_record(cur: Any, day: date, policy: G.GapPolicy) -> R.Record:
    """What the rules plan from, as the views stand (one read transaction: `cur`)."""
    cur.execute("SELECT id, org_unit_id, departed_on FROM people")
    people = {r["id"]: G.PersonInfo(r["id"], r["org_unit_id"], r["departed_on"]) for r in cur.fetchall()}
    cur.execute("SELECT id, level, dissolved_on FROM org_units")
    units = {r["id"]: G.OrgUnitInfo(r["id"], r["level"], r["dissolved_on"]) for r in cur.fetchall()}
    # Open, or answered lately (the claimant is told) or after the day (a waiting one's made_on).
    cur.execute("SELECT claim_id, system_id, role, person_id, made_on, status, answered_on FROM claims"
                " WHERE status = 'open' OR answered_on >= ?", (R.lookback(day),))
    claims = [R.ClaimInfo(r["claim_id"], r["system_id"], r["role"], r["person_id"], r["made_on"], r["status"],
                          r["answered_on"]) for r in cur.fetchall()]
    cur.execute(
        "SELECT d.process_id, d.system_id, d.responsible_id, d.stage, d.duty, d.contracts_ended_on, x.decided_on"
        " FROM decommissionings d LEFT JOIN decisions x ON x.id = d.decision_id"
        " WHERE d.stage NOT IN ('completed', 'rejected', 'proposed')"
    )
    decommissionings = [R.DecommissioningInfo(r["process_id"], r["system_id"], r["responsible_id"], r["decided_on"],
                                              tuple(lacking(r))) for r in cur.fetchall()]
    # The gap rules' results the plan reads (domain/reminders.py): holding on the day, or beginning
    # within an attestation's notice.
    cur.execute("SELECT rule, since, until, system_id, role, person_id, claim_ids FROM responsibility_gaps"
                " WHERE since <= ? AND (until IS NULL OR until > ?)",
                (day + timedelta(days=R.ATTESTATION_NOTICE_DAYS), day))
    gaps = [R.GapInfo(r["rule"], _day(r["since"]), r["until"] and _day(r["until"]), r["system_id"], r["role"],
                      r["person_id"], tuple(UUID(c) for c in json.loads(r["claim_ids"]))) for r in cur.fetchall()]
    cur.execute("SELECT attendee_ids FROM meetings WHERE held_on <= ? ORDER BY held_on DESC, position DESC LIMIT 1",
                (day,))
    meeting = cur.fetchone()
    council = [UUID(a) for a in json.loads(meeting["attendee_ids"])] if meeting else []
    cur.execute("SELECT person_id FROM digest_choices WHERE receive = ?", (False,))
    no_digest = frozenset(r["person_id"] for r in cur.fetchall())
    cur.execute("SELECT offer_id, system_id, role, from_person_id, to_person_id, offered_on, effective_from"
                " FROM handover_offers WHERE status = 'offered' AND offered_on <= ?", (day,))
    offers = [R.OfferInfo(r["offer_id"], r["system_id"], r["role"], r["from_person_id"], r["to_person_id"],
                          _day(r["offered_on"]), _day(r["effective_from"])) for r in cur.fetchall()]
    return R.Record(policy, G.Directory(people, units), gaps, claims, decommissionings, council, no_digest, offers)


def decided_ids(cur: Any, since: date) -> set[UUID]:
    cur.execute("SELECT id FROM reminders WHERE due_on >= ?", (since,))
    return {r["id"] for r in cur.fetchall()}


def to_send(cur: Any, now: datetime) -> list[dict[str, Any]]:
    """Decided and not yet sent: never tried, or failed and due for another try."""
    cur.execute(f"SELECT {_COLUMNS} FROM reminders WHERE status = 'due' OR (status = 'failed' AND retry_after <= ?)"
                " ORDER BY position", (now,))
    return [row_dict(r) for r in cur.fetchall()]


class ReminderQueries:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    async def page(self, status: str | None, system_id: UUID | None, limit: int, after: int) -> list[dict[str, Any]]:
        sql, args = f"SELECT {_COLUMNS} FROM reminders WHERE position > ?", [after]
        if status:
            sql += " AND status = ?"
            args.append(status)
        if system_id:
            sql += " AND system_id = ?"
            args.append(system_id)
        return [row_dict(r) for r in await self.reader.fetch(sql + " ORDER BY position LIMIT ?", *args, limit)]

    async def of_system(self, system_id: UUID) -> list[dict[str, Any]]:
        rows = await self.reader.fetch(f"SELECT {_COLUMNS} FROM reminders WHERE system_id = ? ORDER BY position",
                                       system_id)
        return [row_dict(r) for r in rows]
