"""Plan an inventory import: compare the spreadsheet's rows with what the store already holds.

Pure: the rows, a snapshot of the store and today's date go in; a plan (what to create, which
facts to record, every problem with its row, column and value) comes out. Nothing is written
here, so a dry run and `--apply` see exactly the same plan.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from domain import inventory as inv
from domain.import_model import (  # noqa: F401  (re-exported: the plan's vocabulary)
    Change,
    KnownPerson,
    KnownSystem,
    KnownUnit,
    NewPerson,
    NewSystem,
    NewUnit,
    Plan,
    Problem,
    Ref,
    Snapshot,
)
from domain.vocabulary import Criticality, Lifecycle, OrgLevel

Row = tuple[int, Mapping[str, Any]]
#: What a new system gets when the file leaves a required value blank, unknown or unreadable (reported).
_FALLBACK = {"criticality": "medium", "lifecycle": "in_operation", "personal_data": "yes (personal data assumed)"}  # (row number in the sheet, field -> raw cell)


def plan_import(
    rows: Sequence[Row], headers: Mapping[str, str], snapshot: Snapshot, today: date,
    progress: Callable[[int, int], None] | None = None,
) -> Plan:
    """What importing these rows would change. `headers` maps each field to its column's header."""
    return _Planner(headers, snapshot, today, progress).run(rows)


