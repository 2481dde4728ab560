"""The gaps view's rows for many systems at once: the rules of domain/gaps.py over each history,
in forked worker processes when a rebuild hands over every system of the country.

The rules are pure Python over data already in memory, and on a rebuild nothing else runs while
they do (the other views are written; the database waits): one process per core computes a
share of the systems. The workers are forked, so they read the histories the parent assembled
without copying them over; only the rows come back.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from typing import Any

import msgspec

from domain import gaps as rules

#: Below this many systems a worker costs more than it saves.
PARALLEL_FROM = 5_000

_shared: tuple[Sequence[rules.SystemHistory], rules.Directory, rules.GapPolicy] | None = None


def gap_rows(histories: Sequence[rules.SystemHistory], directory: rules.Directory, policy: rules.GapPolicy,
             processes: int = 1) -> list[tuple[Any, ...]]:
    """Rows of responsibility_gaps (system_id, rule, role, since, until, severity, detail, person_id,
    claim_ids, fact_positions) for these systems, in their order."""
    if processes < 2 or len(histories) < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return _rows(histories, directory, policy)
    global _shared
    _shared = (histories, directory, policy)
    try:
        step = -(-len(histories) // (processes * 4))  # a few shares a process: a slow share waits less
        shares = [(start, min(start + step, len(histories))) for start in range(0, len(histories), step)]
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            parts = pool.map(_share, shares)
    finally:
        _shared = None
    return [row for part in parts for row in part]


def processes_for_rebuild() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _share(bounds: tuple[int, int]) -> list[tuple[Any, ...]]:
    assert _shared is not None  # set by the parent before the fork
    histories, directory, policy = _shared
    return _rows(histories[bounds[0]:bounds[1]], directory, policy)


def _rows(histories: Sequence[rules.SystemHistory], directory: rules.Directory,
          policy: rules.GapPolicy) -> list[tuple[Any, ...]]:
    return [
        (h.system_id, g.rule, g.role, g.since, g.until, g.severity, g.detail, g.person_id,
         _json([str(c) for c in g.claims]), _json(list(g.facts)))
        for h in histories
        for g in rules.find_gaps(h, directory, policy)
    ]


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()
