"""`ansvar verify`'s look at the names beside the log: does every person's row in the directory
(name, e-mail) match the salted digests the latest event about them committed to?

The events are seen as verify reads them for their leaves (`PeopleSeen.watch`), so only events
whose leaves verified are trusted, and the log is read once. After that the directory and the
salts (infra/people_directory.py) are read and each person is held to their latest event:
- registered, corrected, or committed by the upgrade: the row is there, not erased, and its name
  and e-mail hash, with the salts kept for that event, to the event's digests;
- erased: the row holds no name or e-mail any more, and no salt is left;
- registered before names were committed, and not yet committed by the upgrade: not verified,
  and said so (the upgrade runs when ansvar starts).
A row for an id the log never registered is named too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from domain.org import Person
from domain.person_details import salted_digest

_HOW = {Person.Registered.TOPIC: "registered", Person.DetailsCorrected.TOPIC: "corrected",
        Person.DetailsCommitted.TOPIC: "upgrade", Person.DetailsErased.TOPIC: "erased"}


@dataclass(frozen=True)
class _Latest:
    position: int
    how: str  # registered | corrected | upgrade | erased | uncommitted (a registration made before)
    name_digest: str | None = None
    email_digest: str | None = None


@dataclass
class Directory:
    """The directory's rows (person id -> name, e-mail, erased) and the salts kept beside the log."""

    rows: dict[UUID, tuple[str | None, str | None, bool]] = field(default_factory=dict)
    salts: dict[tuple[UUID, int, str], bytes] = field(default_factory=dict)


class PeopleSeen:
    def __init__(self) -> None:
        self.latest: dict[UUID, _Latest] = {}
        self.last = 0  # the position of the last event seen

    def moved_since(self, events: Iterable[Any]) -> set[UUID]:
        """The people whom events after the ones seen register, correct or erase (written while
        verify ran): their rows may already be the newer ones."""
        return {UUID(str(e.originator_id)) for e in events if e.topic in _HOW}

    def watch(self, events: Iterable[Any]) -> Iterator[Any]:
        """The events, unchanged, noting each person's latest registration, correction or erasure."""
        for e in events:
            self.last = e.position
            how = _HOW.get(e.topic)
            if how is not None:
                self._see(e, how)
            yield e

    def _see(self, e: Any, how: str) -> None:
        person = UUID(str(e.originator_id))
        if how == "erased":
            self.latest[person] = _Latest(e.position, how)
            return
        state = json.loads(e.state)
        if not isinstance(state.get("name_digest"), str):
            how = "uncommitted"
        self.latest[person] = _Latest(e.position, how, state.get("name_digest"), state.get("email_digest"))

    def check(self, directory: Directory, moved: set[UUID] | None = None,
              ) -> tuple[list[tuple[int | None, str]], list[str], list[str]]:
        """(findings as (position, problem), lines of what was checked, lines of what was not).
        `moved`: people changed by events after the ones seen; a difference there is not a finding."""
        moved = moved or set()
        findings: list[tuple[int | None, str]] = []
        changing: list[UUID] = []
        kept = {person for person, _, _ in directory.salts}
        matched, upgraded, erased, uncommitted = 0, [], 0, []
        for person, latest in self.latest.items():
            row = directory.rows.get(person)
            problem = _problem(person, latest, row, directory.salts, person in kept)
            if problem is not None and person in moved:
                changing.append(person)
            elif problem is not None:
                findings.append((latest.position, f"person {person}: {problem}"))
            elif latest.how == "uncommitted":
                uncommitted.append(latest.position)
            elif latest.how == "erased":
                erased += 1
            else:
                matched += 1
                if latest.how == "upgrade":
                    upgraded.append(latest.position)
        for person in directory.rows.keys() - self.latest.keys() - moved:
            findings.append((None, f"person {person}: the directory has details for an id the log never registered"))
        checked = [f"{matched} people's names and e-mail addresses match what the log committed to"
                   + (f", {len(upgraded)} of them only since the upgrade that began committing names (positions"
                      f" {min(upgraded)}-{max(upgraded)}): what they were named before that is not proven"
                      if upgraded else "")
                   + f"; {erased} erased, as the log records"]
        unchecked = [f"{len(uncommitted)} people registered before names were committed (positions"
                     f" {min(uncommitted)}-{max(uncommitted)}) have names and e-mail addresses no event commits to:"
                     " not verified (ansvar commits them when it next starts)"] if uncommitted else []
        unchecked += [f"person {person}: registered, corrected or erased while verify ran: verify again"
                      for person in changing]
        return sorted(findings, key=lambda f: (f[0] is None, f[0] or 0)), checked, unchecked