class _Planner:
    def __init__(self, headers: Mapping[str, str], snapshot: Snapshot, today: date, progress: Any = None) -> None:
        self.headers, self.snapshot, self.today, self.progress = headers, snapshot, today, progress
        self.plan = Plan()
        self.units: dict[tuple[str, Ref | None, str], Ref] = {}
        for u in snapshot.units:
            parent = u.parent_id if u.level != OrgLevel.FORVALTNING else None  # a forvaltning is found by name
            self.units.setdefault((u.level, parent, inv.normalise_name(u.name)), u.id)
        self.systems = {(s.org_unit_id, inv.normalise_name(s.name)): s for s in snapshot.systems}
        self.people: dict[str, Ref] = {}
        self.by_name: dict[str, list[KnownPerson]] = {}
        for p in snapshot.people:
            self.people[f"id:{p.id}"] = p.id
            if p.email:
                self.people.setdefault(f"email:{p.email.casefold()}", p.id)
            if p.name:
                self.by_name.setdefault(inv.normalise_name(p.name), []).append(p)
        self.departed = {p.id for p in snapshot.people if p.departed}
        self.dissolved = {u.id for u in snapshot.units if u.dissolved}

    def run(self, rows: Sequence[Row]) -> Plan:
        names = {inv.normalise_name(u.name) for u in self.snapshot.units}
        for _, cells in rows:
            names |= {inv.normalise_name(str(cells[f])) for f in ("forvaltning", "afdeling", "team") if not inv.blank(cells.get(f))}
        self.unit_names = frozenset(names)
        first_row: dict[str, int] = {}
        for done, (number, cells) in enumerate(rows, 1):
            if self.progress:
                self.progress(done, len(rows))
            if all(inv.blank(v) for v in cells.values()):
                continue
            self.plan.rows_read += 1
            if inv.blank(cells.get("name")):
                self._problem(number, "name", "", "missing", "no system name: row skipped")
                continue
            key = inv.normalise_name(str(cells["name"]))
            if key in first_row:
                self._problem(number, "name", cells["name"], "duplicate", f"the same system as row {first_row[key]}: not imported twice")
                continue
            first_row[key] = number
            self._row(number, cells)
        return self.plan

    # One row ------------------------------------------------------------------------------------

    def _row(self, number: int, cells: Mapping[str, Any]) -> None:
        unit = self._unit(number, cells)
        if unit is None:
            return
        name = " ".join(str(cells["name"]).split())
        values = self._values(number, cells)
        existing = self.systems.get((unit, inv.normalise_name(name))) if isinstance(unit, UUID) else None
        if existing is None and unit in self.dissolved:
            self._problem(number, "name", cells["name"], "missing", "a new system in an org unit that has been dissolved: row skipped")
            return
        if existing is None:
            system: Ref = f"system:{number}"
            self.plan.systems.append(NewSystem(
                system, number, name, _text(cells.get("vendor")), unit,
                values.get("criticality") or Criticality.MEDIUM, values.get("personal_data") is not False,
                values.get("lifecycle") or Lifecycle.IN_OPERATION, values.get("in_use_from") or self.today,
                values.get("in_use_from"),
            ))
        else:
            system = existing.id
            self.plan.matched_systems.add(existing.id)
            self._compare(number, cells, existing, values)
        for role in inv.ROLE_FIELDS:
            if role in cells:
                self._holder(number, cells, role, system, existing, unit)

    def _unit(self, number: int, cells: Mapping[str, Any]) -> Ref | None:
        parent: Ref | None = None
        for level in ("forvaltning", "afdeling", "team"):
            if inv.blank(cells.get(level)):
                continue
            name = " ".join(str(cells[level]).split())
            found = self.units.get((level, parent, inv.normalise_name(name)))
            if found is None and parent in self.dissolved:
                self._problem(number, level, name, "missing", "would sit under an org unit that has been dissolved: row skipped")
                return None
            if found is None:
                found = f"unit:{level}:{parent}:{inv.normalise_name(name)}"
                self.plan.units.append(NewUnit(found, number, name, level, parent))
                self.units[(level, parent, inv.normalise_name(name))] = found
            parent = found
        if parent is None:
            self._problem(number, "forvaltning", "", "missing", "no forvaltning or afdeling: the system has no org unit; row skipped")
        return parent

    def _values(self, number: int, cells: Mapping[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, read in (("criticality", inv.criticality), ("lifecycle", inv.lifecycle), ("personal_data", inv.yes_no),
                           ("in_use_from", inv.day), ("archive_duty", inv.archive_duty)):
            if name not in cells:
                continue
            fallback = _FALLBACK.get(name)
            outcome = f"a new system gets {fallback}, a registered one keeps its value" if fallback else "ignored"
            try:
                values[name] = read(cells[name])
            except inv.NotUnderstood as exc:
                self._problem(number, name, cells[name], "unreadable", f"{exc}: {outcome}")
                continue
            if values[name] is None and fallback:
                self._problem(number, name, cells[name], "missing", f"not given or unknown: {outcome}")
        return values

    def _compare(self, number: int, cells: Mapping[str, Any], known: KnownSystem, values: dict[str, Any]) -> None:
        if values.get("lifecycle") and values["lifecycle"] != known.lifecycle:
            self.plan.changes.append(Change(
                "lifecycle", number, known.id, lifecycle=values["lifecycle"], effective_from=self.today, expected=known.lifecycle
            ))
        now = (known.vendor, known.criticality, known.personal_data)
        given = (_text(cells.get("vendor")), values.get("criticality"), values.get("personal_data"))
        # A blank or unknown cell keeps what the register says; only values the file states are differences.
        wanted = tuple(g if g is not None else n for g, n in zip(given, now))
        if wanted != now:
            self.plan.changes.append(Change("details", number, known.id, details=wanted, expected=now))  # type: ignore[arg-type]

    def _holder(self, number: int, cells: Mapping[str, Any], role: str, system: Ref, known: KnownSystem | None, unit: Ref) -> None:
        raw = cells[role]
        since = None
        if not inv.blank(cells.get(f"{role}_since")):
            try:
                since = inv.day(cells[f"{role}_since"])
            except inv.NotUnderstood as exc:
                self._problem(number, f"{role}_since", cells[f"{role}_since"], "unreadable", str(exc))
        read = inv.holder(raw, self.unit_names)
        current = known.holders.get(role) if known else None
        if read is None:
            if current and current[0] is not None:
                self._problem(number, role, "", "kept", "blank here, but the register names a holder: kept")
            return
        if isinstance(read, inv.Vacant):  # the file says so itself (as our exports write it): no problem
            self._vacate(number, system, role, read.reason, current, since)
            return
        person = self._person(number, role, read, unit) if isinstance(read, inv.PersonRef) else read
        if isinstance(person, inv.Unresolved):
            self._problem(number, role, raw, "flagged_holder", f"{person.why}: the role stays unassigned")
            self._vacate(number, system, role, raw, current, since)
            return
        if current is not None and current[0] == person:
            return
        if person in self.departed:
            self._problem(number, role, raw, "flagged_holder", "has left the organisation: the role stays unassigned")
            self._vacate(number, system, role, raw, current, since)
            return
        self.plan.changes.append(Change(
            "assign", number, system, role, person=person, effective_from=since or self.today,
            expected=current[0] if current else None,
        ))

    def _vacate(self, number: int, system: Ref, role: str, raw: Any, current: Any, since: date | None) -> None:
        # The cell's own text is the recorded reason, so the gap report shows what the file said.
        reason = " ".join(str(raw).split())
        if current != (None, reason):
            self.plan.changes.append(Change(
                "vacate", number, system, role, reason=reason, effective_from=since or self.today,
                expected=current[0] if current else None,
            ))

    def _person(self, number: int, role: str, ref: inv.PersonRef, unit: Ref) -> Ref | inv.Unresolved:
        text = ref.email or ref.name or str(ref.person_id)
        found = self.people.get(ref.key)
        if found is None and ref.person_id:
            return inv.Unresolved(text, "is not a known person id")
        if found is None and ref.email is None:
            same = self.by_name.get(inv.normalise_name(ref.name or ""), [])
            if len(same) > 1:
                return inv.Unresolved(ref.name or text, f"{len(same)} people have this name")
            found = same[0].id if same else None
        if found is None:
            found = ref.key
            self.plan.people.append(NewPerson(ref.key, number, ref.name, ref.email, ref.title, unit))
            self.people[ref.key] = found
        elif isinstance(found, UUID):
            self.plan.matched_people.add(found)
        return found

    def _problem(self, row: int, field_: str, value: Any, kind: str, detail: str) -> None:
        column = self.headers.get(field_, field_)
        self.plan.problems.append(Problem(row, column, "" if value is None else str(value), kind, detail))


def _text(value: Any) -> str | None:
    return None if inv.blank(value) else " ".join(str(value).split())
