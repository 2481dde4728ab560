"""Plan an inventory import: compare the spreadsheet's rows with what the store already holds.

Pure: the rows, a snapshot of the store and today's date go in; a plan (what to create, which
facts to record, every problem with its row, column and value) comes out. Nothing is written
here, so a dry run and `--apply` see exactly the same plan.
"""

from __future__ import annotations

import re

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
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
from domain.identity import Skeleton, identity_key, no_confusables
from domain.import_model import PossibleDuplicate
from domain.person_match import address_key, candidates, home_domains, name_keys, spelling_index
from domain.vocabulary import Criticality, Lifecycle, OrgLevel

Row = tuple[int, Mapping[str, Any]]
#: What a new system gets when the file leaves a required value blank, unknown or unreadable (reported).
_FALLBACK = {"criticality": "medium", "lifecycle": "in_operation", "personal_data": "yes (personal data assumed)"}  # (row number in the sheet, field -> raw cell)


def plan_import(
    rows: Sequence[Row], headers: Mapping[str, str], snapshot: Snapshot, today: date,
    progress: Callable[[int, int], None] | None = None, skeleton: Skeleton = no_confusables,
) -> Plan:
    """What importing these rows would change. `headers` maps each field to its column's header.
    Systems, people's names and e-mail addresses are compared by domain/identity.py's key, with
    `skeleton` (Unicode's confusables): a name that looks like a registered one is that one."""
    return _Planner(headers, snapshot, today, progress, skeleton).run(rows)


