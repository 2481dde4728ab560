"""Hand-over offers: made, accepted, refused, withdrawn; for `/ui/me`, a system's page, the reminders
and the gap rule of offers nobody answers (domain/gaps.py)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.erasable import ERASED
from domain.org import Person
from domain.systems import System
from infra.database import Reader
from projections.dispatch import Handlers, meta


class HandoversView(Handlers):
    name = "handovers"
    tables = ("handover_offers",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS handover_offers (offer_id uuid PRIMARY KEY, system_id uuid NOT NULL,"
        " role text NOT NULL, from_person_id uuid NOT NULL, to_person_id uuid NOT NULL, effective_from date NOT NULL,"
        " offered_on date NOT NULL, offered_at timestamptz NOT NULL, note text, status text NOT NULL,"
        " answered_on date, answered_at timestamptz, reason text, accepted_from date, actor_id text,"
        " position bigint NOT NULL, answer_position bigint)",
        "CREATE INDEX IF NOT EXISTS handover_offers_system ON handover_offers (system_id)",
        "CREATE INDEX IF NOT EXISTS handover_offers_to ON handover_offers (to_person_id, status)",
        "CREATE INDEX IF NOT EXISTS handover_offers_from ON handover_offers (from_person_id, status)",
    )
    routes = {
        System.HandoverOffered: "_offered",
        System.HandoverAccepted: "_accepted",
        System.HandoverRefused: "_refused",
        System.HandoverWithdrawn: "_withdrawn",
        System.TextErased: "_text_erased",
        Person.Merged: "_merged",
    }

    def _merged(self, cur: Any, e: Person.Merged, position: int) -> None:
        for column in ("from_person_id", "to_person_id"):  # the survivor offered and was offered
            cur.execute(f"UPDATE handover_offers SET {column} = ? WHERE {column} = ?", (e.into, e.originator_id))

    def _offered(self, cur: Any, e: System.HandoverOffered, position: int) -> None:
        cur.execute(
            "INSERT INTO handover_offers (offer_id, system_id, role, from_person_id, to_person_id, effective_from,"
            " offered_on, offered_at, note, status, actor_id, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'offered', ?, ?)",
            (e.offer_id, e.originator_id, e.role, e.from_person_id, e.to_person_id, e.effective_from, e.offered_on,
             e.timestamp, e.note, meta(e).get("actor_id"), position),
        )

    def _answer(self, cur: Any, offer_id: UUID, status: str, on: Any, at: Any, position: int,
                reason: str | None = None, accepted_from: Any = None) -> None:
        cur.execute(
            "UPDATE handover_offers SET status = ?, answered_on = ?, answered_at = ?, reason = ?, accepted_from = ?,"
            " answer_position = ? WHERE offer_id = ?",
            (status, on, at, reason, accepted_from, position, offer_id),
        )

    def _accepted(self, cur: Any, e: System.HandoverAccepted, position: int) -> None:
        self._answer(cur, e.offer_id, "accepted", e.answered_on, e.timestamp, position, accepted_from=e.effective_from)

    def _refused(self, cur: Any, e: System.HandoverRefused, position: int) -> None:
        self._answer(cur, e.offer_id, "refused", e.answered_on, e.timestamp, position, reason=e.reason)

    def _withdrawn(self, cur: Any, e: System.HandoverWithdrawn, position: int) -> None:
        self._answer(cur, e.offer_id, "withdrawn", e.withdrawn_on, e.timestamp, position)

    def _text_erased(self, cur: Any, e: System.TextErased, position: int) -> None:
        if (column := _ERASED_IN.get(e.topic)) is not None:
            key = "position" if column == "note" else "answer_position"
            cur.execute(f"UPDATE handover_offers SET {column} = ? WHERE {key} = ?", (ERASED, e.position))


#: Where each erasable text of an offer (domain/erasable.py) is kept here: its column.
_ERASED_IN = {System.HandoverOffered.TOPIC: "note", System.HandoverRefused.TOPIC: "reason"}


_COLUMNS = (
    "h.offer_id, h.system_id, s.name AS system_name, h.role, h.from_person_id, h.to_person_id, h.effective_from,"
    " h.offered_on, h.offered_at, h.note, h.status, h.answered_on, h.answered_at, h.reason, h.accepted_from, h.position,"
    " h.answer_position,"
    " CASE WHEN f.erased_at IS NULL THEN f.name END AS from_name, CASE WHEN t.erased_at IS NULL THEN t.name END AS to_name"
    " FROM handover_offers h JOIN systems s ON s.id = h.system_id"
    " LEFT JOIN person_details f ON f.person_id = h.from_person_id"
    " LEFT JOIN person_details t ON t.person_id = h.to_person_id"
)


class HandoverQueries:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    async def offer(self, offer_id: UUID) -> dict[str, Any] | None:
        return await self.reader.fetchrow(f"SELECT {_COLUMNS} WHERE h.offer_id = ?", offer_id)

    async def open_to(self, person_id: UUID) -> list[dict[str, Any]]:
        """Offers made to the person that wait for their answer, oldest first."""
        return await self.reader.fetch(
            f"SELECT {_COLUMNS} WHERE h.to_person_id = ? AND h.status = 'offered' ORDER BY h.position", person_id
        )

    async def open_from(self, person_id: UUID) -> list[dict[str, Any]]:
        """The person's own offers still waiting for an answer, oldest first."""
        return await self.reader.fetch(
            f"SELECT {_COLUMNS} WHERE h.from_person_id = ? AND h.status = 'offered' ORDER BY h.position", person_id
        )

    async def of_system(self, system_id: UUID) -> list[dict[str, Any]]:
        """Every offer about a system, answered or not, in the log's order."""
        return await self.reader.fetch(f"SELECT {_COLUMNS} WHERE h.system_id = ? ORDER BY h.position", system_id)

    async def open_on(self, system_id: UUID) -> list[dict[str, Any]]:
        """A system's offers waiting for an answer."""
        return await self.reader.fetch(
            f"SELECT {_COLUMNS} WHERE h.system_id = ? AND h.status = 'offered' ORDER BY h.position", system_id
        )
