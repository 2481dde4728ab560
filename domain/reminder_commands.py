"""Reminders as facts in the log: deciding one (once: its id is made from what it is), recording
its delivery or its failure, and a person's choice about the weekly digest."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.basis import Basis
from domain.commands import SYSTEM, Actor, Commands, Receipt, command
from domain.errors import ActingForAnother, NotFound, PersonNotFound
from domain.org import Person
from domain.reminders import Reminder, ReminderRecord, decided_kwargs


class ReminderNotFound(NotFound):
    """No reminder with that id."""


class ReminderCommands(Commands):
    @command
    def decide_reminder(self, reminder: Reminder, actor: Actor = SYSTEM) -> bool:
        """Record that the reminder is due; False if it was decided before (by this run or another)."""
        try:
            self.save(ReminderRecord(**decided_kwargs(reminder), meta=actor.meta()))
        except IntegrityError:
            return False
        return True

    @command
    def decide_reminders(self, reminders: Sequence[Reminder], actor: Actor = SYSTEM, batch: int = 2000) -> int:
        """Decide many at once, `batch` to a transaction; how many were new. A batch that meets one
        decided meanwhile (another process) is decided one by one."""
        decided = 0
        for start in range(0, len(reminders), batch):
            chunk = reminders[start:start + batch]
            try:
                self.save(*[ReminderRecord(**decided_kwargs(r), meta=actor.meta()) for r in chunk])
                decided += len(chunk)
            except IntegrityError:
                decided += sum(self.decide_reminder(r, actor) for r in chunk)
        return decided

    @command
    def record_reminder_sent(self, reminder_id: UUID, message_id: str, actor: Actor = SYSTEM) -> Receipt:
        return self._update(ReminderRecord, reminder_id, ReminderNotFound,
                            lambda r: r.record_sent(message_id, actor.meta()))

    @command
    def record_reminder_failed(self, reminder_id: UUID, reply: str | None, retry_after: str | None, final: bool,
                               actor: Actor = SYSTEM, why: Basis | None = None) -> Receipt:
        """`reply`: the SMTP server's, as it answered; `why`: ansvar's reason it could not send, as a code."""
        return self._update(ReminderRecord, reminder_id, ReminderNotFound,
                            lambda r: r.record_failed(reply, retry_after, final, actor.meta(), why))

    @command
    def choose_digest(self, person_id: UUID, receive: bool, actor: Actor = SYSTEM) -> Receipt:
        """Switch the council's weekly digest on or off for a person (themself; an admin for anyone).
        Duties addressed to the person are sent whatever this says."""
        if actor.role != "admin" and actor.person_id is not None and actor.person_id != person_id:
            raise ActingForAnother("digest-for-another", field="person_id", actor_id=str(actor.person_id), person_id=str(person_id))
        return self._update(Person, person_id, PersonNotFound, lambda p: p.choose_digest(receive, actor.meta()))
