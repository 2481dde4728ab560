"""The raw event log in order, for auditors: where each event sits, what it is, when it was
recorded, on which aggregate, and who recorded it in which capacity. Events hold no personal
data (names and e-mails live in the erasable directory), so nothing here needs redacting."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.gaps import DirectoryChange
from domain.org import OrgUnit, Person
from domain.systems import System


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

    def directory_changes(self, page: int = 5000) -> tuple[list[DirectoryChange], dict[UUID, list[tuple[Any, str]]]]:
        """What the gap rules read besides a system's own history, as it was recorded: every
        registration, move, departure and return of a person and every dissolution of a unit (in log
        order, with record times), and each system's criticality as registered and corrected. For
        the auditor's pack's gaps as known at a past moment. Synchronous: call it in a thread."""
        kinds = {Person.Registered.TOPIC: "registered", Person.Corrected.TOPIC: "moved",
                 Person.Departed.TOPIC: "departed", Person.Returned.TOPIC: "returned",
                 OrgUnit.Dissolved.TOPIC: "dissolved"}
        critical = (System.Registered.TOPIC, System.DetailsChanged.TOPIC)
        changes: list[DirectoryChange] = []
        criticality: dict[UUID, list[tuple[Any, str]]] = {}
        after = 0
        while True:
            found = self.app.recorder.select_notifications(after + 1, page, topics=[*kinds, *critical])
            for n in found:
                event = self.app.mapper.to_domain_event(n)
                if n.topic in critical:
                    criticality.setdefault(event.originator_id, []).append((event.timestamp, event.criticality))
                    continue
                kind = kinds[n.topic]
                changes.append(DirectoryChange(
                    event.timestamp, event.originator_id, kind,
                    getattr(event, "effective", None) if kind in ("departed", "returned", "dissolved") else None,
                    getattr(event, "org_unit_id", None) if kind in ("registered", "moved") else None,
                ))
            if len(found) < page:
                return changes, criticality
            after = found[-1].id
