"""Decommissionings (afvikling): where each stands and what it still lacks."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.decommissioning import Decommissioning, still_lacking
from infra.database import Reader
from projections.dispatch import Handlers

_COLUMNS = (
    "d.system_id, s.name AS system_name, d.stage, d.reason, d.proposed_by, d.proposed_at, d.decision_id,"
    " d.responsible_id, d.effective_from, d.duty, d.archive_receipt, d.deletion_record, d.contracts_ended_on,"
    " d.signed_off_by, d.completed_on"
)


class DecommissioningView(Handlers):
    name = "decommissionings"
    tables = ("decommissionings",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS decommissionings (system_id uuid PRIMARY KEY, process_id uuid NOT NULL UNIQUE,"
        " stage text NOT NULL,"
        " reason text NOT NULL, proposed_by uuid, proposed_at timestamptz NOT NULL, decision_id uuid,"
        " responsible_id uuid, effective_from date, duty text, archive_receipt text, deletion_record text,"
        " contracts_ended_on date, signed_off_by uuid, completed_on date, position bigint NOT NULL)",
    )
    routes = {
        Decommissioning.Proposed: "_proposed",
        Decommissioning.Decided: "_decided",
        Decommissioning.Rejected: "_rejected",
        Decommissioning.ProposedAgain: "_proposed_again",
        Decommissioning.ArchiveDutySettled: "_archived",
        Decommissioning.ContractsEnded: "_contracts",
        Decommissioning.Completed: "_completed",
    }

    def _proposed(self, cur: Any, e: Decommissioning.Proposed, position: int) -> None:
        cur.execute(
            "INSERT INTO decommissionings (system_id, process_id, stage, reason, proposed_by, proposed_at, position)"
            " VALUES (?, ?, 'proposed', ?, ?, ?, ?)",
            (e.system_id, e.originator_id, e.reason, e.proposed_by, e.timestamp, position),
        )

    @staticmethod
    def _set(cur: Any, e: Any, assignments: str, values: tuple) -> None:
        cur.execute(f"UPDATE decommissionings SET {assignments} WHERE process_id = ?", (*values, e.originator_id))

    def _decided(self, cur: Any, e: Decommissioning.Decided, position: int) -> None:
        self._set(cur, e, "stage = 'decided', decision_id = ?, responsible_id = ?, effective_from = ?",
                  (e.decision_id, e.responsible_id, e.effective_from))

    def _rejected(self, cur: Any, e: Decommissioning.Rejected, position: int) -> None:
        self._set(cur, e, "stage = 'rejected', decision_id = ?", (e.decision_id,))

    def _proposed_again(self, cur: Any, e: Decommissioning.ProposedAgain, position: int) -> None:
        self._set(cur, e, "stage = 'proposed', reason = ?, proposed_by = ?, proposed_at = ?, decision_id = NULL, position = ?",
                  (e.reason, e.proposed_by, e.timestamp, position))

    def _archived(self, cur: Any, e: Decommissioning.ArchiveDutySettled, position: int) -> None:
        self._set(cur, e, "duty = ?, archive_receipt = ?, deletion_record = ?",
                  (e.duty, e.archive_receipt, e.deletion_record))

    def _contracts(self, cur: Any, e: Decommissioning.ContractsEnded, position: int) -> None:
        self._set(cur, e, "contracts_ended_on = ?", (e.ended_on,))

    def _completed(self, cur: Any, e: Decommissioning.Completed, position: int) -> None:
        self._set(cur, e, "stage = 'completed', signed_off_by = ?, completed_on = ?", (e.signed_off_by, e.completed_on))


def lacking(row: dict[str, Any]) -> list[str]:
    """What a decommissioning still needs before it can complete: the domain's own rule."""
    return still_lacking(row["stage"], bool(row["duty"]), row["contracts_ended_on"] is not None)


class DecommissioningQueries:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    async def in_progress(self) -> list[dict[str, Any]]:
        return await self.reader.fetch(
            f"SELECT {_COLUMNS} FROM decommissionings d JOIN systems s ON s.id = d.system_id"
            " WHERE d.stage NOT IN ('completed', 'rejected') ORDER BY d.position"
        )

    async def of_system(self, system_id: UUID) -> dict[str, Any] | None:
        return await self.reader.fetchrow(
            f"SELECT {_COLUMNS} FROM decommissionings d JOIN systems s ON s.id = d.system_id WHERE d.system_id = ?",
            system_id,
        )
