"""The raw event log, for auditors."""

from __future__ import annotations

from typing import Annotated

import anyio.to_thread
from litestar import Controller, get
from litestar.params import Parameter

from api import schemas as s
from api.explain import actor_person
from projections.event_log import EventLog
from projections.read_side import ReadSide


class EventsController(Controller):
    path = "/events"
    tags = ["audit"]

    @get("/", operation_id="listEvents")
    async def list_events(
        self, events: EventLog, reads: ReadSide,
        after: Annotated[int, Parameter(ge=0, le=2**62, description="Log position to start after (0: the beginning).")] = 0,
        limit: Annotated[int, Parameter(ge=1, le=1000, description="At most this many events.")] = 100,
    ) -> s.EventPage:
        """The event log in order: position, topic, record time, aggregate id and version, and who
        recorded each event in which capacity (with their name, unless erased). `next_after` continues; null when this page is the last."""
        rows = await anyio.to_thread.run_sync(events.page, after, limit)
        names = await reads.directory.names(actor_person(r["actor_id"]) for r in rows)
        items = []
        for r in rows:
            name, erased = names.get(actor_person(r["actor_id"]), (None, False))  # type: ignore[arg-type]
            items.append(s.LoggedEvent(**r, actor_name=name, actor_erased=erased))
        return s.EventPage(items=items, next_after=rows[-1]["position"] if len(rows) == limit else None)
