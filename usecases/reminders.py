"""Sending reminders: plan the day's from the record (domain/reminders.py), decide each new one
as an event (once: a second decision is a conflict), then send every decided, unsent one and
record how it went. The use case of `ansvar reminders run|preview` and of the daily schedule
(ansvar/scheduler.py).

Exactly once, as far as SMTP allows: a reminder is recorded as sent after the server accepted
it. A process killed between the two sends it again on the next run, once, with the same
Message-ID (infra/mailer.py), so a mail client shows one message.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

import aiosmtplib
import structlog

from domain import reminders as R
from domain.basis import Basis, BasisCode
from domain.commands import Actor
from infra import mailer
from projections import reminder_plans as plans
from projections.reminders_view import decided_ids, load_record, to_send

log = structlog.get_logger("ansvar.reminders")
WORKER = Actor(role="system")


@dataclass
class Outcome:
    day: date
    planned: Sequence[R.Reminder]  # a plan read back: built when first read (projections/reminder_plans.py)
    decided: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    failed: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    undeliverable: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    unreachable: str | None = None  # the SMTP server could not be reached: why


def wait_for_views(runtime: Any, worker_runs: bool, timeout: float = 60.0) -> None:
    """The views must hold the whole log before the rules read them."""
    catchup = runtime.catchup
    if not worker_runs:
        catchup.run_until_caught_up()
        return
    head, deadline = catchup.head(), time.monotonic() + timeout
    while min(catchup.positions().values(), default=0) < head:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the views did not reach log position {head} within {timeout:.0f} s")
        time.sleep(0.2)


def plan(runtime: Any, day: date) -> tuple[Sequence[R.Reminder], list[R.Reminder]]:
    """The reminders due on `day`, and those of them not decided yet: the day's kept plan if
    nothing the rules read has changed since it was made (projections/reminder_plans.py), else a
    plan made afresh from the views, and kept."""
    chosen, new = _plan(runtime, day)
    return chosen.reminders, new


def _plan(runtime: Any, day: date) -> tuple[plans.Plan, list[R.Reminder]]:
    policy = runtime.settings.gap_policy
    # Where the views stand before they are read: the plan reflects at least every event up to it.
    position = min(runtime.catchup.positions().values(), default=0)
    head = runtime.catchup.head()
    with runtime.db.transaction() as cur:
        made_with = plans.fingerprint(cur, policy)
        kept = plans.kept(cur, day, made_with)
    if kept is not None and plans.unchanged_since(runtime.portfolio.recorder, kept.position, head):
        chosen = kept
        with runtime.db.transaction() as cur:
            plans.moved_on(cur, day, head)
    else:
        with runtime.db.transaction(write=False) as cur:
            planned = R.plan(load_record(cur, day, policy), day)
        with runtime.db.transaction() as cur:
            chosen = plans.keep(cur, plans.Plan(day, position, planned), made_with)
    if chosen.settled:  # every one found decided before, and a decision is never undone
        return chosen, []
    with runtime.db.transaction(write=False) as cur:
        new = plans.unsent(chosen.reminders, decided_ids(cur, plans.earliest_due(chosen.reminders, day)))
    if not new:
        with runtime.db.transaction() as cur:
            plans.settle(cur, chosen)
    return chosen, new


_LOCAL_SENDER = threading.Lock()
_SENDER_LOCK = 7244  # the PostgreSQL advisory lock one sender at a time holds


@contextmanager
def one_sender(runtime: Any) -> Iterator[bool]:
    """Whether this process may send now: one sender at a time, across processes on PostgreSQL
    (several API processes each run the daily schedule), so none sends what another is sending."""
    if runtime.settings.database.kind != "postgres":
        acquired = _LOCAL_SENDER.acquire(blocking=False)
        try:
            yield acquired
        finally:
            if acquired:
                _LOCAL_SENDER.release()
        return
    import psycopg

    with psycopg.connect(runtime.settings.database.dsn, autocommit=True) as conn:
        # Keyed on the schema too: two installations in one database must not wait on each other.
        yield bool(conn.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))",
                                (_SENDER_LOCK, runtime.settings.database.schema)).fetchone()[0])


def run(runtime: Any, day: date | None = None, *, send: bool = True, worker_runs: bool = False) -> Outcome:
    """Plan the day's reminders; unless `send` is false (a preview), decide the new ones and send
    every one not yet sent. Another process sending at the same time: this one only plans."""
    if not send:
        return _run(runtime, day, False, worker_runs)
    with one_sender(runtime) as mine:
        if not mine:
            outcome = _run(runtime, day, False, worker_runs)
            outcome.unreachable = "another process is sending reminders right now"
            return outcome
        return _run(runtime, day, True, worker_runs)


def _run(runtime: Any, day: date | None, send: bool, worker_runs: bool) -> Outcome:
    clock = runtime.clock
    day = day or clock.today()
    wait_for_views(runtime, worker_runs)
    chosen, new = _plan(runtime, day)
    outcome = Outcome(day, chosen.reminders)
    if not send:
        return outcome
    outcome.decided = runtime.portfolio.decide_reminders(new, actor=WORKER)
    if new:  # each one decided now, by this run or (a conflict) another: the plan is settled
        with runtime.db.transaction() as cur:
            plans.settle(cur, chosen)
    wait_for_views(runtime, worker_runs)
    smtp = runtime.settings.reminders.smtp
    if smtp is None:
        outcome.unreachable = "no SMTP server is configured (ANSVAR_SMTP_HOST)"
        return outcome
    now = clock.now()
    with runtime.db.transaction(write=False) as cur:
        pending = to_send(cur, now)
        names = _names(cur, pending)
        listings = _claim_listings(cur, pending)
    messages = []
    for row in pending:
        try:
            to_name, address = _address(runtime, row)
        except mailer.Undeliverable as exc:
            runtime.portfolio.record_reminder_failed(row["id"], None, None, True, actor=WORKER, why=Basis(exc.why))
            outcome.undeliverable.append((row, str(exc)))
            continue
        messages.append((row, mailer.build(row, to_name, address, smtp, names.get(row["system_id"]),
                                           names.get(row["about_person_id"]), now, listings.get(row["id"], ()),
                                           pages_at(runtime.settings))))
    if not messages:
        return outcome
    recorded: set[Any] = set()

    def done(row: dict[str, Any], reply: str | None) -> None:  # recorded before the next is sent
        recorded.add(row["id"])
        if reply is None:
            runtime.portfolio.record_reminder_sent(row["id"], mailer.message_id(row["id"], smtp.sender), actor=WORKER)
            outcome.sent.append(row)
        else:
            _failed(runtime, row, reply, now, outcome)

    try:
        asyncio.run(mailer.send_all(smtp, messages, done))
    except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
        reply = f"the SMTP server {smtp.host}:{smtp.port} could not be reached: {exc}"
        outcome.unreachable = reply
        for row, _ in messages:
            if row["id"] not in recorded:
                _failed(runtime, row, reply, now, outcome)
        return outcome
    log.info("reminders run", day=day.isoformat(), planned=len(outcome.planned), decided=outcome.decided,
             sent=len(outcome.sent), failed=len(outcome.failed), undeliverable=len(outcome.undeliverable))
    return outcome


def pages_at(settings: Any) -> str:
    """Where recipients reach the web pages: ANSVAR_PUBLIC_URL, else the address `ansvar serve` answers on."""
    return settings.oidc.public_url or settings.served_at()


def _failed(runtime: Any, row: dict[str, Any], reply: str, now: datetime, outcome: Outcome) -> None:
    retry = now + R.retry_delay(row["attempts"] + 1)
    runtime.portfolio.record_reminder_failed(row["id"], reply, retry.isoformat(), False, actor=WORKER)
    outcome.failed.append((row, reply))


def _names(cur: Any, rows: list[dict[str, Any]]) -> dict[Any, str]:
    """System names and the names of the people the reminders are about (None once erased)."""
    names: dict[Any, str] = {}
    systems = {r["system_id"] for r in rows if r["system_id"]}
    people = {r["about_person_id"] for r in rows if r["about_person_id"]}
    for chunk in _chunks(list(systems)):
        cur.execute(f"SELECT id, name FROM systems WHERE id IN ({', '.join('?' for _ in chunk)})", chunk)
        names.update({r["id"]: r["name"] for r in cur.fetchall()})
    for chunk in _chunks(list(people)):
        cur.execute(f"SELECT person_id, name FROM person_details WHERE person_id IN ({', '.join('?' for _ in chunk)})"
                    " AND erased_at IS NULL", chunk)
        names.update({r["person_id"]: r["name"] for r in cur.fetchall()})
    return names


def _claim_listings(cur: Any, rows: list[dict[str, Any]]) -> dict[Any, list[mailer.Listed]]:
    """For each council list (claims waiting, roles unheld), an item per line: the system, the role,
    and for a claim who made it (None once erased) and on which day."""
    wanted = {r["id"]: [c for c in dict(r["details"]).get("claims", "").split(",") if c] for r in rows
              if r["duty"] == R.Duty.CLAIMS_WAITING}
    ids = sorted({c for cs in wanted.values() for c in cs})
    found: dict[str, mailer.Listed] = {}
    for chunk in _chunks(ids):
        cur.execute("SELECT c.claim_id, s.name, c.role, c.made_on, d.name AS claimant FROM claims c"
                    " JOIN systems s ON s.id = c.system_id"
                    " LEFT JOIN person_details d ON d.person_id = c.person_id AND d.erased_at IS NULL"
                    f" WHERE c.claim_id IN ({', '.join('?' for _ in chunk)})", [UUID(c) for c in chunk])
        found.update({str(r["claim_id"]): mailer.Listed(r["name"], r["role"], r["claimant"], _day(r["made_on"]))
                      for r in cur.fetchall()})
    listings = {rid: [found[c] for c in cs if c in found] for rid, cs in wanted.items()}
    unheld = {r["id"]: [x.split(":", 1) for x in dict(r["details"]).get("systems", "").split(",") if ":" in x]
              for r in rows if r["duty"] == R.Duty.ROLES_UNHELD}
    systems = sorted({system for pairs in unheld.values() for system, _ in pairs})
    names: dict[str, str] = {}
    for chunk in _chunks(systems):
        cur.execute(f"SELECT id, name FROM systems WHERE id IN ({', '.join('?' for _ in chunk)})", [UUID(x) for x in chunk])
        names.update({str(r["id"]): r["name"] for r in cur.fetchall()})
    for rid, pairs in unheld.items():
        listings[rid] = [mailer.Listed(names.get(system), role) for system, role in pairs]
    return listings


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _chunks(values: list[Any], size: int = 500) -> list[list[Any]]:
    return [values[i:i + size] for i in range(0, len(values), size)]


def _address(runtime: Any, row: dict[str, Any]) -> tuple[str | None, str]:
    """Resolved when sending: the recipient's name and e-mail now (the council's mailbox for None)."""
    if row["recipient_id"] is None:
        mailbox = runtime.settings.reminders.council_email
        if not mailbox:
            raise mailer.Undeliverable(BasisCode.NO_COUNCIL_ADDRESS, "no council member is on record (no meeting yet)"
                                       " and ANSVAR_COUNCIL_EMAIL is not set")
        return None, mailbox
    details = runtime.directory.get(row["recipient_id"])
    if details is None or details["erased_at"] is not None:
        raise mailer.Undeliverable(BasisCode.NO_DIRECTORY_DETAILS,
                                   f"person {row['recipient_id']} has no details in the directory (erased?)")
    if not details["email"]:
        raise mailer.Undeliverable(BasisCode.NO_EMAIL_ADDRESS, f"person {row['recipient_id']} has no e-mail address")
    return details["name"], details["email"]
