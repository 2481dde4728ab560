"""What syncing from KITOS would change: KITOS's org units, it-system-usages, users and role
assignments (the API v2 shapes, 2025 and 2026, ../shared/KITOS-API.md) compared with the register,
as an import plan (domain/import_model.py), so it is reported and written all or nothing as the
spreadsheet import is. Pure: the caller fetches (infra/kitos.py) and supplies what ansvar knows.

Reported, never guessed:
- an org unit's level is inferred from its depth under the root (kommune, forvaltning, afdeling,
  team); deeper than a team is reported (`guessed`), as is a second root;
- a role's name maps to an ansvar role by the KITOS names or a municipality's mapping; an unknown
  name is reported (`unknown_role`), never dropped silently;
- a role that KITOS gives two or more users (every ansvar role has one holder) is recorded as
  vacant with the reason naming them, which the gap report then shows;
- a user is matched by e-mail first, then by exact name where exactly one person has it, else
  created (names and addresses compared as domain/identity.py does: look-alikes are one); a user
  without an e-mail is reported, and one whose address several people have is not matched;
- a field KITOS leaves out is reported (`missing`); fields ansvar does not use are ignored.

Every write is dated by the usage's `lastModified` and carries its provenance (the KITOS
address, the entity's uuid and lastModified): the recorder's `sources` by row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any
from uuid import UUID

from domain import inventory as inv
from domain.clock import local_date
from domain.import_model import (
    Change,
    KnownPerson,
    KnownSystem,
    NewPerson,
    NewSystem,
    NewUnit,
    Plan,
    PossibleDuplicate,
    Problem,
    Ref,
    Snapshot,
)
from domain.identity import Skeleton, identity_key, no_confusables
from domain.person_match import address_key, candidates, home_domains, name_keys, spelling_index
from domain.vocabulary import Criticality, Lifecycle, OrgLevel, Role

#: KITOS's role names (and common local variants) -> ansvar's roles; a municipality's mapping file adds to it.
ROLE_NAMES: dict[str, Role] = {
    "systemejer": Role.SYSTEMEJER, "systemansvarlig": Role.SYSTEMANSVARLIG, "teknisk ansvarlig": Role.TEKNISK_ANSVARLIG,
    "forretningsejer": Role.FORRETNINGSEJER, "dataejer": Role.DATAEJER, "sikkerhedsansvarlig": Role.SIKKERHEDSANSVARLIG,
    "superbrugeransvarlig": Role.SUPERBRUGERANSVARLIG, "superbruger": Role.SUPERBRUGERANSVARLIG,
    "kontraktejer": Role.KONTRAKTEJER, "kontraktansvarlig": Role.KONTRAKTEJER,
}
LIFECYCLES = {
    "NotInUse": Lifecycle.NOT_IN_OPERATION, "Pilot": Lifecycle.PILOT, "PhasingIn": Lifecycle.PHASING_IN,
    "Operational": Lifecycle.IN_OPERATION, "PhasingOut": Lifecycle.PHASING_OUT,
}
LEVELS = [OrgLevel.KOMMUNE, OrgLevel.FORVALTNING, OrgLevel.AFDELING, OrgLevel.TEAM]
#: KITOS's archiveDuty -> ansvar's (B bevares, K kasseres, B+K); Undecided and Unknown say nothing.
ARCHIVE_DUTIES = {"B": "B", "K": "K", "BK": "B+K"}
_UNSTATED_DUTIES = {"Undecided", "Unknown", None}


@dataclass(frozen=True)
class Kitos:
    """What was fetched from KITOS for one organisation."""

    url: str
    units: Sequence[Mapping[str, Any]]
    usages: Sequence[Mapping[str, Any]]
    users: Mapping[str, Mapping[str, Any] | None]  # user uuid -> the user (None: KITOS did not have it)


@dataclass(frozen=True)
class Links:
    """The ansvar ids earlier syncs gave KITOS's entities (from the events' provenance)."""

    units: Mapping[str, UUID] = field(default_factory=dict)
    systems: Mapping[str, UUID] = field(default_factory=dict)
    people: Mapping[str, UUID] = field(default_factory=dict)


@dataclass
class SyncPlan:
    plan: Plan
    sources: dict[int, dict[str, Any]]  # row -> provenance of what that row writes
    usages_read: int = 0
    units_read: int = 0


def _described(p: KnownPerson) -> str:
    return f"{' '.join(x for x in (p.name, p.email and f'<{p.email}>') if x)} (registered, {p.id})"


def _norm(text: str | None) -> str:
    return inv.normalise_name(text or "")


def kitos_time(value: Any) -> datetime | None:
    """A KITOS timestamp: ISO 8601 in UTC with a Z (.NET writes up to seven fractional digits);
    one without an offset is UTC too. None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _day(value: Any, fallback: date) -> date:
    moment = kitos_time(value)
    return fallback if moment is None else local_date(moment)


