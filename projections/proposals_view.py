"""The proposal pipeline: each proposal's current state, its purposes, and its history."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import msgspec

from domain.proposals import Proposal
from infra.database import Reader
from projections.dispatch import Handlers, meta

_COLUMNS = (
    "p.id, p.title, p.problem, p.category, p.change_kind, p.driver, p.driver_org_unit_id, p.forvaltning_id,"
    " p.proposer_id, p.status, p.follow_up_on, p.content, p.system_id, p.benefit_reviews, p.submitted_at,"
    " p.updated_at, p.position"
)


class ProposalsView(Handlers):
    name = "proposals"
    tables = ("proposals", "proposal_purposes", "proposal_history")
    ddl = (
        "CREATE TABLE IF NOT EXISTS proposals (id uuid PRIMARY KEY, title text NOT NULL, problem text NOT NULL,"
        " category text NOT NULL, change_kind text NOT NULL, driver text NOT NULL, driver_org_unit_id uuid,"
        " forvaltning_id uuid, proposer_id uuid NOT NULL, status text NOT NULL, follow_up_on date,"
        " content text NOT NULL, system_id uuid, benefit_reviews bigint NOT NULL, submitted_at timestamptz NOT NULL,"
        " updated_at timestamptz NOT NULL, position bigint NOT NULL)",
        "CREATE INDEX IF NOT EXISTS proposals_status ON proposals (status, position)",
        "CREATE INDEX IF NOT EXISTS proposals_forvaltning ON proposals (forvaltning_id, status)",
        "CREATE TABLE IF NOT EXISTS proposal_purposes (proposal_id uuid NOT NULL, purpose text NOT NULL,"
        " PRIMARY KEY (proposal_id, purpose))",
        "CREATE TABLE IF NOT EXISTS proposal_history (position bigint PRIMARY KEY, proposal_id uuid NOT NULL,"
        " change text NOT NULL, status text NOT NULL, decision_id uuid, reason text, system_id uuid,"
        " recorded_at timestamptz NOT NULL, actor_id text, actor_role text)",
        "CREATE INDEX IF NOT EXISTS proposal_history_proposal ON proposal_history (proposal_id, position)",
    )
    routes = {
        Proposal.Submitted: "_submitted",
        Proposal.Revised: "_revised",
        Proposal.StatusChanged: "_status",
        Proposal.BenefitReviewed: "_reviewed",
    }

    def _submitted(self, cur: Any, e: Proposal.Submitted, position: int) -> None:
        c = e.content
        cur.execute(
            "INSERT INTO proposals (id, title, problem, category, change_kind, driver, driver_org_unit_id,"
            " forvaltning_id, proposer_id, status, follow_up_on, content, benefit_reviews, submitted_at, updated_at,"
            " position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?, 0, ?, ?, ?)",
            (e.originator_id, c["title"], c["problem"], c["category"], c["change_kind"], c["driver"],
             _uuid(c["driver_org_unit_id"]), e.forvaltning_id, e.proposer_id, _date(c["follow_up_on"]),
             msgspec.json.encode(c).decode(), e.timestamp, e.timestamp, position),
        )
        self._purposes(cur, e.originator_id, c["purposes"])
        self._history(cur, e, position, "submitted", "submitted")

    def _revised(self, cur: Any, e: Proposal.Revised, position: int) -> None:
        c = e.content
        cur.execute(
            "UPDATE proposals SET title = ?, problem = ?, category = ?, change_kind = ?, driver = ?,"
            " driver_org_unit_id = ?, forvaltning_id = ?, follow_up_on = ?, content = ?, updated_at = ? WHERE id = ?",
            (c["title"], c["problem"], c["category"], c["change_kind"], c["driver"], _uuid(c["driver_org_unit_id"]),
             e.forvaltning_id, _date(c["follow_up_on"]), msgspec.json.encode(c).decode(), e.timestamp,
             e.originator_id),
        )
        cur.execute("DELETE FROM proposal_purposes WHERE proposal_id = ?", (e.originator_id,))
        self._purposes(cur, e.originator_id, c["purposes"])
        cur.execute("SELECT status FROM proposals WHERE id = ?", (e.originator_id,))
        self._history(cur, e, position, "revised", cur.fetchone()["status"])

    def _status(self, cur: Any, e: Proposal.StatusChanged, position: int) -> None:
        cur.execute(
            "UPDATE proposals SET status = ?, system_id = COALESCE(?, system_id), updated_at = ? WHERE id = ?",
            (e.status, e.system_id, e.timestamp, e.originator_id),
        )
        self._history(cur, e, position, "status", e.status, e.decision_id, e.reason, e.system_id)

    def _reviewed(self, cur: Any, e: Proposal.BenefitReviewed, position: int) -> None:
        cur.execute("UPDATE proposals SET benefit_reviews = benefit_reviews + 1 WHERE id = ?", (e.originator_id,))
        self._history(cur, e, position, "benefit_reviewed", "implemented", e.decision_id)

    @staticmethod
    def _purposes(cur: Any, proposal_id: UUID, purposes: list[str]) -> None:
        cur.executemany("INSERT INTO proposal_purposes (proposal_id, purpose) VALUES (?, ?)",
                        [(proposal_id, p) for p in purposes])

    @staticmethod
    def _history(cur: Any, e: Any, position: int, change: str, status: str, decision_id: UUID | None = None,
                 reason: str | None = None, system_id: UUID | None = None) -> None:
        m = meta(e)
        cur.execute(
            "INSERT INTO proposal_history (position, proposal_id, change, status, decision_id, reason, system_id,"
            " recorded_at, actor_id, actor_role) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (position, e.originator_id, change, status, decision_id, reason, system_id, e.timestamp,
             m.get("actor_id"), m.get("actor_role")),
        )


def _uuid(value: str | None) -> UUID | None:
    return UUID(value) if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


class ProposalQueries:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    async def get(self, proposal_id: UUID) -> dict[str, Any] | None:
        return await self.reader.fetchrow(f"SELECT {_COLUMNS} FROM proposals p WHERE p.id = ?", proposal_id)

    async def page(
        self, limit: int, after: int | None = None, *, status: str | None = None, category: str | None = None,
        purpose: str | None = None, change_kind: str | None = None, driver: str | None = None,
        forvaltning_id: UUID | None = None, driver_org_unit_id: UUID | None = None,
    ) -> list[dict[str, Any]]:
        """The pipeline in submission order (a keyset on the log position), filtered."""
        where, params = [], []
        for column, value in (("p.status", status), ("p.category", category), ("p.change_kind", change_kind),
                              ("p.driver", driver), ("p.forvaltning_id", forvaltning_id),
                              ("p.driver_org_unit_id", driver_org_unit_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if purpose is not None:
            where.append("EXISTS (SELECT 1 FROM proposal_purposes pp WHERE pp.proposal_id = p.id AND pp.purpose = ?)")
            params.append(purpose)
        if after is not None:
            where.append("p.position > ?")
            params.append(after)
        sql = f"SELECT {_COLUMNS} FROM proposals p"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return await self.reader.fetch(sql + " ORDER BY p.position LIMIT ?", *params, limit)

    async def by_status(self) -> dict[str, int]:
        rows = await self.reader.fetch("SELECT status, COUNT(*) AS n FROM proposals GROUP BY status")
        return {r["status"]: int(r["n"]) for r in rows}

    async def history(self, proposal_id: UUID) -> list[dict[str, Any]]:
        return await self.reader.fetch(
            "SELECT position, change, status, decision_id, reason, system_id, recorded_at, actor_id, actor_role"
            " FROM proposal_history WHERE proposal_id = ? ORDER BY position",
            proposal_id,
        )

    async def balance(self, statuses: tuple[str, ...]) -> list[dict[str, Any]]:
        """Counts per forvaltning, kind of change and category, over proposals in `statuses`."""
        marks = ", ".join("?" for _ in statuses)
        return await self.reader.fetch(
            "SELECT p.forvaltning_id, o.name AS forvaltning_name, p.change_kind, p.category, COUNT(*) AS n"
            " FROM proposals p LEFT JOIN org_units o ON o.id = p.forvaltning_id"
            f" WHERE p.status IN ({marks}) GROUP BY p.forvaltning_id, o.name, p.change_kind, p.category"
            " ORDER BY o.name, p.change_kind, p.category",
            *statuses,
        )

    async def follow_ups_due(self, day: date) -> list[dict[str, Any]]:
        """Implemented proposals past their follow-up date with no benefit review yet."""
        return await self.reader.fetch(
            f"SELECT {_COLUMNS} FROM proposals p WHERE p.status = 'implemented' AND p.follow_up_on IS NOT NULL"
            " AND p.follow_up_on < ? AND p.benefit_reviews = 0 ORDER BY p.follow_up_on, p.position",
            day,
        )
