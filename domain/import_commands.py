"""Carry out an import plan (domain/import_plan.py): every aggregate it touches, saved in ONE save.

The library records all pending events of one `save(*aggregates)` in a single database
transaction, so an import is written all or nothing. New aggregates and the changed existing
ones are built in memory first (their own rules run then, before anything is written). The plan was computed from the views, so
every touched system is checked against what the plan saw (holder, lifecycle, details) when it
is loaded here; and if any stream moves between loading and saving, or a system name is taken
meanwhile, the library's optimistic concurrency fails the save as a whole. Either way the caller
gets a 409 asking to re-run the import, and nothing was written. (Two imports creating the same
new person at the same moment can still both create one: people have no natural unique key.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.basis import Basis, BasisCode
from domain.commands import SYSTEM, Actor, Commands, Receipt, command
from domain.errors import ConcurrentChange, SystemNotFound
from domain.import_model import Change, Plan, Ref
from domain.org import OrgUnit, Person
from domain.person_details import Commitment
from domain.systems import System


class ImportCommands(Commands):
    @command
    def import_inventory(self, plan: Plan, source: dict[str, Any], actor: Actor = SYSTEM,
                         sources: Mapping[int, dict[str, Any]] | None = None) -> Receipt | None:
        """Write an import plan all or nothing; None if it changes nothing. Every event carries
        meta["source"] = {file, sha256, row}, or, for a sync, the row's own provenance (`sources`:
        the KITOS address, the entity's uuid and lastModified)."""
        recordings = self._apply(plan, actor, source, sources or {})
        return self._receipt(recordings) if recordings else None

    def _apply(self, plan: Plan, actor: Actor, source: dict[str, Any], sources: Mapping[int, dict[str, Any]]) -> list:
        def meta(row: int) -> dict[str, Any]:
            return replace(actor, source={**source, **sources.get(row, {}), "row": row}).meta()

        ids: dict[str, UUID] = {}
        recorded_by = Basis(BasisCode.KITOS if source.get("kitos") else BasisCode.IMPORT)

        def resolve(ref: Ref | None) -> UUID | None:
            return ref if ref is None or isinstance(ref, UUID) else ids[ref]

        pending: list[Any] = []
        for u in plan.units:
            unit = OrgUnit(name=u.name, level=u.level, parent_id=resolve(u.parent), meta=meta(u.row))
            ids[u.key] = unit.id
            pending.append(unit)
        details = []
        for p in plan.people:
            commitment = Commitment.of(p.name or p.email or "", p.email)
            person, committed = Person.register(resolve(p.unit), p.title, commitment, meta(p.row))  # type: ignore[arg-type]
            ids[p.key] = person.id
            details.append(committed)
            pending.append(person)
        systems: dict[UUID, System] = {}
        for s in plan.systems:
            unit_id = resolve(s.unit)
            system = System(
                name=s.name, vendor=s.vendor, org_unit_id=unit_id, criticality=s.criticality,
                personal_data=s.personal_data, lifecycle=s.lifecycle, lifecycle_from=s.lifecycle_from, meta=meta(s.row),
                in_use_from=s.in_use_from,
            )
            if s.archive_duty:
                system.state_archive_duty(s.archive_duty, meta(s.row))
            ids[s.key] = system.id
            systems[system.id] = system
            pending += self.name_reservations(unit_id, s.name, system.id, meta(s.row), "name", check=False)
        for c in plan.changes:
            system_id = resolve(c.system)
            assert system_id is not None
            if system_id not in systems:
                systems[system_id] = self._existing(System, system_id, SystemNotFound)
            system = systems[system_id]
            if isinstance(c.system, UUID):
                _still_as_planned(system, c, self.today())
            if c.kind == "assign":
                person_id = resolve(c.person)
                assert person_id is not None and c.role and c.effective_from
                system.assign(c.role, person_id, c.effective_from, None, None, None, meta(c.row), why=recorded_by)
            elif c.kind == "vacate":
                assert c.role and c.effective_from and c.reason
                system.vacate(c.role, c.effective_from, None, c.reason, meta(c.row), c.why or recorded_by)
            elif c.kind == "details":
                assert c.details is not None
                system.change_details(*c.details, meta(c.row))
            elif c.kind == "archive_duty":
                system.state_archive_duty(c.reason, meta(c.row))
            else:
                assert c.lifecycle and c.effective_from
                system.change_lifecycle(c.lifecycle, c.effective_from, meta(c.row))
        pending += systems.values()
        try:
            return self.save(*pending, people=details) if pending else []
        except IntegrityError:
            raise ConcurrentChange("register-changed-during-import") from None


def _still_as_planned(system: System, c: Change, today: date) -> None:
    """The plan was computed from the views; refuse to write over anything that moved since."""
    if c.kind in ("assign", "vacate"):
        now: Any = system.holder(c.role or "", today)
    elif c.kind == "lifecycle":
        now = system.stated_lifecycle(today)
    elif c.kind == "archive_duty":
        now = getattr(system, "archive_duty", None)
    else:
        now = (system.vendor, system.criticality, system.personal_data)
    if now != c.expected:
        raise ConcurrentChange("system-changed-since-plan", field="file", system_id=str(system.id), row=c.row)
