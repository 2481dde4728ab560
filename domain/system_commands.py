"""The system register: registering systems and moving their lifecycle."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.commands import SYSTEM, Actor, Commands, Receipt, command
from domain.errors import SystemNameTaken, SystemNotFound
from domain.systems import System, SystemName


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
        reservation = SystemName(org_unit_id=org_unit_id, name=name, system_id=system.id, meta=actor.meta())
        try:
            return self._receipt(self.save(system, reservation), system.id)
        except IntegrityError:
            taken = self.repository.get(reservation.id)
            raise SystemNameTaken(
                f"org unit {org_unit_id} already has a system named {name!r}",
                field="name", existing_id=str(taken.system_id),
            ) from None

    def system(self, system_id: UUID) -> System:
        return self._existing(System, system_id, SystemNotFound)

    @command
    def change_lifecycle(self, system_id: UUID, lifecycle: str, effective_from: date, actor: Actor = SYSTEM) -> Receipt:
        """Move a system to a lifecycle state from a date (which may be past or future)."""
        self._dates(effective_from=effective_from)
        return self._update(
            System, system_id, SystemNotFound, lambda s: s.change_lifecycle(lifecycle, effective_from, actor.meta())
        )
