"""The system register: registering systems and moving their lifecycle."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.commands import SYSTEM, Actor, Commands, Receipt, command
from domain.errors import SystemNameTaken, SystemNotFound
from domain.identity import identity_key, look_alike
from domain.systems import System, SystemLookAlike, SystemName


class SystemCommands(Commands):
    @command
    def register_system(
        self, name: str, vendor: str | None, org_unit_id: UUID, criticality: str, personal_data: bool,
        lifecycle: str, lifecycle_from: date | None = None, actor: Actor = SYSTEM,
    ) -> Receipt:
        """Register a system; a second system of the same name in the same org unit is refused."""
        self._dates(lifecycle_from=lifecycle_from)
        self._open_unit(org_unit_id, "org_unit_id")
        system = System(
            name=name.strip(), vendor=vendor, org_unit_id=org_unit_id, criticality=criticality,
            personal_data=personal_data, lifecycle=lifecycle, lifecycle_from=lifecycle_from or self.today(),
            meta=actor.meta(), in_use_from=lifecycle_from,
        )
        reservations = self.name_reservations(org_unit_id, name.strip(), system.id, actor.meta(), "name")
        try:
            return self._receipt(self.save(system, *reservations), system.id)
        except IntegrityError:
            raise self._name_taken(org_unit_id, name.strip(), reservations, "name") from None

    def name_reservations(
        self, org_unit_id: UUID, name: str, system_id: UUID, meta: dict | None, field: str, *, check: bool = True,
    ) -> list[SystemName | SystemLookAlike]:
        """What a new system's name reserves in its org unit: the name, and what it looks like. A
        name that looks like one the unit has (reserved, or in the register from before look-alikes
        were reserved) is refused, naming that system. An import, whose plan has compared every row with
        the register already, does not `check` again: its save fails on a reservation taken meanwhile."""
        reservations = [SystemName(org_unit_id=org_unit_id, name=name, system_id=system_id, meta=meta),
                        SystemLookAlike(org_unit_id=org_unit_id, key=identity_key(name, self.skeleton), name=name,
                                        system_id=system_id, meta=meta)]
        if not check:
            return reservations
        if any(self._maybe(r.id) is not None for r in reservations):
            raise self._name_taken(org_unit_id, name, reservations, field)
        if self.systems_in_unit is not None:
            found = look_alike(name, self.systems_in_unit(org_unit_id), self.skeleton)
            if found is not None:
                raise _taken(org_unit_id, name, found[0], found[1], field)
        return reservations

    def _name_taken(self, org_unit_id: UUID, name: str, reservations: list, field: str) -> SystemNameTaken:
        for r in reservations:
            taken = self._maybe(r.id)
            if taken is not None:
                shown = getattr(taken, "name", None) or self._maybe(taken.system_id).name
                return _taken(org_unit_id, name, taken.system_id, shown, field)
        return SystemNameTaken(field=field, org_unit_id=str(org_unit_id), name=name)

    def system(self, system_id: UUID) -> System:
        return self._existing(System, system_id, SystemNotFound)

    @command
    def change_lifecycle(self, system_id: UUID, lifecycle: str, effective_from: date, actor: Actor = SYSTEM) -> Receipt:
        """Move a system to a lifecycle state from a date (which may be past or future)."""
        self._dates(effective_from=effective_from)
        return self._update(
            System, system_id, SystemNotFound, lambda s: s.change_lifecycle(lifecycle, effective_from, actor.meta())
        )


def _taken(org_unit_id: UUID, name: str, existing_id: UUID, existing_name: str, field: str) -> SystemNameTaken:
    same = " ".join(name.split()).casefold() == " ".join(existing_name.split()).casefold()
    if same:
        return SystemNameTaken(field=field, org_unit_id=str(org_unit_id), name=name, existing_id=str(existing_id),
                               existing_name=existing_name)
    return SystemNameTaken("system-name-looks-taken", field=field, org_unit_id=str(org_unit_id), name=name,
                           existing_id=str(existing_id), existing_name=existing_name)
