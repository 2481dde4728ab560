"""Responsibility facts, claims and attestations, and the bitemporal questions over them.

The holder of role R on system S at date d as known at time k is the fact with the highest
position among those recorded at or before k whose valid period covers d (see
domain/responsibility.py for the rule; these queries are that rule in SQL).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec

from domain.erasable import ERASED
from domain.responsibility import Fact
from domain.org import Person
from domain.systems import System
from infra.database import Reader
from projections.dispatch import Handlers, meta

_COVER = " INCLUDE (person_id, effective_from, effective_to, recorded_at)"  # CatchUp drops it on SQLite


class AccountabilityView(Handlers):
    name = "accountability"
    tables = ("responsibility_facts", "claims", "attestations")
    ddl = (
        "CREATE TABLE IF NOT EXISTS responsibility_facts (position bigint PRIMARY KEY, system_id uuid NOT NULL,"
        " role text NOT NULL, person_id uuid, effective_from date NOT NULL, effective_to date,"
        " recorded_at timestamptz NOT NULL, kind text NOT NULL, basis text, decision_id uuid, claim_id uuid,"
        " actor_id text, actor_role text, request_id text, source text, basis_code text, basis_params text)",
        # Covering, in the order the deciding-fact queries read them (newest fact first): on
        # PostgreSQL an index-only scan answers one system or a whole sweep without sorting.
        "DROP INDEX IF EXISTS facts_system_role",
        "DROP INDEX IF EXISTS facts_role_system",
        "CREATE INDEX IF NOT EXISTS facts_system_role_newest ON responsibility_facts (system_id, role, position DESC)"
        + _COVER,
        "CREATE INDEX IF NOT EXISTS facts_role_system_newest ON responsibility_facts (role, system_id, position DESC)"
        + _COVER,
        "CREATE INDEX IF NOT EXISTS facts_person ON responsibility_facts (person_id)",
        "CREATE TABLE IF NOT EXISTS claims (claim_id uuid PRIMARY KEY, system_id uuid NOT NULL, role text NOT NULL,"
        " person_id uuid NOT NULL, statement text NOT NULL, made_at timestamptz NOT NULL, made_on date NOT NULL,"
        " status text NOT NULL, answered_at timestamptz, answered_on date, answer text, decision_id uuid, actor_id text,"
        " position bigint NOT NULL, answer_position bigint, answer_code text)",
        "CREATE INDEX IF NOT EXISTS claims_system ON claims (system_id)",
        "CREATE INDEX IF NOT EXISTS claims_waiting ON claims (made_at) WHERE status = 'open'",
        "CREATE INDEX IF NOT EXISTS claims_person ON claims (person_id)",
        "CREATE INDEX IF NOT EXISTS claims_person ON claims (person_id)",
        "CREATE TABLE IF NOT EXISTS attestations (position bigint PRIMARY KEY, system_id uuid NOT NULL,"
        " role text NOT NULL, person_id uuid NOT NULL, attested_on date NOT NULL, recorded_at timestamptz NOT NULL,"
        " actor_id text)",
        "CREATE INDEX IF NOT EXISTS attestations_system ON attestations (system_id, role, person_id)",
    )
    routes = {
        System.AssignmentRecorded: "_assignment",
        System.VacancyRecorded: "_vacancy",
        System.ClaimMade: "_claim",
        System.ClaimConfirmed: "_confirmed",
        System.ClaimRejected: "_rejected",
        System.Attested: "_attested",
        System.TextErased: "_text_erased",
        Person.Merged: "_merged",
    }

    def _merged(self, cur: Any, e: Person.Merged, position: int) -> None:
        """Two records are one person: the merged one's facts, claims and attestations read as the
        survivor's (the events stay as recorded; the view answers for the person)."""
        for table in ("responsibility_facts", "claims", "attestations"):
            cur.execute(f"UPDATE {table} SET person_id = ? WHERE person_id = ?", (e.into, e.originator_id))

    _INSERT_FACT = (
        "INSERT INTO responsibility_facts (position, system_id, role, person_id, effective_from, effective_to,"
        " recorded_at, kind, basis, decision_id, claim_id, actor_id, actor_role, request_id, source, basis_code,"
        " basis_params) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )

    def _assignment(self, cur: Any, e: System.AssignmentRecorded, position: int) -> None:
        m = meta(e)
        cur.execute(self._INSERT_FACT, (
            position, e.originator_id, e.role, e.person_id, e.effective_from, e.effective_to, e.timestamp,
            "assignment", e.basis, e.decision_id, e.claim_id, m.get("actor_id"), m.get("actor_role"), m.get("request_id"),
            _source(m), e.basis_code, _params(e.basis_params),
        ))

    def _vacancy(self, cur: Any, e: System.VacancyRecorded, position: int) -> None:
        m = meta(e)
        cur.execute(self._INSERT_FACT, (
            position, e.originator_id, e.role, None, e.effective_from, e.effective_to, e.timestamp,
            "vacancy", e.reason, None, None, m.get("actor_id"), m.get("actor_role"), m.get("request_id"), _source(m),
            e.basis_code, _params(e.basis_params),
        ))

    def _claim(self, cur: Any, e: System.ClaimMade, position: int) -> None:
        cur.execute(
            "INSERT INTO claims (claim_id, system_id, role, person_id, statement, made_at, made_on, status, actor_id,"
            " position) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)",
            (e.claim_id, e.originator_id, e.role, e.person_id, e.statement, e.timestamp, e.made_on, meta(e).get("actor_id"),
             position),
        )

    def _confirmed(self, cur: Any, e: System.ClaimConfirmed, position: int) -> None:
        cur.execute(
            "UPDATE claims SET status = 'confirmed', answered_at = ?, answered_on = ?, decision_id = ?, answer_position = ?"
            " WHERE claim_id = ?",
            (e.timestamp, e.answered_on, e.decision_id, position, e.claim_id),
        )

    def _rejected(self, cur: Any, e: System.ClaimRejected, position: int) -> None:
        cur.execute(
            "UPDATE claims SET status = 'rejected', answered_at = ?, answered_on = ?, answer = ?, decision_id = ?,"
            " answer_position = ?, answer_code = ? WHERE claim_id = ?",
            (e.timestamp, e.answered_on, e.reason, e.decision_id, position, e.basis_code, e.claim_id),
        )

    def _text_erased(self, cur: Any, e: System.TextErased, position: int) -> None:
        where = _ERASED_IN.get(e.topic)
        if where is None:  # nothing of that event is kept here
            return
        table, column, key = where
        # A text that held the code too (an event stored before the codes) takes the code with it.
        code = ({"responsibility_facts": ", basis_code = NULL, basis_params = NULL", "claims": ", answer_code = NULL"}[table]
                if e.code_erased else "")
        cur.execute(f"UPDATE {table} SET {column} = ?{code} WHERE {key} = ?",
                    (ERASED, e.claim_id if key == "claim_id" else e.position))

    def _attested(self, cur: Any, e: System.Attested, position: int) -> None:
        cur.execute(
            "INSERT INTO attestations (position, system_id, role, person_id, attested_on, recorded_at, actor_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (position, e.originator_id, e.role, e.person_id, e.attested_on, e.timestamp, meta(e).get("actor_id")),
        )


#: Where each erasable text (domain/erasable.py) is kept here: (table, column, key column).
_ERASED_IN = {
    System.VacancyRecorded.TOPIC: ("responsibility_facts", "basis", "position"),
    System.AssignmentRecorded.TOPIC: ("responsibility_facts", "basis", "position"),
    System.ClaimMade.TOPIC: ("claims", "statement", "position"),
    System.ClaimRejected.TOPIC: ("claims", "answer", "claim_id"),
}


def _source(meta: dict[str, Any]) -> str | None:
    """Where an imported fact came from ({file, sha256, row}), as JSON text; None for the rest."""
    return msgspec.json.encode(meta["source"]).decode() if meta.get("source") else None


def _params(params: dict | None) -> str | None:
    """A basis code's parameters (domain/basis.py), as JSON text; None for none."""
    return msgspec.json.encode(params).decode() if params else None


#: The columns a `Fact` is read from, and the one way a row becomes one (every reader of facts uses it).
#: A fact as `facts` answers it (the timeline's and the pack's rows), one list for every query of it.
FACT_ROW = ("position, role, person_id, effective_from, effective_to, recorded_at, kind, basis, decision_id, claim_id,"
            " actor_id, actor_role, request_id, source, basis_code, basis_params")
FACT_COLUMNS = "position, recorded_at, role, person_id, effective_from, effective_to, kind, basis"


def fact_from_row(r: Any) -> Fact:
    """A responsibility_facts row as the domain's Fact; a vacancy's basis is its recorded reason."""
    return Fact(
        r["position"], r["recorded_at"], r["role"], r["person_id"], r["effective_from"], r["effective_to"],
        r["basis"] if r["kind"] == "vacancy" else None,
    )


def facts_by_system(rows: Iterable[Any]) -> dict[UUID, list[Fact]]:
    """Rows of system_id plus FACT_COLUMNS, in position order, as each system's facts."""
    facts: dict[UUID, list[Fact]] = defaultdict(list)
    for r in rows:
        facts[r["system_id"]].append(fact_from_row(r))
    return facts


_DECIDING = (
    "SELECT * FROM (SELECT f.system_id, f.role, f.person_id, f.effective_from, f.effective_to, f.recorded_at,"
    " f.position, ROW_NUMBER() OVER (PARTITION BY f.system_id, f.role ORDER BY f.position DESC) AS rank"
    " FROM responsibility_facts f WHERE {where} AND f.recorded_at <= ? AND f.effective_from <= ?"
    " AND (f.effective_to IS NULL OR f.effective_to > ?)) decided WHERE rank = 1 AND person_id IS NOT NULL"
)
# On PostgreSQL DISTINCT ON reads the (system, role, position) index in order: much faster than a window.
_DECIDING_PG = (
    "SELECT * FROM (SELECT DISTINCT ON (f.system_id, f.role) f.system_id, f.role, f.person_id, f.effective_from,"
    " f.effective_to, f.recorded_at, f.position FROM responsibility_facts f WHERE {where} AND f.recorded_at <= ?"
    " AND f.effective_from <= ? AND (f.effective_to IS NULL OR f.effective_to > ?)"
    " ORDER BY f.system_id, f.role, f.position DESC) decided WHERE person_id IS NOT NULL"
)


class AccountabilityQueries:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    def _deciding(self, where: str) -> str:
        template = _DECIDING_PG if self.reader.dialect == "postgres" else _DECIDING
        return template.format(where=where)

    async def holders(self, system_id: UUID, at: date, known_at: datetime) -> list[dict[str, Any]]:
        """Who held each role on one system at `at`, as the record stood at `known_at`."""
        return await self.holders_of(system_id, at, known_at) or []

    async def holders_of(self, system_id: UUID, at: date, known_at: datetime) -> list[dict[str, Any]] | None:
        """`holders`, or None when there is no such system: one round trip either way (asking
        about existence separately cost a second one for every answer with no holders)."""
        sql = (
            "SELECT d.role, d.person_id, d.effective_from, d.effective_to, d.recorded_at FROM systems s"
            " LEFT JOIN (" + self._deciding("f.system_id = ?") + ") d ON TRUE WHERE s.id = ? ORDER BY d.role"
        )
        rows = await self.reader.fetch(sql, system_id, known_at, at, at, system_id)
        if not rows:
            return None
        return [r for r in rows if r["role"] is not None]

    async def sweep(
        self, at: date, known_at: datetime, role: str | None, limit: int, after: UUID | None
    ) -> Sequence[Sequence[Any]]:
        """Every system's holders at `at` as known at `known_at`: the auditor's sweep, by system id.

        Rows of (system_id, system_name, role, person_id, effective_from, effective_to,
        recorded_at, person_name, person_erased), one per holder, and one with role NULL for a
        system with none.
        Values, not dicts: at 30,000 systems the dicts cost more than the query."""
        conditions, params = ["TRUE"], []
        if role is not None:
            conditions.append("f.role = ?")
            params.append(role)
        page_filter, page_params = "", []
        if after is not None:
            page_filter = " AND s.id > ?"
            page_params = [after]
            conditions.append("f.system_id > ?")
            params.append(after)
        # The page's systems are a range of ids: the facts are read as one index range, in index
        # order, instead of one index probe per system of an IN list. Its last id is the one at
        # the page's offset (none there: the page holds every system left, so the last of all),
        # which the index finds without sorting the page's ids again.
        conditions.append(
            f"f.system_id <= COALESCE((SELECT s.id FROM systems s WHERE TRUE{page_filter} ORDER BY s.id LIMIT 1 OFFSET ?),"
            " (SELECT s.id FROM systems s ORDER BY s.id DESC LIMIT 1))"
        )
        params += [*page_params, max(limit - 1, 0)]
        # On PostgreSQL the page is not materialised: read from the (id, name) index, it
        # stays in id order, so the facts are merge-joined to it with no sort of either side
        # (a materialised page came back unordered and was sorted). With one role there is one
        # row a system, and the system's id alone orders the rows: no sort at the end either.
        inline = " NOT MATERIALIZED" if self.reader.dialect == "postgres" else ""
        order = "page.id" if role is not None else "page.id, decided.role"
        sql = (
            f"WITH page AS{inline} (SELECT s.id, s.name FROM systems s WHERE TRUE{page_filter} ORDER BY s.id LIMIT ?),"
            " decided AS (" + self._deciding(" AND ".join(conditions)) + ")"
            " SELECT page.id AS system_id, page.name AS system_name, decided.role, decided.person_id,"
            " decided.effective_from, decided.effective_to, decided.recorded_at,"
            " CASE WHEN d.erased_at IS NULL THEN d.name END AS person_name, d.erased_at IS NOT NULL AS person_erased"
            " FROM page LEFT JOIN decided ON decided.system_id = page.id"
            f" LEFT JOIN person_details d ON d.person_id = decided.person_id ORDER BY {order}"
        )
        return await self.reader.fetch_values(sql, *page_params, limit, *params, known_at, at, at)

    async def facts(self, system_id: UUID) -> list[dict[str, Any]]:
        return await self.reader.fetch(
            f"SELECT {FACT_ROW} FROM responsibility_facts WHERE system_id = ? ORDER BY position", system_id,
        )

    async def facts_by_system(self, system_ids: Sequence[UUID]) -> dict[UUID, list[dict[str, Any]]]:
        """`facts` of several systems in one query, by system, each system's in position order."""
        found: dict[UUID, list[dict[str, Any]]] = {i: [] for i in system_ids}
        if not system_ids:
            return found
        marks = ", ".join("?" for _ in system_ids)
        for r in await self.reader.fetch(
            f"SELECT system_id, {FACT_ROW} FROM responsibility_facts"
            f" WHERE system_id IN ({marks}) ORDER BY system_id, position", *system_ids,
        ):
            found[UUID(str(r.pop("system_id")))].append(r)
        return found

    async def attestations_by_system(self, system_ids: Sequence[UUID]) -> dict[UUID, list[dict[str, Any]]]:
        """`attestations` of several systems in one query, by system, each system's in position order."""
        found: dict[UUID, list[dict[str, Any]]] = {i: [] for i in system_ids}
        if not system_ids:
            return found
        marks = ", ".join("?" for _ in system_ids)
        for r in await self.reader.fetch(
            "SELECT system_id, role, person_id, attested_on, recorded_at, position FROM attestations"
            f" WHERE system_id IN ({marks}) ORDER BY system_id, position", *system_ids,
        ):
            found[UUID(str(r.pop("system_id")))].append(r)
        return found

    async def grounds(self, system_id: UUID, at: date, known_at: datetime) -> list[dict[str, Any]]:
        """The facts of one system that domain/responsibility.py's `answer` needs to answer every
        role at (`at`, `known_at`), with the names of the holder and the recorder: per role the
        deciding fact, the first fact covering `at`, and of those known at `known_at` the latest to
        end by `at` and the earliest to begin, and the role's first fact. `answer` over these gives
        what it gives over all of them (tests/properties/test_one_rule.py); one round trip, a few
        rows, however long the system's history."""
        actor = "CAST(f.actor_id AS uuid)" if self.reader.dialect == "postgres" else "f.actor_id"
        covers = "c.effective_from <= ? AND (c.effective_to IS NULL OR c.effective_to > ?)"
        # One index probe a role each: the (system_id, role, position) index finds the newest and the
        # oldest at once; the two orders by date read only that role's facts.
        picks = [
            (f"c.recorded_at <= ? AND {covers}", "c.position DESC", [known_at, at, at]),
            (covers, "c.position", [at, at]),
            ("c.recorded_at <= ? AND c.effective_to IS NOT NULL AND c.effective_to <= ?",
             "c.effective_to DESC, c.position DESC", [known_at, at]),
            ("c.recorded_at <= ?", "c.effective_from, c.position DESC", [known_at]),
            ("TRUE", "c.position", []),
        ]
        def pick(where: str, order: str) -> str:
            return (f"(SELECT c.position FROM responsibility_facts c WHERE c.system_id = ? AND c.role = r.role"
                    f" AND {where} ORDER BY {order} LIMIT 1)")

        (where, order, values), rest = picks[0], picks[1:]
        # The other picks only for a role nobody was decided for (most roles are: one probe each).
        columns = [f"{pick(where, order)} AS p0"] + [
            f"CASE WHEN r.p0 IS NULL THEN {pick(w, o)} END AS p{n}" for n, (w, o, _) in enumerate(rest, 1)
        ]
        params = [system_id, *values]
        later = [v for _, _, vs in rest for v in (system_id, *vs)]
        union = " UNION ".join(f"SELECT p{n} FROM picked" for n in range(len(picks)))
        # PostgreSQL: the chosen positions as an array, so the few facts come by their primary key;
        # as `IN (union)` it read every fact of the system (a busy one's 278 facts lie on 141 pages of
        # the national set) and joined them by hash: p50 1.4-1.7 -> 1.1-1.2 ms over busy systems in turn
        chosen = f"= ANY(ARRAY({union}))" if self.reader.dialect == "postgres" else f"IN ({union})"
        sql = (
            "WITH decided AS (SELECT r.role, " + columns[0] + " FROM (SELECT DISTINCT role FROM responsibility_facts"
            " WHERE system_id = ?) r), picked AS (SELECT r.p0, " + ", ".join(columns[1:]) + " FROM decided r)"
            " SELECT s.name AS system_name, g.* FROM systems s LEFT JOIN ("
            " SELECT f.position, f.role, f.person_id, f.effective_from, f.effective_to, f.recorded_at, f.kind, f.basis,"
            " f.decision_id, f.claim_id, f.actor_id, f.actor_role, f.request_id, f.source, f.basis_code, f.basis_params,"
            " h.name AS person_name, h.erased_at IS NOT NULL AS person_erased,"
            " a.name AS actor_name, a.erased_at IS NOT NULL AS actor_erased"
            " FROM responsibility_facts f LEFT JOIN person_details h ON h.person_id = f.person_id"
            f" LEFT JOIN person_details a ON a.person_id = {actor}"
            f" WHERE f.system_id = ? AND f.position {chosen}) g ON TRUE WHERE s.id = ? ORDER BY g.position"
        )
        # In the order the statement names them: the picks, the roles, the facts, the system. The
        # system's row comes back even with no facts (one row, its fact columns empty); none at all:
        # no such system.
        ordered = params + [system_id] + later + [system_id, system_id]
        # One plan for every system and date: PostgreSQL's own choice, a plan per call, spent
        # ~0.9 ms planning this statement to run it in ~0.5 (bench/README.md, "One plan for `grounds`").
        return await self.reader.fetch_planned_once(sql, *ordered)

    async def facts_of(self, system_ids: Sequence[UUID]) -> dict[UUID, list[Fact]]:
        """The facts of several systems, each system's in recording order."""
        if not system_ids:
            return {}
        marks = ", ".join("?" for _ in system_ids)
        return facts_by_system(await self.reader.fetch(
            f"SELECT system_id, {FACT_COLUMNS} FROM responsibility_facts WHERE system_id IN ({marks}) ORDER BY position",
            *system_ids,
        ))

    async def attestations_of(self, system_ids: Sequence[UUID]) -> list[dict[str, Any]]:
        if not system_ids:
            return []
        marks = ", ".join("?" for _ in system_ids)
        return await self.reader.fetch(
            "SELECT system_id, role, person_id, attested_on, recorded_at FROM attestations"
            f" WHERE system_id IN ({marks}) ORDER BY position",
            *system_ids,
        )

    async def claims(self, system_id: UUID) -> list[dict[str, Any]]:
        return await self.reader.fetch(
            "SELECT claim_id, system_id, role, person_id, statement, made_at, made_on, status, answered_at, answered_on,"
            " answer, decision_id, position, answer_position, answer_code FROM claims WHERE system_id = ? ORDER BY position",
            system_id,
        )

    async def claim(self, claim_id: UUID) -> dict[str, Any] | None:
        return await self.reader.fetchrow(
            "SELECT claim_id, system_id, role, person_id, statement, made_at, made_on, status, answered_at, answered_on,"
            " answer, decision_id, position, answer_position, answer_code FROM claims WHERE claim_id = ?",
            claim_id,
        )

    async def attestations(self, system_id: UUID) -> list[dict[str, Any]]:
        return await self.reader.fetch(
            "SELECT role, person_id, attested_on, recorded_at, position FROM attestations WHERE system_id = ?"
            " ORDER BY position",
            system_id,
        )

    async def held_by(self, person_id: UUID, at: date, known_at: datetime) -> list[dict[str, Any]]:
        """The roles a person holds at `at`, with each system's name and when they last attested."""
        sql = (
            "SELECT d.system_id, s.name AS system_name, d.role, d.effective_from, d.effective_to, d.recorded_at,"
            " (SELECT MAX(a.attested_on) FROM attestations a WHERE a.system_id = d.system_id AND a.role = d.role"
            "  AND a.person_id = d.person_id) AS last_attested_on"
            " FROM (" + self._deciding("f.system_id IN (SELECT system_id FROM responsibility_facts WHERE person_id = ?)")
            + ") d JOIN systems s ON s.id = d.system_id WHERE d.person_id = ? ORDER BY s.name, d.role"
        )
        rows = await self.reader.fetch(sql, person_id, known_at, at, at, person_id)
        for row in rows:
            # SQLite types only plain columns: MAX() over a date column comes back as text (a 500
            # on GET /people/{id}/responsibilities once the person had attested).
            if isinstance(row["last_attested_on"], str):
                row["last_attested_on"] = date.fromisoformat(row["last_attested_on"])
        return rows

    async def waiting_claims(self, limit: int) -> tuple[int, list[dict[str, Any]]]:
        """How many claims wait for an answer, and the oldest `limit` of them with their system's name:
        oldest by the day each was made (its business date, as the gap rule and the reminders count
        the wait), not by when it was recorded (a claim can be recorded after the day it was made)."""
        count = await self.reader.fetchrow("SELECT COUNT(*) AS n FROM claims WHERE status = 'open'")
        rows = await self.reader.fetch(
            "SELECT c.claim_id, c.system_id, s.name AS system_name, c.role, c.person_id, c.statement, c.made_at,"
            " c.made_on FROM claims c JOIN systems s ON s.id = c.system_id WHERE c.status = 'open'"
            " ORDER BY c.made_on, c.claim_id LIMIT ?", limit,
        )
        return int(count["n"] if count else 0), rows

    async def claims_of(self, person_id: UUID) -> list[dict[str, Any]]:
        """Every claim a person has made, newest first, with the system's name and the answer."""
        return await self.reader.fetch(
            "SELECT c.claim_id, c.system_id, s.name AS system_name, c.role, c.statement, c.made_at, c.status,"
            " c.answered_at, c.answer, c.answer_code FROM claims c JOIN systems s ON s.id = c.system_id WHERE c.person_id = ?"
            " ORDER BY c.made_at DESC", person_id,
        )

    async def open_claims_of(self, person_id: UUID) -> list[dict[str, Any]]:
        return await self.reader.fetch(
            "SELECT c.claim_id, c.system_id, s.name AS system_name, c.role, c.statement, c.made_at FROM claims c"
            " JOIN systems s ON s.id = c.system_id WHERE c.person_id = ? AND c.status = 'open' ORDER BY c.made_at",
            person_id,
        )
