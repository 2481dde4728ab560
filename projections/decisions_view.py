"""The council's record: meetings, the decision log, priority lists, and the consequences each
decision had (every event recorded with the decision as its basis)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

import msgspec

from domain.council import Decision, Meeting
from domain.decommissioning import Decommissioning
from domain.proposals import Proposal
from domain.systems import System
from infra.database import Reader
from projections.dispatch import Handlers, meta

_DECISION = (
    "d.id, d.kind, d.rationale, d.meeting_id, d.decided_by, d.decided_on, d.effective_from, d.supersedes,"
    " d.superseded_by, d.period_from, d.period_to, d.details, d.recorded_at, d.position, d.actor_id, d.actor_role"
)


class DecisionsView(Handlers):
    name = "decisions"
    tables = ("meetings", "meeting_agenda", "decisions", "decision_subjects", "decision_deciders", "priorities", "decision_consequences")
    ddl = (
        "CREATE TABLE IF NOT EXISTS meetings (id uuid PRIMARY KEY, held_on date NOT NULL, attendee_ids text NOT NULL,"
        " quorum boolean NOT NULL, recorded_at timestamptz NOT NULL, position bigint NOT NULL)",
        "CREATE TABLE IF NOT EXISTS meeting_agenda (meeting_id uuid NOT NULL, item bigint NOT NULL,"
        " proposal_id uuid NOT NULL, PRIMARY KEY (meeting_id, item))",
        "CREATE TABLE IF NOT EXISTS decisions (id uuid PRIMARY KEY, kind text NOT NULL, rationale text NOT NULL,"
        " meeting_id uuid, decided_by text NOT NULL, decided_on date NOT NULL, effective_from date NOT NULL,"
        " supersedes uuid, superseded_by uuid, period_from date, period_to date, details text NOT NULL,"
        " recorded_at timestamptz NOT NULL, position bigint NOT NULL, actor_id text, actor_role text)",
        "CREATE INDEX IF NOT EXISTS decisions_order ON decisions (decided_on, position)",
        "CREATE INDEX IF NOT EXISTS decisions_kind ON decisions (kind, effective_from)",
        "CREATE TABLE IF NOT EXISTS decision_subjects (decision_id uuid NOT NULL, subject_kind text NOT NULL,"
        " subject_id uuid NOT NULL, PRIMARY KEY (decision_id, subject_kind, subject_id))",
        "CREATE INDEX IF NOT EXISTS decision_subjects_subject ON decision_subjects (subject_id)",
        "CREATE TABLE IF NOT EXISTS decision_deciders (decision_id uuid NOT NULL, person_id uuid NOT NULL,"
        " capacity text NOT NULL, PRIMARY KEY (decision_id, person_id, capacity))",
        "CREATE INDEX IF NOT EXISTS decision_deciders_person ON decision_deciders (person_id)",
        "CREATE TABLE IF NOT EXISTS priorities (decision_id uuid NOT NULL, rank bigint NOT NULL,"
        " proposal_id uuid NOT NULL, note text, PRIMARY KEY (decision_id, rank))",
        "CREATE TABLE IF NOT EXISTS decision_consequences (position bigint PRIMARY KEY, decision_id uuid NOT NULL,"
        " subject_kind text NOT NULL, subject_id uuid NOT NULL, consequence text NOT NULL,"
        " recorded_at timestamptz NOT NULL)",
        "CREATE INDEX IF NOT EXISTS decision_consequences_decision ON decision_consequences (decision_id, position)",
    )
    routes = {
        Meeting.Held: "_meeting",
        Decision.Recorded: "_decision",
        Proposal.StatusChanged: "_proposal_moved",
        Proposal.BenefitReviewed: "_benefits_reviewed",
        System.AssignmentRecorded: "_assigned",
        System.ClaimConfirmed: "_claim_confirmed",
        System.ClaimRejected: "_claim_rejected",
        Decommissioning.Decided: "_decommission_decided",
        Decommissioning.Rejected: "_decommission_rejected",
    }

    def _meeting(self, cur: Any, e: Meeting.Held, position: int) -> None:
        cur.execute(
            "INSERT INTO meetings (id, held_on, attendee_ids, quorum, recorded_at, position) VALUES (?, ?, ?, ?, ?, ?)",
            (e.originator_id, e.held_on, _json([str(a) for a in e.attendee_ids]), e.quorum, e.timestamp, position),
        )
        cur.executemany(
            "INSERT INTO meeting_agenda (meeting_id, item, proposal_id) VALUES (?, ?, ?)",
            [(e.originator_id, i, p) for i, p in enumerate(e.agenda, 1)],
        )

    def _decision(self, cur: Any, e: Decision.Recorded, position: int) -> None:
        m = meta(e)
        cur.execute(
            "INSERT INTO decisions (id, kind, rationale, meeting_id, decided_by, decided_on, effective_from, supersedes,"
            " period_from, period_to, details, recorded_at, position, actor_id, actor_role)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (e.originator_id, e.kind, e.rationale, e.meeting_id, _json([str(p) for p in e.decided_by]), e.decided_on,
             e.effective_from, e.supersedes, e.period_from, e.period_to, _json(e.details), e.timestamp, position,
             m.get("actor_id"), m.get("actor_role")),
        )
        cur.executemany(
            "INSERT INTO decision_subjects (decision_id, subject_kind, subject_id) VALUES (?, ?, ?)",
            [(e.originator_id, s["kind"], UUID(s["id"])) for s in e.subjects],
        )
        deciders = {(p, "named") for p in e.decided_by}
        if e.meeting_id is not None:
            cur.execute("SELECT attendee_ids FROM meetings WHERE id = ?", (e.meeting_id,))
            row = cur.fetchone()
            deciders |= {(UUID(a), "attendee") for a in msgspec.json.decode(row["attendee_ids"])} if row else set()
        cur.executemany(
            "INSERT INTO decision_deciders (decision_id, person_id, capacity) VALUES (?, ?, ?)",
            [(e.originator_id, p, c) for p, c in sorted(deciders)],
        )
        cur.executemany(
            "INSERT INTO priorities (decision_id, rank, proposal_id, note) VALUES (?, ?, ?, ?)",
            [(e.originator_id, p["rank"], UUID(p["proposal_id"]), p["note"]) for p in e.priorities],
        )
        if e.supersedes is not None:
            cur.execute("UPDATE decisions SET superseded_by = ? WHERE id = ?", (e.originator_id, e.supersedes))

    def _consequence(self, cur: Any, e: Any, position: int, decision_id: UUID | None, kind: str, text: str) -> None:
        if decision_id is not None:
            cur.execute(
                "INSERT INTO decision_consequences (position, decision_id, subject_kind, subject_id, consequence,"
                " recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
                (position, decision_id, kind, e.originator_id, text, e.timestamp),
            )

    def _proposal_moved(self, cur: Any, e: Proposal.StatusChanged, position: int) -> None:
        self._consequence(cur, e, position, e.decision_id, "proposal", f"proposal became {e.status}")

    def _benefits_reviewed(self, cur: Any, e: Proposal.BenefitReviewed, position: int) -> None:
        self._consequence(cur, e, position, e.decision_id, "proposal", "benefits reviewed")

    def _assigned(self, cur: Any, e: System.AssignmentRecorded, position: int) -> None:
        if e.decision_id is None:  # most assignments: no decision, no consequence (and no text to format)
            return
        text = f"{e.role} assigned to {e.person_id} from {e.effective_from}"
        self._consequence(cur, e, position, e.decision_id, "system", text)

    def _claim_confirmed(self, cur: Any, e: System.ClaimConfirmed, position: int) -> None:
        self._consequence(cur, e, position, e.decision_id, "system", f"claim {e.claim_id} confirmed")

    def _claim_rejected(self, cur: Any, e: System.ClaimRejected, position: int) -> None:
        self._consequence(cur, e, position, e.decision_id, "system", f"claim {e.claim_id} rejected")

    def _decommission_decided(self, cur: Any, e: Decommissioning.Decided, position: int) -> None:
        text = f"system moves to phasing_out from {e.effective_from}; {e.responsible_id} carries out the decommissioning"
        cur.execute(
            "INSERT INTO decision_consequences (position, decision_id, subject_kind, subject_id, consequence,"
            " recorded_at) VALUES (?, ?, 'system', (SELECT subject_id FROM decision_subjects WHERE decision_id = ?"
            " AND subject_kind = 'system'), ?, ?)",
            (position, e.decision_id, e.decision_id, text, e.timestamp),
        )


    def _decommission_rejected(self, cur: Any, e: Decommissioning.Rejected, position: int) -> None:
        cur.execute(
            "INSERT INTO decision_consequences (position, decision_id, subject_kind, subject_id, consequence,"
            " recorded_at) VALUES (?, ?, 'system', (SELECT subject_id FROM decision_subjects WHERE decision_id = ?"
            " AND subject_kind = 'system'), ?, ?)",
            (position, e.decision_id, e.decision_id, "proposed decommissioning rejected; the system stays", e.timestamp),
        )


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


class DecisionQueries:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    async def meetings(self, meeting_id: UUID | None = None) -> list[dict[str, Any]]:
        sql = "SELECT id, held_on, attendee_ids, quorum, recorded_at, position FROM meetings"
        if meeting_id is not None:
            return await self.reader.fetch(sql + " WHERE id = ?", meeting_id)
        return await self.reader.fetch(sql + " ORDER BY held_on, position")

    async def agendas_of(self, meeting_ids: Sequence[UUID]) -> dict[UUID, list[dict[str, Any]]]:
        """The proposals on each meeting's agenda, in order, each with its title and state now."""
        ids = sorted(set(meeting_ids))
        found: dict[UUID, list[dict[str, Any]]] = {}
        if not ids:
            return found
        rows = await self.reader.fetch(
            "SELECT a.meeting_id, a.proposal_id, p.title, p.status FROM meeting_agenda a"
            " LEFT JOIN proposals p ON p.id = a.proposal_id"
            f" WHERE a.meeting_id IN ({', '.join('?' for _ in ids)}) ORDER BY a.meeting_id, a.item", *ids)
        for row in rows:
            found.setdefault(UUID(str(row.pop("meeting_id"))), []).append(row)
        return found

    async def of_meeting(self, meeting_id: UUID) -> list[dict[str, Any]]:
        """The decisions taken at a meeting, in the order they were recorded: its minutes."""
        return await self.reader.fetch(
            f"SELECT {_DECISION} FROM decisions d WHERE d.meeting_id = ? ORDER BY d.position", meeting_id)

    async def meeting_counts(self) -> dict[UUID, int]:
        """How many decisions each meeting took, by meeting id (one query for the list of meetings)."""
        rows = await self.reader.fetch(
            "SELECT meeting_id, COUNT(*) AS n FROM decisions WHERE meeting_id IS NOT NULL GROUP BY meeting_id")
        return {UUID(str(r["meeting_id"])): int(r["n"]) for r in rows}

    async def get(self, decision_id: UUID) -> dict[str, Any] | None:
        return await self.reader.fetchrow(f"SELECT {_DECISION} FROM decisions d WHERE d.id = ?", decision_id)

    async def subjects(self, decision_id: UUID) -> list[dict[str, Any]]:
        """What a decision is about, each with its name: a proposal's title, a system's name, a claim's
        claimant (None once erased)."""
        return (await self.subjects_of([decision_id])).get(decision_id, [])

    async def subjects_of(self, decision_ids: Sequence[UUID]) -> dict[UUID, list[dict[str, Any]]]:
        """`subjects` of many decisions in one query, by decision id."""
        return await self._by_decision(
            "SELECT s.decision_id, s.subject_kind AS kind, s.subject_id AS id, COALESCE(p.title, y.name,"
            " CASE WHEN d.erased_at IS NULL THEN d.name END) AS name FROM decision_subjects s"
            " LEFT JOIN proposals p ON s.subject_kind = 'proposal' AND p.id = s.subject_id"
            " LEFT JOIN systems y ON s.subject_kind = 'system' AND y.id = s.subject_id"
            " LEFT JOIN claims c ON s.subject_kind = 'claim' AND c.claim_id = s.subject_id"
            " LEFT JOIN person_details d ON d.person_id = c.person_id"
            " WHERE s.decision_id IN ({ids}) ORDER BY s.subject_kind, s.subject_id", decision_ids,
        )

    async def deciders(self, decision_id: UUID) -> list[dict[str, Any]]:
        """Who decided: the people named in the decision and those attending its meeting, by name."""
        return (await self.deciders_of([decision_id])).get(decision_id, [])

    async def deciders_of(self, decision_ids: Sequence[UUID]) -> dict[UUID, list[dict[str, Any]]]:
        return await self._by_decision(
            "SELECT x.decision_id, x.person_id, x.capacity, CASE WHEN d.erased_at IS NULL THEN d.name END AS name,"
            " d.erased_at IS NOT NULL AS erased FROM decision_deciders x"
            " LEFT JOIN person_details d ON d.person_id = x.person_id"
            " WHERE x.decision_id IN ({ids}) ORDER BY x.capacity DESC, x.person_id", decision_ids,
        )

    async def priorities(self, decision_id: UUID) -> list[dict[str, Any]]:
        return (await self.priorities_of([decision_id])).get(decision_id, [])

    async def priorities_of(self, decision_ids: Sequence[UUID]) -> dict[UUID, list[dict[str, Any]]]:
        return await self._by_decision(
            "SELECT r.decision_id, r.rank, r.proposal_id, r.note, p.title, p.status FROM priorities r"
            " LEFT JOIN proposals p ON p.id = r.proposal_id WHERE r.decision_id IN ({ids}) ORDER BY r.rank",
            decision_ids,
        )

    async def _by_decision(self, sql: str, decision_ids: Sequence[UUID]) -> dict[UUID, list[dict[str, Any]]]:
        ids = sorted(set(decision_ids))
        found: dict[UUID, list[dict[str, Any]]] = {}
        if not ids:
            return found
        for row in await self.reader.fetch(sql.format(ids=", ".join("?" for _ in ids)), *ids):
            found.setdefault(UUID(str(row.pop("decision_id"))), []).append(row)
        return found

    async def consequences(self, decision_id: UUID) -> list[dict[str, Any]]:
        return await self.reader.fetch(
            "SELECT position, subject_kind, subject_id, consequence, recorded_at FROM decision_consequences"
            " WHERE decision_id = ? ORDER BY position", decision_id,
        )

    async def log(
        self, limit: int, after: tuple[date, int] | None = None, *, subject_id: UUID | None = None,
        kind: str | None = None, decided_from: date | None = None, decided_to: date | None = None,
        decider_id: UUID | None = None, newest_first: bool = False,
    ) -> list[dict[str, Any]]:
        """The decisions in the order they were taken (decided_on, then log position), filtered; or
        the newest `limit` first (no keyset)."""
        where, params = [], []
        if subject_id is not None:
            where.append("EXISTS (SELECT 1 FROM decision_subjects s WHERE s.decision_id = d.id AND s.subject_id = ?)")
            params.append(subject_id)
        if decider_id is not None:
            where.append("EXISTS (SELECT 1 FROM decision_deciders x WHERE x.decision_id = d.id AND x.person_id = ?)")
            params.append(decider_id)
        for clause, value in (("d.kind = ?", kind), ("d.decided_on >= ?", decided_from), ("d.decided_on <= ?", decided_to)):
            if value is not None:
                where.append(clause)
                params.append(value)
        if after is not None:
            where.append("(d.decided_on > ? OR (d.decided_on = ? AND d.position > ?))")
            params += [after[0], after[0], after[1]]
        sql = f"SELECT {_DECISION} FROM decisions d"
        if where:
            sql += " WHERE " + " AND ".join(where)
        order = " ORDER BY d.decided_on DESC, d.position DESC" if newest_first else " ORDER BY d.decided_on, d.position"
        return await self.reader.fetch(sql + order + " LIMIT ?", *params, limit)

    async def priority_list_at(self, day: date) -> dict[str, Any] | None:
        """The prioritisation in force on `day`: effective, its period covering the day, not yet
        superseded by then; the latest such one wins."""
        return await self.reader.fetchrow(
            f"SELECT {_DECISION} FROM decisions d WHERE d.kind = 'prioritisation' AND d.effective_from <= ?"
            " AND d.period_from <= ? AND (d.period_to IS NULL OR d.period_to > ?)"
            " AND NOT EXISTS (SELECT 1 FROM decisions s WHERE s.supersedes = d.id AND s.effective_from <= ?)"
            " ORDER BY d.effective_from DESC, d.position DESC LIMIT 1",
            day, day, day, day,
        )
