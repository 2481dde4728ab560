"""The raw event log in order, for auditors: where each event sits, what it is, when it was
recorded, on which aggregate, and who recorded it in which capacity. Events hold no personal
data (names and e-mails live in the erasable directory), so nothing here needs redacting."""

from __future__ import annotations

from typing import Any


class EventLog:
    def __init__(self, app: Any) -> None:
        self.app = app  # the Portfolio: its recorder and its mapper (upcasting, transcodings)

    def page(self, after: int, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` events after log position `after`, oldest first. Synchronous: call it in a thread."""
        rows = []
        for n in self.app.recorder.select_notifications(after + 1, limit):
            event = self.app.mapper.to_domain_event(n)
            meta = getattr(event, "meta", None) or {}
            rows.append({
                "position": n.id, "topic": n.topic, "recorded_at": event.timestamp,
                "originator_id": n.originator_id, "originator_version": n.originator_version,
                "actor_id": meta.get("actor_id"), "actor_role": meta.get("actor_role"),
                "request_id": meta.get("request_id"), "source": meta.get("source"),
            })
        return rows
