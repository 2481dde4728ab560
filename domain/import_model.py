"""What an import plan is made of: the store as the planner sees it (a snapshot), the new
aggregates and facts to write, and the problems found. Plain data, no behaviour to speak of."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from domain.basis import Basis

Ref = UUID | str  # an existing aggregate's id, or the plan key of one the import creates


@dataclass(frozen=True)
class KnownUnit:
    id: UUID
    name: str
    level: str
    parent_id: UUID | None = None
    dissolved: bool = False


@dataclass(frozen=True)
class KnownPerson:
    id: UUID
    name: str | None
    email: str | None
    departed: bool = False


@dataclass(frozen=True)
class KnownSystem:
    id: UUID
    name: str
    org_unit_id: UUID
    lifecycle: str | None
    criticality: str
    personal_data: bool
    vendor: str | None
    holders: Mapping[str, tuple[UUID | None, str | None]] = field(default_factory=dict)  # role -> (person, vacancy reason)
    archive_duty: str | None = None


@dataclass(frozen=True)
class Snapshot:
    units: Sequence[KnownUnit] = ()
    people: Sequence[KnownPerson] = ()
    systems: Sequence[KnownSystem] = ()


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    value: str
    kind: str  # flagged_holder | duplicate | unreadable | missing | not_recorded | kept | linked | possible_duplicate
    detail: str


@dataclass(frozen=True)
class PossibleDuplicate:
    """A cell's person who may be one already known (registered, or named in another row): not
    guessed, registered anew; `records` describes each candidate, the cell's own person first."""
    row: int
    column: str
    records: tuple[str, ...]


@dataclass(frozen=True)
class NewUnit:
    key: str
    row: int
    name: str
    level: str
    parent: Ref | None


@dataclass(frozen=True)
class NewPerson:
    key: str
    row: int
    name: str | None
    email: str | None
    title: str | None
    unit: Ref


@dataclass(frozen=True)
class NewSystem:
    key: str
    row: int
    name: str
    vendor: str | None
    unit: Ref
    criticality: str
    personal_data: bool
    lifecycle: str
    lifecycle_from: date
    in_use_from: date | None = None  # as the file states it (blank: nobody said)
    archive_duty: str | None = None


@dataclass(frozen=True)
class Change:
    """One fact to record on a system: `assign` (person), `vacate` (reason), `lifecycle`, `details`
    or `archive_duty` (in `reason`)."""

    kind: str
    row: int
    system: Ref
    role: str | None = None
    person: Ref | None = None
    reason: str | None = None
    lifecycle: str | None = None
    effective_from: date | None = None
    details: tuple[str | None, str, bool] | None = None  # `details`: (vendor, criticality, personal data)
    why: Basis | None = None  # `vacate`: why the role is recorded vacant (the reason is the source's own text)
    expected: Any = None  # what the plan saw on an existing system (holder, lifecycle or details): checked on apply


@dataclass
class Plan:
    rows_read: int = 0
    units: list[NewUnit] = field(default_factory=list)
    people: list[NewPerson] = field(default_factory=list)
    systems: list[NewSystem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    matched_systems: set[UUID] = field(default_factory=set)
    matched_people: set[UUID] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    possible_duplicates: list[PossibleDuplicate] = field(default_factory=list)

    @property
    def writes_nothing(self) -> bool:
        return not (self.units or self.people or self.systems or self.changes)

    def count(self, kind: str) -> int:
        return sum(1 for p in self.problems if p.kind == kind)

    def fact_counts(self) -> dict[str, int]:
        """How many facts of each kind it writes, by the names the reports give them."""
        kinds = Counter(c.kind for c in self.changes)
        return {"assignments": kinds["assign"], "vacancies": kinds["vacate"], "lifecycle_changes": kinds["lifecycle"],
                "details_changes": kinds["details"], "archive_duty_changes": kinds["archive_duty"]}