def _problem(person: UUID, latest: _Latest, row: tuple[str | None, str | None, bool] | None,
             salts: dict[tuple[UUID, int, str], bytes], salted: bool) -> str | None:
    at = latest.position
    if latest.how == "erased":
        if row is not None and (row[0] is not None or row[1] is not None or not row[2]):
            return f"the log records the erasure of their name and e-mail (position {at}), but the directory holds them"
        if salted:
            return f"erased (position {at}), but salts of their name or e-mail are still kept"
        return None
    if row is None:
        return "the log registered them, but the directory has no row for them (deleted)"
    name, email, erased = row
    if erased:
        return (f"erased in the directory, but the log records no erasure after position {at} (an erasure whose"
                " event was lost is recorded by asking for it again)")
    if latest.how == "uncommitted":
        return None
    if _differs(salts.get((person, at, "name")), name, latest.name_digest):
        return f"the name in the directory is not the one the log committed to at position {at}"
    if _differs(salts.get((person, at, "email")), email, latest.email_digest):
        return f"the e-mail address in the directory is not the one the log committed to at position {at}"
    return None


def _differs(salt: bytes | None, text: str | None, digest: str | None) -> bool:
    if digest is None or text is None:
        return digest != text  # neither committed nor held: the same
    return salt is None or salted_digest(salt, text) != digest


def read_directory(proofs: Any) -> Directory | None:
    """The directory beside a stored log (the SQL stores), read in one transaction; None where
    there is none to read (the in-memory store, an export)."""
    tree, recorder = getattr(proofs, "tree", None), getattr(proofs, "recorder", None)
    if tree is None or recorder is None:
        return None
    postgres = tree.d.kind == "postgres"
    prefix = '"' + recorder.datastore.schema.replace('"', '""') + '".' if postgres else ""
    directory = Directory()
    with recorder.datastore.transaction(commit=False) as cur:
        if not _exists(cur, postgres, prefix, "person_details"):
            return None
        cur.execute(f"SELECT person_id, name, email, erased_at FROM {prefix}person_details")
        for r in cur.fetchall():
            directory.rows[UUID(str(_get(r, "person_id", 0)))] = (
                _get(r, "name", 1), _get(r, "email", 2), _get(r, "erased_at", 3) is not None)
        if _exists(cur, postgres, prefix, "person_salts"):
            cur.execute(f"SELECT person_id, position, field, salt FROM {prefix}person_salts")
            for r in cur.fetchall():
                key = (UUID(str(_get(r, "person_id", 0))), int(_get(r, "position", 1)), _get(r, "field", 2))
                directory.salts[key] = bytes(_get(r, "salt", 3))
    return directory


def _exists(cur: Any, postgres: bool, prefix: str, table: str) -> bool:
    if postgres:
        cur.execute("SELECT to_regclass(%s) AS found", (prefix + table,))
        return _get(cur.fetchone(), "found", 0) is not None
    cur.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
    return cur.fetchone() is not None


def _get(row: Any, key: str, i: int) -> Any:
    try:
        return row[key]
    except (TypeError, IndexError, KeyError):
        return row[i]