class _Planner:
    def __init__(self, headers: Mapping[str, str], snapshot: Snapshot, today: date, progress: Any = None,
                 skeleton: Skeleton = no_confusables) -> None:
        self.headers, self.snapshot, self.today, self.progress = headers, snapshot, today, progress
        self.skeleton = skeleton
        self.plan = Plan()
        self.units: dict[tuple[str, Ref | None, str], Ref] = {}
        for u in snapshot.units:
            parent = u.parent_id if u.level != OrgLevel.FORVALTNING else None  # a forvaltning is found by name
            self.units.setdefault((u.level, parent, inv.normalise_name(u.name)), u.id)
        self.systems: dict[tuple[UUID, str], KnownSystem] = {}
        for s in snapshot.systems:  # of look-alikes registered before they were refused, the first
            self.systems.setdefault((s.org_unit_id, self._same(s.name)), s)
        self.email_owners: dict[str, list[UUID]] = {}
        self.people: dict[str, Ref] = {}
        self.by_name: dict[str, list[KnownPerson]] = {}
        for p in snapshot.people:
            self.people[f"id:{p.id}"] = p.id
            if p.email:
                self.email_owners.setdefault(self._same(p.email), []).append(p.id)
            if p.name:
                self.by_name.setdefault(self._same(p.name), []).append(p)
        self.new_people: dict[str, NewPerson] = {}  # the people this file creates, by key
        self.new_by_name: dict[str, list[str]] = {}  # and their keys by name
        self.departed = {p.id for p in snapshot.people if p.departed}
        self.known_people = {p.id: p for p in snapshot.people}
        self.named_by_key, self.addressed_by_key = spelling_index(snapshot.people)  # the spelling rule's index
        self.dissolved = {u.id for u in snapshot.units if u.dissolved}

    def run(self, rows: Sequence[Row]) -> Plan:
        names = {inv.normalise_name(u.name) for u in self.snapshot.units}
        for _, cells in rows:
            names |= {inv.normalise_name(str(cells[f])) for f in ("forvaltning", "afdeling", "team") if not inv.blank(cells.get(f))}
        self.unit_names = frozenset(names)
        given = [m for _, cells in rows for f in inv.ROLE_FIELDS for m in _EMAIL.findall(str(cells.get(f) or ""))]
        self.domains = home_domains([p.email for p in self.snapshot.people if p.email], given)
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
            named = {f: str(cells[f]) for f in ("name", "forvaltning", "afdeling", "team") if not inv.blank(cells.get(f))}
            if bad := next(((f, c) for f, v in named.items() if (c := inv.control_character(v))), None):
                self._problem(number, bad[0], named[bad[0]], "unreadable",
                              f"a control character ({bad[1]}) in the name: row skipped (names hold none)")
                continue
            key = self._same(str(cells["name"]))
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
        existing = self.systems.get((unit, self._same(name))) if isinstance(unit, UUID) else None
        if existing is None and unit in self.dissolved:
            self._problem(number, "name", cells["name"], "missing", "a new system in an org unit that has been dissolved: row skipped")
            return
        if existing is None:
            system: Ref = f"system:{number}"
            self.plan.systems.append(NewSystem(
                system, number, name, _text(cells.get("vendor")), unit,
                values.get("criticality") or Criticality.MEDIUM, values.get("personal_data") is not False,
                values.get("lifecycle") or Lifecycle.IN_OPERATION, values.get("in_use_from") or self.today,
                values.get("in_use_from"), values.get("archive_duty"),
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
        if values.get("archive_duty") and values["archive_duty"] != known.archive_duty:
            self.plan.changes.append(Change("archive_duty", number, known.id, reason=values["archive_duty"],
                                            expected=known.archive_duty))

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
        """The person a cell names. By id or e-mail it is certain. By name alone it is certain when
        exactly one person (registered, or named earlier in this file) has that name. An e-mail
        nobody has, beside a name exactly one person without an e-mail has, links to them (and is
        reported); beside a name that others with other e-mails have, it is a new person (reported:
        a namesake, or the same person under another address, is for a person to judge)."""
        text = ref.email or ref.name or str(ref.person_id)
        ref_key = f"email:{self._same(ref.email)}" if ref.email and not ref.person_id else ref.key
        owners = self.email_owners.get(self._same(ref.email), []) if ref.email and not ref.person_id else []
        if len(owners) > 1:  # look-alike addresses registered before they were refused: not guessed
            return inv.Unresolved(text, f"{len(owners)} people have this e-mail address")
        found = owners[0] if owners else self.people.get(ref_key)
        if found is None and ref.person_id:
            return inv.Unresolved(text, "is not a known person id")
        if found is not None:
            if isinstance(found, UUID):
                self.plan.matched_people.add(found)
            return found
        name = self._same(ref.name or "")
        known = self.by_name.get(name, []) if name else []
        new = self.new_by_name.get(name, []) if name else []
        column = role
        if ref.email is None:
            if len(known) + len(new) > 1:
                return inv.Unresolved(ref.name or text, f"{len(known) + len(new)} people have this name")
            if known:
                self.plan.matched_people.add(known[0].id)
                return known[0].id
            if new:
                return new[0]
            spelt = self._spelt(number, column, ref)
            if spelt is not None:
                return spelt
        else:
            without_email = [p for p in known if not p.email]
            if len(known) == 1 and without_email:
                self.people[ref_key] = known[0].id
                self.plan.matched_people.add(known[0].id)
                self._problem(number, column, text, "linked", f"linked to {ref.name}, the one registered person of that"
                              " name, who has no e-mail address in the directory")
                return known[0].id
            new_without_email = [k for k in new if self._new(k).email is None]
            if not known and len(new) == 1 and new_without_email:
                key = new[0]
                self._give_email(key, ref.email)
                self.people[ref_key] = key
                self._problem(number, column, text, "linked", f"the same person as '{ref.name}' in row"
                              f" {self._new(key).row}: one person, with this e-mail address")
                return key
            if known or new:
                self._problem(number, column, text, "possible_duplicate", f"{len(known) + len(new)} other people are"
                              f" named {ref.name}, with other or no e-mail addresses: registered as a new person;"
                              " if it is one of them, correct the file")
            if not ref.name:
                spelt = self._spelt(number, column, ref)
                if spelt is not None:
                    return spelt
        key = ref_key
        self.new_people[key] = NewPerson(key, number, ref.name, ref.email, ref.title, unit)
        self.plan.people.append(self.new_people[key])
        self.people[key] = key
        if name:
            self.new_by_name.setdefault(name, []).append(key)
        return key

    def _spelt(self, number: int, column: str, ref: inv.PersonRef) -> Ref | None:
        """One person given by e-mail here and by name elsewhere (domain/person_match.py): the one
        fitting person without what this cell gives (a name or an e-mail) becomes this cell's person.
        Several fitting, or one who has another name or address: nobody is guessed, each is listed."""
        if ref.email:  # an address alone: whose name does it spell?
            known = [(p.id, p.name) for p in self.named_by_key.get(address_key(ref.email), [])
                     if p.email is None or self._same(p.email) != self._same(ref.email)]
            new = [(k, p.name) for k, p in self.new_people.items() if p.name]
            found = candidates(ref.email, known + new, self.domains)
            free = [f for f in found if (self._new(f).email if isinstance(f, str) else self._known(f).email) is None]
            given = ref.email
        else:  # a name alone: whose address spells it?
            name = ref.name or ""
            near = list({p.id: p for k in name_keys(name) for p in self.addressed_by_key.get(k, [])}.values())
            known = [p.id for p in near if not p.name]
            new = [k for k, p in self.new_people.items() if p.email and not p.name]
            named = [p.id for p in near if p.name]
            found = [who for who in known + new + named
                     if candidates(self._email(who) or "", [(who, name)], self.domains)]
            free = [f for f in found if f in known or f in new]
            given = name
        if not found:
            return None
        if len(found) == 1 and free:
            who = free[0]
            if isinstance(who, str):
                if ref.email:
                    self._give_email(who, ref.email)
                else:
                    self._give_name(who, ref.name or "")
            else:
                self.plan.matched_people.add(who)
            self.people[ref.key if not ref.email else f"email:{self._same(ref.email)}"] = who
            self._problem(number, column, given, "linked", f"the same person as {self._describe(who)}:"
                          " the address spells the name (æ, ø, å as ae, oe or o, aa or a): one person")
            return who
        records = tuple(self._describe(f) for f in found)
        self.plan.possible_duplicates.append(PossibleDuplicate(number, self.headers.get(column, column),
                                                               (f"{given} (row {number})",) + records))
        self._problem(number, column, given, "possible_duplicate", "possibly the same person as "
                      + " or ".join(records) + ": registered as a new person; if it is one of them, correct the file")
        return None

    def _known(self, person_id: UUID) -> KnownPerson:
        return self.known_people[person_id]

    def _email(self, who: Ref) -> str | None:
        return self._new(who).email if isinstance(who, str) else self._known(who).email

    def _describe(self, who: Ref) -> str:
        if isinstance(who, str):
            p = self._new(who)
            return f"{' '.join(x for x in (p.name, p.email and f'<{p.email}>') if x)} (row {p.row})"
        k = self._known(who)
        return f"{' '.join(x for x in (k.name, k.email and f'<{k.email}>') if x)} (registered, {k.id})"

    def _give_name(self, key: str, name: str) -> None:
        self.new_people[key] = replace(self.new_people[key], name=name)
        self.plan.people = [self.new_people[key] if p.key == key else p for p in self.plan.people]
        self.new_by_name.setdefault(self._same(name), []).append(key)

    def _same(self, text: str) -> str:
        """What a name or e-mail address is compared by (domain/identity.py)."""
        return identity_key(text, self.skeleton)

    def _new(self, key: str) -> NewPerson:
        return self.new_people[key]

    def _give_email(self, key: str, email: str) -> None:
        self.new_people[key] = replace(self.new_people[key], email=email)
        self.plan.people = [self.new_people[key] if p.key == key else p for p in self.plan.people]

    def _problem(self, row: int, field_: str, value: Any, kind: str, detail: str) -> None:
        column = self.headers.get(field_, field_)
        self.plan.problems.append(Problem(row, column, "" if value is None else str(value), kind, detail))


_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


def _text(value: Any) -> str | None:
    return None if inv.blank(value) else " ".join(str(value).split())
