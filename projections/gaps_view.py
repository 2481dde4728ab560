"""Where responsibility is unclear. The rules live in domain/gaps.py; this view only feeds them
each affected system's history (from the other views' tables, in the same transaction) and
stores the periods they return."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import resolve_topic

from domain import gaps as rules
from domain.lifecycle import LifecycleChange
from domain.responsibility import Fact
from domain.org import OrgUnit, Person
from domain.systems import System
from domain.vocabulary import Role
from infra.database import Reader
from projections.accountability_view import FACT_COLUMNS, facts_by_system
from projections.dispatch import Handlers
from projections.gap_histories import GapHistories
from projections.gap_rows import gap_rows


def _in(values: list[Any]) -> str:
    return "(" + ", ".join("?" for _ in values) + ")"


class GapsView(Handlers):
    name = "gaps"
    tables = ("responsibility_gaps",)
    ddl = (
        # person_id: who the gap is about (its detail names them when read); claim_ids, fact_positions: JSON
        # lists of the claim ids and the event-log positions of the recorded facts that show it.
        "CREATE TABLE IF NOT EXISTS responsibility_gaps (system_id uuid NOT NULL, rule text NOT NULL, role text,"
        " since date NOT NULL, until date, severity integer NOT NULL, detail text NOT NULL, person_id uuid,"
        " claim_ids text NOT NULL, fact_positions text NOT NULL)",
        "CREATE INDEX IF NOT EXISTS gaps_system ON responsibility_gaps (system_id)",
        # The report's order: the first page is read from the index, not sorted from every row.
        "DROP INDEX IF EXISTS gaps_since",
        "CREATE INDEX IF NOT EXISTS gaps_severity_since ON responsibility_gaps (severity, since)",
    )

    #: Further behind than this, the view waits for the others and then recomputes each touched
    #: system once (CatchUp.catch_up_alone), instead of once per batch that touches it.
    alone_after = 20_000

    def __init__(self, policy: rules.GapPolicy = rules.GapPolicy()) -> None:
        self.policy = policy
        # The thresholds are part of the view's schema digest (projections/catchup.py): rows computed
        # with other ones are remade from the log at start, with no operator to remember it.
        self.made_with = json.dumps(dataclasses.asdict(policy), sort_keys=True)
        self.dirty: set[UUID] = set()
        self._classes: dict[str, type] = {}
        self._histories: GapHistories | None = None  # assembled while the log is replayed from its start

    def collector(self, start: int) -> Callable[[Any, int], None] | None:
        """While the view waits at position 0 for the others to replay the log from `start`: what to
        hand each event to, so the gaps are computed from memory at the end (None: not from here)."""
        if start == 1:
            self._histories = GapHistories()
        elif self._histories is None or start != self._histories.upto + 1:
            self._histories = None  # not where the last batch left off (a batch retried): read the tables
            return None
        return self._histories.apply

    def apply(self, cur: Any, event: Any, position: int) -> None:
        self._touch(cur, type(event), event.originator_id)

    def _touch(self, cur: Any, cls: type, originator_id: UUID) -> None:
        if issubclass(cls, System.Event):
            self.dirty.add(originator_id)
        elif issubclass(cls, (Person.Departed, Person.Returned, Person.Corrected, Person.Merged, Person.Absorbed)):
            # left, back, moved, or one person with another record: the survivor's systems (their facts
            # read as the survivor's once the accountability view has the merge, before or after this)
            cur.execute("SELECT DISTINCT system_id FROM responsibility_facts WHERE person_id = ?", (originator_id,))
            self.dirty.update(r["system_id"] for r in cur.fetchall())
        elif issubclass(cls, OrgUnit.Dissolved):
            cur.execute(
                "SELECT DISTINCT f.system_id FROM responsibility_facts f JOIN people p ON p.id = f.person_id"
                " WHERE p.org_unit_id = ?",
                (originator_id,),
            )
            self.dirty.update(r["system_id"] for r in cur.fetchall())

    def discard(self) -> None:
        self.dirty = set()
        self._histories = None  # a batch rolled back may have been collected in part

    def catch_up_alone(self, cur: Any, notifications: Iterable[Any], from_scratch: bool = False,
                       upto: int | None = None, processes: int = 1) -> None:
        """Mark every system the notifications touch (by topic, no decoding), then recompute each once.

        The other views' tables already hold these events (and maybe later ones): a departure then
        marks a superset of systems, which is harmless, since a recompute depends only on the tables.
        From scratch (a rebuild) every system is touched: they are taken from the systems table,
        and the log is not read a second time (a million notifications cost ~8 s to read)."""
        histories, self._histories = self._histories, None
        if from_scratch and histories is not None and upto is not None and histories.upto == upto:
            cur.execute("DELETE FROM responsibility_gaps")
            self._insert(cur, histories.histories(), histories.directory(), processes)
            return
        if from_scratch:
            # Tables made afresh (a rebuild's, a view remade) have no statistics until autovacuum gets
            # to them: the queries by system below were planned as scans (142 ms a batch of 500
            # systems against 32 ms once analysed).
            for table in _READS:
                cur.execute(f"ANALYZE {table}")
            cur.execute("SELECT id FROM systems")
            self.dirty.update(r["id"] for r in cur.fetchall())
        else:
            for n in notifications:
                cls = self._classes.get(n.topic)
                if cls is None:
                    cls = self._classes[n.topic] = resolve_topic(n.topic)
                self._touch(cur, cls, n.originator_id)
        self.flush(cur)

    def flush(self, cur: Any) -> None:
        dirty, self.dirty = sorted(self.dirty), set()
        for start in range(0, len(dirty), 500):
            self._recompute(cur, dirty[start : start + 500])

    def _recompute(self, cur: Any, ids: list[UUID]) -> None:
        histories, directory = load_histories(cur, ids)
        cur.execute(f"DELETE FROM responsibility_gaps WHERE system_id IN {_in(ids)}", ids)
        self._insert(cur, histories, directory)

    def _insert(self, cur: Any, histories: list[rules.SystemHistory], directory: rules.Directory,
                processes: int = 1) -> None:
        rows = gap_rows(histories, directory, self.policy, processes)
        if rows:
            cur.executemany(
                "INSERT INTO responsibility_gaps (system_id, rule, role, since, until, severity, detail, person_id,"
                " claim_ids, fact_positions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )


#: The tables `load_histories` reads.
_READS = ("systems", "lifecycle_changes", "responsibility_facts", "claims", "attestations", "handover_offers", "people",
          "org_units")


def load_histories(cur: Any, ids: list[UUID]) -> tuple[list[rules.SystemHistory], rules.Directory]:
    """Everything the gap rules need for these systems, in six set-based queries."""
    cur.execute(f"SELECT id, criticality FROM systems WHERE id IN {_in(ids)}", ids)
    criticality = {r["id"]: r["criticality"] for r in cur.fetchall()}
    lifecycle: dict[UUID, list[LifecycleChange]] = defaultdict(list)
    cur.execute(
        f"SELECT system_id, position, lifecycle, effective_from FROM lifecycle_changes WHERE system_id IN {_in(ids)}", ids
    )
    for r in cur.fetchall():
        lifecycle[r["system_id"]].append(LifecycleChange(r["position"], r["lifecycle"], r["effective_from"]))
    cur.execute(f"SELECT system_id, {FACT_COLUMNS} FROM responsibility_facts WHERE system_id IN {_in(ids)} ORDER BY position", ids)
    facts = facts_by_system(cur.fetchall())
    claims: dict[UUID, list[rules.Claim]] = defaultdict(list)
    cur.execute(f"SELECT claim_id, system_id, role, person_id, made_on, answered_on FROM claims WHERE system_id IN {_in(ids)}", ids)
    for r in cur.fetchall():
        claims[r["system_id"]].append(rules.Claim(r["claim_id"], r["role"], r["person_id"], r["made_on"], r["answered_on"]))
    attestations: dict[UUID, list[rules.Attestation]] = defaultdict(list)
    cur.execute(f"SELECT system_id, role, person_id, attested_on FROM attestations WHERE system_id IN {_in(ids)}", ids)
    for r in cur.fetchall():
        attestations[r["system_id"]].append(rules.Attestation(r["role"], r["person_id"], r["attested_on"]))
    offers: dict[UUID, list[rules.Offer]] = defaultdict(list)
    cur.execute(
        "SELECT offer_id, system_id, role, from_person_id, to_person_id, offered_on, answered_on FROM handover_offers"
        f" WHERE system_id IN {_in(ids)} ORDER BY position", ids,
    )
    for r in cur.fetchall():
        offers[r["system_id"]].append(rules.Offer(
            r["offer_id"], r["role"], r["from_person_id"], r["to_person_id"], r["offered_on"], r["answered_on"],
        ))
    cur.execute(
        "SELECT p.id, p.org_unit_id, p.departed_on, o.level, o.dissolved_on FROM people p"
        " JOIN org_units o ON o.id = p.org_unit_id WHERE p.id IN"
        f" (SELECT person_id FROM responsibility_facts WHERE system_id IN {_in(ids)} AND person_id IS NOT NULL)",
        ids,
    )
    people, units = {}, {}
    for r in cur.fetchall():
        people[r["id"]] = rules.PersonInfo(r["id"], r["org_unit_id"], r["departed_on"])
        units[r["org_unit_id"]] = rules.OrgUnitInfo(r["org_unit_id"], r["level"], r["dissolved_on"])
    histories = [
        rules.SystemHistory(
            system_id=i, criticality=criticality[i], lifecycle=lifecycle[i], facts=facts[i],
            claims=claims[i], attestations=attestations[i], offers=offers[i],
        )
        for i in ids
        if i in criticality
    ]
    return histories, rules.Directory(people, units)


class GapQueries:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    async def at(
        self, day: date, *, rule: str | None = None, system_id: UUID | None = None, limit: int = 1000, offset: int = 0,
        role: str | None = None, org_unit_ids: Sequence[UUID] | None = None,
    ) -> list[dict[str, Any]]:
        where, params = self._where(day, rule, system_id, role, org_unit_ids)
        if offset == 0:
            return await self._rows(where, params, 0, limit)
        groups = await self._groups(where, params)
        return await self._rows(*self._seek(where, params, groups, offset), limit)

    async def page(
        self, day: date, *, rule: str | None, role: str | None, org_unit_ids: Sequence[UUID] | None, limit: int,
        offset: int,
    ) -> tuple[list[dict[str, Any]], int]:
        """`at`'s rows from `offset`, and how many it lists on every page together (the gap list's pages)."""
        where, params = self._where(day, rule, None, role, org_unit_ids)
        if offset == 0:  # the first page: from the index on (severity, since), and a count (cheaper than groups)
            row = await self.reader.fetchrow(
                "SELECT COUNT(*) AS n FROM responsibility_gaps g JOIN systems s ON s.id = g.system_id WHERE "
                + " AND ".join(where), *params)
            return await self._rows(where, params, 0, limit), int(row["n"]) if row else 0
        groups = await self._groups(where, params)
        total = sum(int(g["n"]) for g in groups)
        if offset >= total:
            return [], total
        return await self._rows(*self._seek(where, params, groups, offset), limit), total

    async def _groups(self, where: list[str], params: list[Any]) -> list[dict[str, Any]]:
        """How many gaps `at` lists for each (severity, since), the first two keys of its order."""
        return await self.reader.fetch(
            "SELECT g.severity, g.since, COUNT(*) AS n FROM responsibility_gaps g JOIN systems s ON s.id = g.system_id"
            " WHERE " + " AND ".join(where) + " GROUP BY g.severity, g.since ORDER BY g.severity, g.since", *params)

    @staticmethod
    def _seek(
        where: list[str], params: list[Any], groups: list[dict[str, Any]], offset: int,
    ) -> tuple[list[str], list[Any], int]:
        """A deep page read from the (severity, since) its first row has, not by skipping every row before
        it: an OFFSET of 60,000 sorted all the open gaps of the country for each page (~600 ms). The rows
        before that pair are counted (`groups`), so the page is the same rows in the same order."""
        before = 0
        for g in groups:
            if before + int(g["n"]) > offset:
                return ([*where, "(g.severity, g.since) >= (?, ?)"], [*params, g["severity"], g["since"]],
                        offset - before)
            before += int(g["n"])
        return [*where, "1 = 0"], params, 0  # past the last row

    async def _rows(self, where: list[str], params: list[Any], offset: int, limit: int) -> list[dict[str, Any]]:
        sql = (
            "SELECT g.system_id, s.name AS system_name, g.rule, g.role, g.since, g.until, g.severity, g.detail,"
            " g.person_id, CASE WHEN d.erased_at IS NULL THEN d.name END AS person_name,"
            " d.erased_at IS NOT NULL AS person_erased, g.claim_ids, g.fact_positions"
            " FROM responsibility_gaps g JOIN systems s ON s.id = g.system_id"
            " LEFT JOIN person_details d ON d.person_id = g.person_id WHERE " + " AND ".join(where)
            + " ORDER BY g.severity, g.since, s.name, g.system_id, g.role LIMIT ? OFFSET ?"
        )
        return await self.reader.fetch(sql, *params, limit, offset)

    async def at_systems(self, day: date, system_ids: Sequence[UUID]) -> list[dict[str, Any]]:
        """`at(day, system_id=...)` for several systems in one query, in `at`'s shape and order."""
        if not system_ids:
            return []
        where, params = self._where(day, None, None, None, None)
        sql = (
            "SELECT g.system_id, s.name AS system_name, g.rule, g.role, g.since, g.until, g.severity, g.detail,"
            " g.person_id, CASE WHEN d.erased_at IS NULL THEN d.name END AS person_name,"
            " d.erased_at IS NOT NULL AS person_erased, g.claim_ids, g.fact_positions"
            " FROM responsibility_gaps g JOIN systems s ON s.id = g.system_id"
            " LEFT JOIN person_details d ON d.person_id = g.person_id WHERE " + " AND ".join(where)
            + f" AND g.system_id IN {_in(list(system_ids))}"
            + " ORDER BY g.severity, g.since, s.name, g.system_id, g.role"
        )
        return await self.reader.fetch(sql, *params, *system_ids)

    async def during(self, start: date, end: date, *, limit: int = 1000, offset: int = 0) -> list[dict[str, Any]]:
        """The gaps open on any day from `start` to `end` (both included), in `at`'s order and shape:
        the auditor's pack lists a period's, not a day's."""
        sql = (
            "SELECT g.system_id, s.name AS system_name, g.rule, g.role, g.since, g.until, g.severity, g.detail,"
            " g.person_id, CASE WHEN d.erased_at IS NULL THEN d.name END AS person_name,"
            " d.erased_at IS NOT NULL AS person_erased, g.claim_ids, g.fact_positions"
            " FROM responsibility_gaps g JOIN systems s ON s.id = g.system_id"
            " LEFT JOIN person_details d ON d.person_id = g.person_id WHERE g.since <= ? AND (g.until IS NULL OR g.until > ?)"
            " ORDER BY g.severity, g.since, s.name, g.system_id, g.role, g.rule LIMIT ? OFFSET ?"
        )
        return await self.reader.fetch(sql, end, start, limit, offset)

    @staticmethod
    def _where(
        day: date, rule: str | None, system_id: UUID | None, role: str | None, org_unit_ids: Sequence[UUID] | None,
    ) -> tuple[list[str], list[Any]]:
        where, params = ["g.since <= ?", "(g.until IS NULL OR g.until > ?)"], [day, day]
        for clause, value in (("g.rule = ?", rule), ("g.system_id = ?", system_id), ("g.role = ?", role)):
            if value is not None:
                where.append(clause)
                params.append(value)
        if org_unit_ids is not None:
            where.append(f"s.org_unit_id IN ({', '.join('?' for _ in org_unit_ids) or 'NULL'})")
            params += list(org_unit_ids)
        return where, params

    async def counts(self, day: date) -> tuple[dict[str, int], dict[UUID, int], int]:
        """The open gaps at `day` (what `at` lists) counted three ways: by rule, by the system's org
        unit, and those of systems without a Systemejer (`no_holder` of that role)."""
        where, params = self._where(day, None, None, None, None)
        clause = " AND ".join(where)
        queries = [
            (f"SELECT g.rule, COUNT(*) AS n FROM responsibility_gaps g WHERE {clause} GROUP BY g.rule", params),
            ("SELECT s.org_unit_id, COUNT(*) AS n FROM responsibility_gaps g JOIN systems s ON s.id = g.system_id"
             f" WHERE {clause} GROUP BY s.org_unit_id", params),
            (f"SELECT COUNT(*) AS n FROM responsibility_gaps g WHERE {clause} AND g.rule = 'no_holder' AND g.role = ?",
             [*params, Role.SYSTEMEJER.value]),
        ]
        if self.reader.dialect == "postgres":  # three scans at once, on connections of the pool
            by_rule, by_unit, unowned_rows = await asyncio.gather(*(self.reader.fetch(q, *p) for q, p in queries))
        else:
            by_rule, by_unit, unowned_rows = [await self.reader.fetch(q, *p) for q, p in queries]
        unowned = unowned_rows[0] if unowned_rows else None
        return ({r["rule"]: int(r["n"]) for r in by_rule}, {UUID(str(r["org_unit_id"])): int(r["n"]) for r in by_unit},
                int(unowned["n"]) if unowned else 0)

    async def starting(self, rule: str, after: date, until: date) -> int:
        """How many gaps of `rule` begin after `after`, on or before `until` (e.g. attestations falling due)."""
        row = await self.reader.fetchrow(
            "SELECT COUNT(*) AS n FROM responsibility_gaps WHERE rule = ? AND since > ? AND since <= ?", rule, after, until,
        )
        return int(row["n"]) if row else 0


