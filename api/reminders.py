"""Reminders (advis): what was decided, sent, failed or could not be delivered (the council's
and the auditors' view). A person's choice about the weekly digest is `POST /people/{id}/digest`
(api/org.py)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, get
from litestar.params import Parameter

from api import explain
from api import schemas as s
from api.basis import english
from api.systems import After
from projections.read_side import ReadSide

Status = Annotated[str | None, Parameter(pattern="^(due|sent|failed|undeliverable)$",
                                         description="due, sent, failed (retried) or undeliverable")]


async def reminder_views(reads: ReadSide, rows: list[dict[str, Any]]) -> list[s.ReminderView]:
    names = await reads.directory.names(r["recipient_id"] for r in rows if r["recipient_id"])
    views = []
    for r in rows:
        recipient = explain.person(r["recipient_id"], names)
        views.append(s.ReminderView(**{**r, "details": dict(r["details"]),
                                        "last_reply": english(r["last_reply_code"], None, r["last_reply"])},
                                    recipient_name=recipient and recipient.name))
    return views


class ReminderController(Controller):
    path = "/reminders"
    tags = ["reminders"]

    @get("/", operation_id="listReminders")
    async def list_reminders(
        self, reads: ReadSide, after: After = None, status: Status = None, system_id: UUID | None = None,
        start: Annotated[int, Parameter(ge=0, le=2**62, description="Continue after this log position.")] = 0,
        limit: Annotated[int, Parameter(ge=1, le=1000, description="Page size.")] = 100,
    ) -> s.ReminderPage:
        """Every reminder in the order decided: to whom (by id and name), about what, due when, and
        how delivery went. `status=undeliverable` lists those nobody could be told (no e-mail address,
        no council on record): the council's to follow up."""
        await reads.caught_up(after)
        rows = await reads.reminders.page(status, system_id, limit, start)
        return s.ReminderPage(await reminder_views(reads, rows), rows[-1]["position"] if len(rows) == limit else None)
