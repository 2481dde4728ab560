"""Helpers for the fault tests: a quick bulk history, and a checksum over the views' tables."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from domain.org import OrgUnit, Person
from domain.systems import System
from domain.vocabulary import Role
from tests.story import day

ROLES = [r.value for r in Role]
#: When the written history starts: years before today, as in the stories.
START = day("2018-01-01")


def write_history(portfolio: Any, systems: int, facts_per_system: int, chunk: int = 40) -> int:
    """Write a history straight through the application, many aggregates per save (fast), and
    return the log head. Deterministic in everything but ids and record times."""
    with portfolio.recording():
        return _write_history(portfolio, systems, facts_per_system, chunk)


def _write_history(portfolio: Any, systems: int, facts_per_system: int, chunk: int) -> int:
    unit = OrgUnit(name="Testkommune", level="kommune", parent_id=None, meta={})
    people = [Person(org_unit_id=unit.id, title=None, meta={}) for _ in range(12)]
    portfolio.save(unit, *people)
    batch = []
    for i in range(systems):
        system = System(
            name=f"System {i:05d}", vendor=None, org_unit_id=unit.id, criticality="critical" if i % 3 else "low",
            personal_data=bool(i % 2), lifecycle="in_operation", lifecycle_from=START, meta={},
        )
        for j in range(facts_per_system):
            start = START + timedelta(days=37 * j + i % 29)
            role = ROLES[(i + j) % len(ROLES)]
            if j % 7 == 6:
                system.vacate(role, start, None, "left", {})
            else:
                system.assign(role, people[(i * 7 + j) % len(people)].id, start, None, None, None, {})
        batch.append(system)
        if len(batch) == chunk:
            portfolio.save(*batch)
            batch = []
    if batch:
        portfolio.save(*batch)
    return portfolio.recorder.max_notification_id()


def checksum(db: Any, views: Any) -> tuple[str, dict[str, int]]:
    """A digest of every view table's rows in a fixed order, and each table's row count."""
    digest, counts = hashlib.sha256(), {}
    with db.transaction(write=False) as cur:
        for view in views:
            for table in view.tables:
                cur.execute(f"SELECT * FROM {table}")
                rows = sorted(repr(sorted((k, _plain(v)) for k, v in row.items())) for row in cur.fetchall())
                counts[table] = len(rows)
                digest.update(table.encode())
                for row in rows:
                    digest.update(row.encode())
    return digest.hexdigest(), counts


def _plain(value: Any) -> str:
    # One spelling per value on both backends (PostgreSQL gives UUID/datetime objects, SQLite too
    # through the converters; bool and int may differ in type but not in meaning).
    if isinstance(value, bool):
        return str(int(value))
    return str(value)