class GapsAsKnown:
    """Where responsibility was unclear as the record stood at `when`: the rules of domain/gaps.py
    (`find_gaps`, the rule the view stores the answers of) over each system's history as recorded by
    then. The same six inputs as `load_histories`, each as known at `when`: the facts (as the caller
    read them for its answers), lifecycle changes, attestations and hand-over offers recorded by then, the claims made by then (one
    answered later still open), and the directory and criticality as the changes recorded by then
    left them (domain/gaps.py: `directory_as_known`). As known now it is what the view holds
    (tests/properties/test_pack_batched.py)."""

    def __init__(self, reader: Reader, when: datetime, policy: rules.GapPolicy,
                 changes: Sequence[rules.DirectoryChange], criticality: dict[UUID, list[tuple[datetime, str]]]) -> None:
        self.reader, self.when, self.policy = reader, when, policy
        self.changes = [c for c in changes if c.recorded_at <= when]
        self.criticality = criticality
        self.units: dict[UUID, rules.OrgUnitInfo] | None = None

    async def gaps(self, ids: Sequence[UUID], known_facts: Mapping[UUID, Sequence[Fact]]) -> dict[UUID, list[rules.Gap]]:
        """The gaps of these systems as known at `when`. `known_facts`: their responsibility facts,
        each system's in position order, every one recorded so far: the caller (the pack) has read
        them for its answers, so they are not read twice."""
        if not ids:
            return {}
        when, marks = self.when, _in(list(ids))
        if self.units is None:
            self.units = {r["id"]: rules.OrgUnitInfo(r["id"], r["level"], None)
                          for r in await self.reader.fetch("SELECT id, level FROM org_units")}
        queries = (
            f"SELECT id, criticality FROM systems WHERE id IN {marks}",
            "SELECT system_id, position, lifecycle, effective_from, recorded_at FROM lifecycle_changes"
            f" WHERE system_id IN {marks}",
            "SELECT claim_id, system_id, role, person_id, made_on, made_at, answered_on, answered_at FROM claims"
            f" WHERE system_id IN {marks}",
            f"SELECT system_id, role, person_id, attested_on, recorded_at FROM attestations WHERE system_id IN {marks}",
            "SELECT offer_id, system_id, role, from_person_id, to_person_id, offered_on, offered_at, answered_on,"
            f" answered_at FROM handover_offers WHERE system_id IN {marks} ORDER BY position",
        )
        # value tuples, not dicts: a national pack reads a million of these rows
        if self.reader.dialect == "postgres":  # at once, on connections of the pool
            found = await asyncio.gather(*(self.reader.fetch_values(sql, *ids) for sql in queries))
        else:
            found = [await self.reader.fetch_values(sql, *ids) for sql in queries]
        systems, lifecycle_rows, claim_rows, attestation_rows, offer_rows = found
        facts: dict[UUID, list[Fact]] = defaultdict(list)
        facts.update((sid, [f for f in fs if f.recorded_at <= when]) for sid, fs in known_facts.items())
        lifecycle: dict[UUID, list[LifecycleChange]] = defaultdict(list)
        for sid, position, state, effective_from, recorded_at in lifecycle_rows:
            if recorded_at <= when:
                lifecycle[sid].append(LifecycleChange(position, state, effective_from))
        claims: dict[UUID, list[rules.Claim]] = defaultdict(list)
        for claim_id, sid, role, person_id, made_on, made_at, answered_on, answered_at in claim_rows:
            if made_at <= when:
                answered = answered_on if answered_at is not None and answered_at <= when else None
                claims[sid].append(rules.Claim(claim_id, role, person_id, made_on, answered))
        attestations: dict[UUID, list[rules.Attestation]] = defaultdict(list)
        for sid, role, person_id, attested_on, recorded_at in attestation_rows:
            if recorded_at <= when:
                attestations[sid].append(rules.Attestation(role, person_id, attested_on))
        offers: dict[UUID, list[rules.Offer]] = defaultdict(list)
        for offer_id, sid, role, from_id, to_id, offered_on, offered_at, answered_on, answered_at in offer_rows:
            if offered_at <= when:
                answered = answered_on if answered_at is not None and answered_at <= when else None
                offers[sid].append(rules.Offer(offer_id, role, from_id, to_id, offered_on, answered))
        held = {f.holder for fs in facts.values() for f in fs if f.holder is not None}
        people = {p: rules.PersonInfo(p, None, None) for p in held}  # type: ignore[arg-type]
        directory = rules.directory_as_known(rules.Directory(people, self.units),
                                             [c for c in self.changes if c.kind == "dissolved" or c.subject_id in held],
                                             when)
        found_gaps = {}
        for sid, criticality in systems:
            known = [c for t, c in self.criticality.get(sid, []) if t <= when]
            history = rules.SystemHistory(
                system_id=sid, criticality=known[-1] if known else criticality, lifecycle=lifecycle[sid],
                facts=facts[sid], claims=claims[sid], attestations=attestations[sid], offers=offers[sid],
            )
            found_gaps[sid] = rules.find_gaps(history, directory, self.policy)
        return found_gaps