def _pair(value: Any) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


def criticality_of(usage: Mapping[str, Any]) -> Criticality | None:
    """2026: general.systemUsageCriticalityLevel (by its name) or general.isBusinessCritical;
    2025: gdpr.businessCritical. None: KITOS does not say."""
    general = _pair(usage.get("general")) or {}
    level = _pair(general.get("systemUsageCriticalityLevel"))
    if level and level.get("name"):
        try:
            found = inv.criticality(level["name"])
        except inv.NotUnderstood:
            found = None
        if found:
            return found
    flag = general.get("isBusinessCritical", (_pair(usage.get("gdpr")) or {}).get("businessCritical"))
    if isinstance(flag, bool):
        return Criticality.CRITICAL if flag else Criticality.MEDIUM
    return {"Yes": Criticality.CRITICAL, "No": Criticality.MEDIUM}.get(flag) if isinstance(flag, str) else None


def personal_data_of(usage: Mapping[str, Any]) -> bool | None:
    levels = (_pair(usage.get("gdpr")) or {}).get("dataSensitivityLevels")
    if not isinstance(levels, list):
        return None
    return any(level != "None" for level in levels)


class _Planner:
    def __init__(self, kitos: Kitos, snapshot: Snapshot, links: Links, today: date,
                 roles: Mapping[str, str], skeleton: Skeleton = no_confusables) -> None:
        self.kitos, self.snapshot, self.links, self.today = kitos, snapshot, links, today
        self.skeleton = skeleton
        self.roles = {**{k: str(v) for k, v in ROLE_NAMES.items()}, **{_norm(k): v for k, v in roles.items()}}
        self.out = SyncPlan(Plan(), {})
        self.row = 0
        self.known_units = {u.id: u for u in snapshot.units}
        self.known_systems = {s.id: s for s in snapshot.systems}
        self.by_unit_and_name: dict[tuple[UUID, str], KnownSystem] = {}
        for s in snapshot.systems:  # of look-alikes registered before they were refused, the first
            self.by_unit_and_name.setdefault((s.org_unit_id, self._same(s.name)), s)
        self.by_email: dict[str, list[Ref]] = {}
        self.by_name: dict[str, list[UUID]] = {}
        for p in snapshot.people:
            if p.email:
                self.by_email.setdefault(self._same(p.email), []).append(p.id)
            if p.name:
                self.by_name.setdefault(self._same(p.name), []).append(p.id)
        self.departed = {p.id for p in snapshot.people if p.departed}
        self.domains = home_domains([p.email for p in snapshot.people if p.email],
                                    [str(u.get("email") or "") for u in kitos.users.values() if u])
        self.named_by_key, self.addressed_by_key = spelling_index(snapshot.people)  # the spelling rule's index
        self.unit_refs: dict[str, Ref] = {}
        self.person_refs: dict[str, Ref] = {}
        self.root: Ref | None = None

    def _same(self, text: str | None) -> str:
        """What names and e-mail addresses are compared by (domain/identity.py): look-alikes are one."""
        return identity_key(text or "", self.skeleton)

    def _next(self, kind: str, entity: Mapping[str, Any]) -> int:
        self.row += 1
        self.out.sources[self.row] = {"kitos": self.kitos.url, "entity": kind, "uuid": str(entity.get("uuid")),
                                      "lastModified": entity.get("lastModified")}
        return self.row

    def _problem(self, row: int, column: str, value: Any, kind: str, detail: str) -> None:
        self.out.plan.problems.append(Problem(row, column, "" if value is None else str(value), kind, detail))

    # Org units -----------------------------------------------------------------------------------

    def _readable(self, kind: str, items: Sequence[Any]) -> list[Mapping[str, Any]]:
        """The entries that are objects with a uuid; any other is reported, not a crash."""
        found = []
        for item in items:
            if isinstance(item, Mapping) and item.get("uuid"):
                found.append(item)
            else:
                row = self._next(kind, item if isinstance(item, Mapping) else {})
                self._problem(row, "uuid", str(item)[:80], "unreadable", f"a {kind} that is not an object with a uuid: left out")
        return found

    def units(self) -> None:
        units = {str(u["uuid"]): u for u in self._readable("OrganizationUnit", self.kitos.units)}
        self.out.units_read = len(units)
        depth: dict[str, int] = {}

        def depth_of(uuid: str, seen: frozenset[str] = frozenset()) -> int:
            if uuid in depth:
                return depth[uuid]
            parent = (_pair(units[uuid].get("parentOrganizationUnit")) or {}).get("uuid")
            found = 0 if not parent or parent not in units or parent in seen else depth_of(str(parent), seen | {uuid}) + 1
            depth[uuid] = found
            return found

        for uuid in sorted(units, key=lambda u: (depth_of(u), _norm(units[u].get("name")))):
            self._unit(units[uuid], depth_of(uuid), units)

    def _unit(self, u: Mapping[str, Any], d: int, units: Mapping[str, Mapping[str, Any]]) -> None:
        row = self._next("OrganizationUnit", u)
        uuid, name = str(u["uuid"]), " ".join(str(u.get("name") or "").split())
        if not name:
            self._problem(row, "name", uuid, "missing", "an org unit without a name: left out (its systems go to the root)")
            return
        parent_uuid = (_pair(u.get("parentOrganizationUnit")) or {}).get("uuid")
        parent = self.unit_refs.get(str(parent_uuid)) if parent_uuid else None
        if d == 0 and self.root is not None:
            self._problem(row, "parentOrganizationUnit", name, "guessed",
                          "a second unit without a parent: placed under the first root, check it")
            parent, d = self.root, 1
        level = LEVELS[min(d, len(LEVELS) - 1)]
        if d >= len(LEVELS):
            self._problem(row, "parentOrganizationUnit", name, "guessed",
                          f"{d + 1} levels deep: recorded as a team, check it")
        known = self.links.units.get(uuid) or self._known_unit(name, parent, level)
        if known is not None:
            ref: Ref = known
        else:
            ref = f"kitos-unit:{uuid}"
            self.out.plan.units.append(NewUnit(ref, row, name, level, parent))
        self.unit_refs[uuid] = ref
        if d == 0 and self.root is None:
            self.root = ref

    def _known_unit(self, name: str, parent: Ref | None, level: str) -> UUID | None:
        """A unit the register has by the same name under the same parent (a first sync into a
        register that already has its organisation, e.g. from a spreadsheet)."""
        for u in self.snapshot.units:
            if _norm(u.name) == _norm(name) and not u.dissolved and (
                    u.parent_id == parent if isinstance(parent, UUID) else (parent is None and u.level == level)):
                return u.id
        return None

    # People ------------------------------------------------------------------------------------------

    def _person(self, row: int, user_uuid: str, shown: str | None) -> Ref | None:
        if user_uuid in self.person_refs:
            return self.person_refs[user_uuid]
        user = self.kitos.users.get(user_uuid)
        name = None
        email = None
        if user:
            # The role entry's name is "{first name} {last name}"; a user's `name` may be either.
            full = " ".join(str(p) for p in (user.get("firstName"), user.get("lastName")) if p)
            name = " ".join(str(full or user.get("name") or shown or "").split()) or None
            email = (user.get("email") or "").strip() or None
        else:
            name = " ".join((shown or "").split()) or None
            self._problem(row, "roles", user_uuid, "missing", "a role's user KITOS could not give: matched by name only")
        ref: Ref | None = self.links.people.get(user_uuid)
        owners = self.by_email.get(self._same(email), []) if ref is None and email else []
        if len(owners) > 1:  # look-alike addresses registered before they were refused: not guessed
            self._problem(row, "roles", email, "flagged_holder",
                          f"{len(owners)} people have this e-mail address: not matched to one of them, not assigned")
            return None
        if owners:
            ref = owners[0]
        if ref is None and name:
            same = self.by_name.get(self._same(name), [])
            if len(same) == 1 and (email is None or not any(p.email for p in self.snapshot.people if p.id == same[0])):
                ref = same[0]
                if email is None:
                    self._problem(row, "roles", name, "linked", "a KITOS user without an e-mail: linked by name")
        if ref is None:
            ref = self._spelt(row, name, email)
        if ref is None:
            if email is None:
                self._problem(row, "roles", name or user_uuid, "no_email",
                              "a KITOS user without an e-mail: registered without one (no reminders reach them)")
            if self.root is None:
                self._problem(row, "roles", name or user_uuid, "missing", "no org unit to place a new person in")
                return None
            ref = f"kitos-user:{user_uuid}"
            self.out.plan.people.append(NewPerson(ref, row, name or email, email, None, self.root))
            if email:
                self.by_email[self._same(email)] = [ref]
        self.person_refs[user_uuid] = ref
        return ref

    def _spelt(self, row: int, name: str | None, email: str | None) -> UUID | None:
        """A registered person given only by e-mail (or only by name) whom this user's name (or
        address) spells (domain/person_match.py): the one such person is this user; several, or
        one with another name or address, are listed as possible duplicates, and nobody is guessed."""
        found: list[KnownPerson] = []
        if email:
            named = [(p, p.name) for p in self.named_by_key.get(address_key(email), [])]
            found += [p for p in candidates(email, named, self.domains) if self._same(p.email) != self._same(email)]
        if name:
            near = list({p.id: p for k in name_keys(name) for p in self.addressed_by_key.get(k, [])}.values())
            found += [p for p in near if p not in found
                      and candidates(p.email, [(p, name)], self.domains)]
        if not found:
            return None
        given = " ".join(f"{x}" for x in (name, email and f"<{email}>") if x)
        if len(found) == 1 and (found[0].email is None or not found[0].name or "@" in found[0].name):
            self._problem(row, "roles", given, "linked", f"the same person as {_described(found[0])}: the address"
                          " spells the name (æ, ø, å as ae, oe or o, aa or a)")
            self.out.plan.matched_people.add(found[0].id)
            return found[0].id
        records = tuple(_described(p) for p in found)
        self.out.plan.possible_duplicates.append(PossibleDuplicate(row, "roles", (f"{given} (KITOS)",) + records))
        self._problem(row, "roles", given, "possible_duplicate", "possibly the same person as " + " or ".join(records)
                      + ": registered as a new person; if it is one of them, merge the two")
        return None

    # Usages ------------------------------------------------------------------------------------------

    def usages(self) -> None:
        for usage in sorted(self._readable("ItSystemUsage", self.kitos.usages), key=lambda u: str(u["uuid"])):
            self.out.usages_read += 1
            self._usage(usage)
        self.out.plan.rows_read = self.row

    def _usage(self, usage: Mapping[str, Any]) -> None:
        row = self._next("ItSystemUsage", usage)
        uuid = str(usage.get("uuid"))
        name = " ".join(str((_pair(usage.get("systemContext")) or {}).get("name") or "").split())
        if not name:
            self._problem(row, "systemContext", uuid, "missing", "a usage without a catalogue system name: left out")
            return
        modified = _day(usage.get("lastModified"), self.today)
        if "lastModified" not in usage:
            self._problem(row, "lastModified", name, "missing", "no lastModified: dated today")
        general = _pair(usage.get("general")) or {}
        validity = _pair(general.get("validity")) or {}
        status = validity.get("lifeCycleStatus")
        lifecycle = LIFECYCLES.get(status) if isinstance(status, str) else None
        if lifecycle is None:
            self._problem(row, "general.validity.lifeCycleStatus", status, "missing",
                          f"lifecycle {status or 'not given'}: {'kept' if uuid in self.links.systems else 'in operation'}")
        critical, personal = criticality_of(usage), personal_data_of(usage)
        stated = (_pair(usage.get("archiving")) or {}).get("archiveDuty")
        duty = ARCHIVE_DUTIES.get(stated) if isinstance(stated, str) else None
        if duty is None and stated not in _UNSTATED_DUTIES:
            self._problem(row, "archiving.archiveDuty", stated, "not_recorded",
                          f"archive duty {stated} has no B/K equivalent here: not recorded")
        if critical is None:
            self._problem(row, "criticality", name, "missing", "KITOS does not say how critical it is")
        responsible = (_pair((_pair(usage.get("organizationUsage")) or {}).get("responsibleOrganizationUnit")) or {})
        unit = self.unit_refs.get(str(responsible.get("uuid"))) if responsible.get("uuid") else None
        if unit is None:
            self._problem(row, "organizationUsage.responsibleOrganizationUnit", name, "missing",
                          "no responsible org unit KITOS knows: placed under the root")
            unit = self.root
        if unit is None:
            self._problem(row, "organizationUsage", name, "missing", "no org unit at all: left out")
            return
        existing = self.known_systems.get(self.links.systems[uuid]) if uuid in self.links.systems else None
        if existing is None and isinstance(unit, UUID):  # a register filled before (a spreadsheet): by unit and name
            existing = self.by_unit_and_name.get((unit, self._same(name)))
            if existing is not None:
                self._problem(row, "systemContext", name, "linked",
                              "matched by name to a system the register already has in that org unit")
        system: Ref
        if existing is None:
            system = f"kitos-usage:{uuid}"
            self.out.plan.systems.append(NewSystem(
                system, row, name, None, unit, critical or Criticality.MEDIUM, personal is not False,
                lifecycle or Lifecycle.IN_OPERATION, _day(validity.get("validFrom"), modified), None, duty,
            ))
        else:
            system = existing.id
            self.out.plan.matched_systems.add(existing.id)
            self._compare(row, existing, lifecycle, critical, personal, modified)
            if duty and duty != existing.archive_duty:
                self.out.plan.changes.append(Change("archive_duty", row, existing.id, reason=duty,
                                                    expected=existing.archive_duty))
        self._roles(row, usage, system, existing, modified)

    def _compare(self, row: int, known: KnownSystem, lifecycle: str | None, critical: str | None,
                 personal: bool | None, modified: date) -> None:
        if lifecycle and lifecycle != known.lifecycle:
            self.out.plan.changes.append(Change("lifecycle", row, known.id, lifecycle=lifecycle,
                                                effective_from=modified, expected=known.lifecycle))
        details = (known.vendor, critical or known.criticality, known.personal_data if personal is None else personal)
        if details != (known.vendor, known.criticality, known.personal_data):
            self.out.plan.changes.append(Change("details", row, known.id, details=details,
                                                expected=(known.vendor, known.criticality, known.personal_data)))

    def _roles(self, row: int, usage: Mapping[str, Any], system: Ref, known: KnownSystem | None, modified: date) -> None:
        holders: dict[str, list[tuple[str, str | None]]] = {}
        entries = usage.get("roles") if isinstance(usage.get("roles"), list) else []
        for entry in entries:
            if not isinstance(entry, Mapping):
                self._problem(row, "roles", str(entry)[:80], "unreadable", "a role entry that is not an object: left out")
                continue
            role_name = str((_pair(entry.get("role")) or {}).get("name") or "")
            user = _pair(entry.get("user")) or {}
            role = self.roles.get(_norm(role_name))
            if role is None:
                self._problem(row, "roles", role_name, "unknown_role",
                              f"KITOS role {role_name!r} has no ansvar role: not recorded (add it to the role mapping)")
                continue
            if user.get("uuid"):
                holders.setdefault(role, []).append((str(user["uuid"]), user.get("name")))
        for role, users in sorted(holders.items()):
            current = known.holders.get(role) if known else None
            distinct = list(dict.fromkeys(users))
            if len(distinct) > 1:
                names = ", ".join(sorted(str(n or u) for u, n in distinct))
                reason = f"KITOS names {len(distinct)} holders of {role}: {names}"
                self._problem(row, "roles", names, "flagged_holder", f"{reason}; recorded as vacant, for the council to rule")
                if current != (None, reason):
                    self.out.plan.changes.append(Change("vacate", row, system, role, reason=reason,
                                                        effective_from=modified, expected=current[0] if current else None))
                continue
            person = self._person(row, *distinct[0])
            if person is None or (current is not None and current[0] == person):
                continue
            if person in self.departed:
                self._problem(row, "roles", distinct[0][1], "flagged_holder", "has left the organisation: not assigned")
                continue
            self.out.plan.changes.append(Change("assign", row, system, role, person=person, effective_from=modified,
                                                expected=current[0] if current else None))


def plan_sync(kitos: Kitos, snapshot: Snapshot, links: Links, today: date,
              roles: Mapping[str, str] | None = None, skeleton: Skeleton = no_confusables) -> SyncPlan:
    """What syncing `kitos` into the register would write (and every problem found). Names and
    e-mail addresses are compared by domain/identity.py's key, with `skeleton` (Unicode's confusables)."""
    planner = _Planner(kitos, snapshot, links, today, roles or {}, skeleton)
    planner.units()
    planner.usages()
    return planner.out
