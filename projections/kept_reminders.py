"""A day's plan of reminders as it is kept (projections/reminder_plans.py): a line with the
earliest due date, a line with the reminders' ids (32 hex digits each, in order), then the
reminders as JSON rows. Read back, the ids are there at once and the reminders are built only when
something reads them: a run that finds every one decided builds none."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from domain import reminders as R

#: How a plan is stored (this module): a plan stored another way is not read, but planned afresh.
FORMAT = "the earliest due date, the ids, the rows without ids: a line each"


def to_text(reminders: Sequence[R.Reminder]) -> str:
    earliest = min((r.due_on for r in reminders), default=None)
    ids = "".join(r.id.hex for r in reminders)
    return "\n".join((earliest.isoformat() if earliest else "", ids, json.dumps([_row(r) for r in reminders])))


def from_text(text: str) -> KeptReminders:
    earliest, ids, rows = text.split("\n", 2)
    return KeptReminders(date.fromisoformat(earliest) if earliest else None, bytes.fromhex(ids), rows)


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
