"""Reminders (advis): who must be told what, and by when, derived from the record alone.

`plan(record, day)` answers, for one day, every reminder that is due: pure, from the facts the
views hold. What the gap rules (domain/gaps.py) decide is read from their results, never worked
out again here: an attestation is overdue, or falls due, where the rule `attestation_overdue`
says (its gap begins on the due date); a claim waits too long where `claim_unanswered` holds; a
system in use has nobody to attest where `no_holder` holds for an attested role. A reminder has
an id made from its duty, subject, recipient and due date, so deciding it twice is one reminder:
the `Reminder` aggregate's first event has that id, and a second decision conflicts.

The duties:

- `attestation_due`: to the holder of an attested role (Systemejer) whose next attestation is
  due within `ATTESTATION_NOTICE_DAYS` (an `attestation_overdue` gap begins then); once, for that
  due date.
- `attestation_overdue`: to the same holder while that gap holds; again each week (at most).
- `claim_answered`: to a claimant, when the claim is confirmed or rejected (answered within the
  last `ANSWER_LOOKBACK_DAYS`, so a first run does not repeat years of answers).
- `claims_waiting`: to the council, on Mondays, the claims whose `claim_unanswered` gap holds:
  one message listing them (the oldest `WAITING_LISTED` by id), not one each.
- `gap_digest`: to each council member who has not switched it off, on Mondays: the gaps that
  began since the last digest and the open ones by rule.
- `decommissioning_lacking`: to the person a decommissioning decision made responsible, while
  it lacks anything; weekly from the decision.
- `holder_gone`: to the council, when the person a duty is addressed to has left (or their unit
  is dissolved): a duty is never silently dropped.
- `handover_offered`: to the person a hand-over is offered to, on the day it is offered and again
  each week while it waits for their answer (accept or decline, on `/ui/me`).
- `roles_unheld`: to the council, on Mondays, the systems where the gap `no_holder` holds for an
  attested role (Systemejer: in use, and nobody holds it), so nobody can attest: one message
  listing them.

The council is the attendees of its latest meeting on or before the day (the record says who
sits); with no meeting on record, the council's mailbox (recipient None).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain import gaps as G
from domain.record_time import RecordedEvent

ATTESTATION_NOTICE_DAYS = 30
WAITING_LISTED = 50
ANSWER_LOOKBACK_DAYS = 7
WEEK = timedelta(days=7)
_IDS = uuid5(NAMESPACE_URL, "urn:ansvar:reminder")


class Duty(StrEnum):
    ATTESTATION_DUE = "attestation_due"
    ATTESTATION_OVERDUE = "attestation_overdue"
    CLAIM_ANSWERED = "claim_answered"
    CLAIMS_WAITING = "claims_waiting"
    GAP_DIGEST = "gap_digest"
    DECOMMISSIONING_LACKING = "decommissioning_lacking"
    HOLDER_GONE = "holder_gone"
    ROLES_UNHELD = "roles_unheld"
    HANDOVER_OFFERED = "handover_offered"


@dataclass(frozen=True, order=True)
class Reminder:
    """One message to one recipient (None: the council's mailbox) about one thing, due on a day."""

    duty: str
    due_on: date
    recipient_id: UUID | None
    system_id: UUID | None = None
    role: str | None = None
    subject_id: UUID | None = None  # the claim, or the decommissioning process, it is about
    about_person_id: UUID | None = None  # holder_gone: who left; a claim's claimant
    details: tuple[tuple[str, str], ...] = ()  # what the text needs besides: counts, what is lacking

    @functools.cached_property
    def id(self) -> UUID:
        return reminder_id(self.duty, self.subject_id or self.system_id, self.role, self.recipient_id, self.due_on)


def reminder_id(duty: str, subject: UUID | None, role: str | None, recipient: UUID | None, due_on: date) -> UUID:
    return uuid5(_IDS, f"{duty}|{subject or '-'}|{role or '-'}|{recipient or 'council'}|{due_on.isoformat()}")


def weekly(start: date, day: date) -> date | None:
    """The latest of start, start + 7 days, ... on or before `day`; None before `start`."""
    if day < start:
        return None
    return start + WEEK * ((day - start).days // 7)


def lookback(day: date) -> date:
    """The earliest answer a claimant is still told of on `day`."""
    return day - timedelta(days=ANSWER_LOOKBACK_DAYS)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


# The record as the rules read it ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClaimInfo:
    claim_id: UUID
    system_id: UUID
    role: str
    person_id: UUID
    made_on: date
    status: str
    answered_on: date | None = None


@dataclass(frozen=True, slots=True)
class DecommissioningInfo:
    process_id: UUID
    system_id: UUID
    responsible_id: UUID | None
    decided_on: date | None
    lacking: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OfferInfo:
    """A hand-over offer still waiting for its recipient's answer."""

    offer_id: UUID
    system_id: UUID
    role: str
    from_person_id: UUID
    to_person_id: UUID
    offered_on: date
    effective_from: date


@dataclass(frozen=True, slots=True)
class GapInfo:
    """One period a gap rule found (domain/gaps.py's `Gap`, as the gaps view stores it)."""

    rule: str
    since: date
    until: date | None = None
    system_id: UUID | None = None
    role: str | None = None
    person_id: UUID | None = None
    claims: tuple[UUID, ...] = ()

    @classmethod
    def of(cls, system_id: UUID, gap: G.Gap) -> GapInfo:
        return cls(gap.rule, gap.since, gap.until, system_id, gap.role, gap.person_id, gap.claims)

    def holds_at(self, day: date) -> bool:
        return self.since <= day and (self.until is None or day < self.until)


@dataclass(frozen=True)
class Record:
    """What the rules need, read from the views (projections/reminders_view.py loads it)."""

    policy: G.GapPolicy
    directory: G.Directory
    gaps: Sequence[GapInfo] = ()  # the gap rules' results holding on the day or beginning within the notice
    claims: Sequence[ClaimInfo] = ()
    decommissionings: Sequence[DecommissioningInfo] = ()
    council: Sequence[UUID] = ()  # the sitting council's members
    no_digest: frozenset[UUID] = field(default_factory=frozenset)  # who switched the digest off
    offers: Sequence[OfferInfo] = ()  # hand-overs waiting for an answer


def open_gaps(record: Record, day: date, rule: str | None = None) -> list[GapInfo]:
    return [g for g in record.gaps if g.holds_at(day) and (rule is None or g.rule == rule)]


def _gone(directory: G.Directory, person_id: UUID, day: date) -> date | None:
    left = directory.left_since(person_id)
    return left if left is not None and left <= day else None


def _council(record: Record) -> list[UUID | None]:
    return list(record.council) or [None]


def _to_holder_or_council(record: Record, day: date, person_id: UUID, reminder: Reminder) -> list[Reminder]:
    """The reminder to the person, or, if they have left, one to each council member saying so."""
    left = _gone(record.directory, person_id, day)
    if left is None:
        return [reminder]
    due = weekly(left, day) or left
    return [
        Reminder(Duty.HOLDER_GONE, due, member, reminder.system_id, reminder.role, reminder.subject_id, person_id,
                 (("duty", reminder.duty), ("left_on", left.isoformat())))
        for member in _council(record)
    ]


def attestation_reminders(record: Record, day: date) -> list[Reminder]:
    out: list[Reminder] = []
    attested = record.policy.attested_roles
    for g in record.gaps:
        if g.rule != "attestation_overdue" or g.role not in attested or g.person_id is None or g.system_id is None:
            continue
        details = (("due_on", g.since.isoformat()),)
        if g.holds_at(day):
            reminder = Reminder(Duty.ATTESTATION_OVERDUE, weekly(g.since, day) or g.since, g.person_id, g.system_id,
                                g.role, details=details)
        elif day < g.since <= day + timedelta(days=ATTESTATION_NOTICE_DAYS):
            reminder = Reminder(Duty.ATTESTATION_DUE, g.since, g.person_id, g.system_id, g.role, details=details)
        else:
            continue
        out += _to_holder_or_council(record, day, g.person_id, reminder)
    unheld = sorted({(str(g.system_id), g.role) for g in open_gaps(record, day, "no_holder")
                     if g.role in attested and g.system_id is not None})
    if unheld:
        details = (("count", str(len(unheld))),
                   ("systems", ",".join(f"{system}:{role}" for system, role in unheld[:WAITING_LISTED])))
        out += [Reminder(Duty.ROLES_UNHELD, monday_of(day), member, details=details) for member in _council(record)]
    return out


def claim_reminders(record: Record, day: date) -> list[Reminder]:
    out: list[Reminder] = []
    for c in record.claims:
        if c.status != "open" and c.answered_on is not None:
            if lookback(day) <= c.answered_on <= day:
                reminder = Reminder(Duty.CLAIM_ANSWERED, c.answered_on, c.person_id, c.system_id, c.role, c.claim_id,
                                    c.person_id, (("status", c.status),))
                out += _to_holder_or_council(record, day, c.person_id, reminder)
    unanswered = {claim for g in open_gaps(record, day, "claim_unanswered") for claim in g.claims}
    waiting = sorted((c for c in record.claims if c.claim_id in unanswered), key=lambda c: (c.made_on, str(c.claim_id)))
    if waiting:
        details = (("count", str(len(waiting))), ("oldest", waiting[0].made_on.isoformat()),
                   ("claims", ",".join(str(c.claim_id) for c in waiting[:WAITING_LISTED])))
        out += [Reminder(Duty.CLAIMS_WAITING, monday_of(day), member, details=details) for member in _council(record)]
    return out


def handover_reminders(record: Record, day: date) -> list[Reminder]:
    """The recipient of an open offer is told the day it is made, and weekly until they answer."""
    out: list[Reminder] = []
    for o in record.offers:
        due = weekly(o.offered_on, day)
        if due is None:
            continue
        reminder = Reminder(Duty.HANDOVER_OFFERED, due, o.to_person_id, o.system_id, o.role, o.offer_id,
                            o.from_person_id, (("effective_from", o.effective_from.isoformat()),
                                               ("offered_on", o.offered_on.isoformat())))
        out += _to_holder_or_council(record, day, o.to_person_id, reminder)
    return out


def decommissioning_reminders(record: Record, day: date) -> list[Reminder]:
    out: list[Reminder] = []
    for d in record.decommissionings:
        if d.responsible_id is None or d.decided_on is None or not d.lacking:
            continue
        due = weekly(d.decided_on, day)
        if due is None:
            continue
        reminder = Reminder(Duty.DECOMMISSIONING_LACKING, due, d.responsible_id, d.system_id, None, d.process_id,
                            details=(("lacking", ",".join(d.lacking)),))
        out += _to_holder_or_council(record, day, d.responsible_id, reminder)
    return out


def digest_reminders(record: Record, day: date) -> list[Reminder]:
    monday = monday_of(day)
    holding = open_gaps(record, day)
    new = [g for g in holding if monday - WEEK < g.since <= monday]
    by_rule: dict[str, int] = {}
    for g in holding:
        by_rule[g.rule] = by_rule.get(g.rule, 0) + 1
    details = (("new", str(len(new))), ("open", str(len(holding))),
               *((f"rule:{rule}", str(n)) for rule, n in sorted(by_rule.items())))
    return [Reminder(Duty.GAP_DIGEST, monday, member, details=details)
            for member in _council(record) if member not in record.no_digest]


def plan(record: Record, day: date) -> list[Reminder]:
    """Every reminder due on `day`, each once, in a stable order."""
    found: dict[UUID, Reminder] = {}
    for r in (*attestation_reminders(record, day), *claim_reminders(record, day),
              *decommissioning_reminders(record, day), *digest_reminders(record, day),
              *handover_reminders(record, day)):
        found.setdefault(r.id, r)
    return sorted(found.values(), key=lambda r: (r.due_on, r.duty, str(r.system_id), str(r.recipient_id)))


def unsent(planned: Iterable[Reminder], decided: Iterable[UUID]) -> list[Reminder]:
    known = set(decided)
    return [r for r in planned if r.id not in known]


# The reminder as a fact in the log ------------------------------------------------------------------


class ReminderRecord(Aggregate):
    """One reminder: decided (its id from duty, subject, recipient and due date, so deciding it
    again is a conflict), then sent, or failed and retried. Recipients are ids, never addresses."""

    TOPIC = "ansvar.reminder"  # with it the library registers its events' topics (NOTES-eventsourcing)

    class Event(RecordedEvent):
        pass

    class Created(Event, Aggregate.Created):
        TOPIC = "ansvar.reminder.created"

    class Decided(Created):
        TOPIC = "ansvar.reminder.decided.v1"
        duty: str
        due_on: date
        recipient_id: UUID | None
        system_id: UUID | None
        role: str | None
        subject_id: UUID | None
        about_person_id: UUID | None
        details: list
        meta: dict

    @staticmethod
    def create_id(duty: str, due_on: date, recipient_id: UUID | None, system_id: UUID | None, role: str | None,
                  subject_id: UUID | None, **_: object) -> UUID:
        return reminder_id(duty, subject_id or system_id, role, recipient_id, due_on)

    @event(Decided)
    def __init__(self, duty: str, due_on: date, recipient_id: UUID | None, system_id: UUID | None, role: str | None,
                 subject_id: UUID | None, about_person_id: UUID | None, details: list, meta: dict) -> None:
        self.duty, self.due_on, self.recipient_id = duty, due_on, recipient_id
        self.sent = False
        self.attempts = 0

    class Sent(Event):
        TOPIC = "ansvar.reminder.sent.v1"
        message_id: str
        attempt: int
        meta: dict

    def record_sent(self, message_id: str, meta: dict) -> None:
        if not self.sent:
            self._sent(message_id, self.attempts + 1, meta)

    @event(Sent)
    def _sent(self, message_id: str, attempt: int, meta: dict) -> None:
        self.sent = True
        self.attempts = attempt

    class Failed(Event):
        """Not delivered: the SMTP server's reply (or why not, e.g. no e-mail address); retried
        from `retry_after` unless `final`."""

        TOPIC = "ansvar.reminder.failed.v1"
        reply: str
        attempt: int
        retry_after: str | None  # an ISO instant
        final: bool
        meta: dict

    def record_failed(self, reply: str, retry_after: str | None, final: bool, meta: dict) -> None:
        if not self.sent:
            self._failed(reply[:500], self.attempts + 1, retry_after, final, meta)

    @event(Failed)
    def _failed(self, reply: str, attempt: int, retry_after: str | None, final: bool, meta: dict) -> None:
        self.attempts = attempt


def decided_kwargs(r: Reminder) -> dict:
    return {
        "duty": str(r.duty), "due_on": r.due_on, "recipient_id": r.recipient_id, "system_id": r.system_id,
        "role": r.role, "subject_id": r.subject_id, "about_person_id": r.about_person_id,
        "details": [list(d) for d in r.details],
    }


def retry_delay(attempt: int) -> timedelta:
    """After the n-th failed attempt: 5 minutes, doubling, at most a day."""
    return min(timedelta(minutes=5) * (2 ** max(attempt - 1, 0)), timedelta(days=1))
