"""A believable demo municipality, written as events through the domain's own aggregates.

About 300 systems across seven forvaltninger, with three years of valid-time history:
placements, handovers, departures (some never followed up), a dissolved team, late corrections
(a later fact that corrects an earlier period), explicit vacancies, claims (confirmed, rejected,
open, competing), attestations (kept up, and lapsed), ping-pong, critical systems owned too low,
systems without an operational handover, and decommissioning (some of it unowned).

Deterministic per seed (names, ids, dates, facts). The facts are recorded over the years they
describe, as a municipality would have recorded them (demo_history.py): the organisation and the
register's first placements when ansvar was taken into use three years ago (the older placements
back-dated to when they began), each later change a few days after it took effect, a late
correction months after the period it corrects, a claim on the day it was made and its answer on
the day it was answered. The loader sets the recording clock (domain/record_time.py) to each
fact's record time as it records it, never the calendar: so "who held it on D, as the record
stood on K" has a different, explained answer for different K. Aggregates are built in memory,
where their own rules run, and saved in record-time order, so `serve --demo` stays quick. Loads
only into an empty store.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from uuid import UUID

from ansvar import demo_catalog as C
from ansvar import demo_council
from ansvar.demo_history import History
from domain.basis import Basis, BasisCode, DemoStep
from domain.commands import Actor
from domain.org import OrgUnit, Person
from domain.person_details import Commitment, PersonDetails
from domain.portfolio import Portfolio
from domain.systems import System, SystemName
from domain.vocabulary import Role

DEMO = Actor(role="demo", request_id="demo-loader")


def is_empty(app: Portfolio) -> bool:
    return not app.recorder.max_notification_id()


def load(app: Portfolio, seed: int = 7, progress: Callable[[int, int], None] | None = None) -> bool:
    """Load the demo into an empty store; returns False (and writes nothing) if it is not empty."""
    if not is_empty(app):
        return False
    town = _Town(app, random.Random(seed))
    with town.history.recording():  # the aggregates are built here, not by commands: each at its record time
        town.organisation()
        systems = [town.history.replayed(s) for s in town.systems()]
    town.history.save_in_order(app, progress)
    demo_council.council(app, town, [s for s, _ in systems], DEMO)
    _an_offer_for_the_demo_owner(app, [s.id for s, _ in systems])
    return True


def _an_offer_for_the_demo_owner(app: Portfolio, systems: list[UUID]) -> None:
    """Today a colleague offers the demo's owner a role, so their own page has an offer to answer."""
    owner = demo_users(app).get("owner")
    today = app.today()
    for system_id in systems:
        holder = app.system(system_id).holder(Role.SYSTEMANSVARLIG, today)
        if holder is None or holder == owner or app.person(holder).departed_by(today) or owner is None:
            continue
        colleague = Actor(person_id=holder, role="owner", request_id=DEMO.request_id)
        app.hand_over(system_id, Role.SYSTEMANSVARLIG, owner, today, "Du kender systemet bedst", actor=colleague)
        return


class _Town:
    def __init__(self, app: Portfolio, rng: random.Random) -> None:
        self.app, self.rng = app, rng
        self.today = app.today()
        self.t0 = self.today - timedelta(days=3 * 365)
        self.history = History(app.clock.now(), self.t0)
        self.meta = DEMO.meta()
        self.names = iter(rng.sample([f"{f} {l}" for f in C.FIRST for l in C.LAST], len(C.FIRST) * len(C.LAST)))
        self.people: dict[UUID, Person] = {}
        self.details: list[PersonDetails] = []  # saved with the people, in their transaction
        self.leaders: dict[str, list[UUID]] = {}  # afdeling -> leaders (afdelingsleder, specialkonsulent, direktør)
        self.staff: dict[str, list[UUID]] = {}  # afdeling -> teamledere and medarbejdere
        self.team_of: dict[str, UUID] = {}
        self.afdeling_id: dict[str, UUID] = {}
        self.it: list[UUID] = []

    def _id(self) -> UUID:
        return UUID(int=self.rng.getrandbits(128), version=4)

    def _day(self, lo: date, hi: date) -> date:
        return lo + timedelta(days=self.rng.randrange(max(1, (hi - lo).days)))

    # Organisation ------------------------------------------------------------------------------

    def organisation(self) -> None:
        """Recorded a month before the register: the org chart and its people are loaded first."""
        self.history.set(self.t0 - timedelta(days=30))
        units: list[OrgUnit] = []

        def unit(name: str, level: str, parent: UUID | None) -> UUID:
            u = OrgUnit._create(OrgUnit.Established, id=self._id(), name=name, level=level, parent_id=parent, meta=self.meta)
            units.append(u)
            return u.id

        kommune = unit("Demo Kommune", "kommune", None)
        for forvaltning, afdelinger in C.ORGANISATION.items():
            f = unit(forvaltning, "forvaltning", kommune)
            director = self._person(f, "direktør")
            for afdeling, teams in afdelinger.items():
                a = unit(afdeling, "afdeling", f)
                self.afdeling_id[afdeling] = a
                self.leaders[afdeling] = [self._person(a, "afdelingsleder"), self._person(a, "specialkonsulent"), director]
                self.staff[afdeling] = []
                for team in teams:
                    t = unit(team, "team", a)
                    self.team_of[afdeling] = self.team_of.get(afdeling, t)
                    crew = [self._person(t, "teamleder")] + [self._person(t, "medarbejder") for _ in range(3)]
                    self.staff[afdeling] += crew
                    if team == C.IT_TEAM:
                        self.it = crew + [self._person(t, "driftskonsulent") for _ in range(4)]
        # A reorganisation dissolved one team (its people's roles are left hanging), and people left.
        self.history.first(*units, *self.people.values(), people=self.details)
        dissolved = next(u for u in units if u.name == "Sygedagpenge")
        self.history.at(self.today - timedelta(days=200), dissolved.dissolve, self.today - timedelta(days=200), self.meta)
        movable = [p for a in self.staff.values() for p in a] + [p for a in self.leaders.values() for p in a[:2]]
        for pid in self.rng.sample(sorted(set(movable) - set(self.it)), 14):
            left = self._day(self.t0 + timedelta(days=200), self.today - timedelta(days=20))
            self.history.at(left, self.people[pid].depart, left, self.meta, lag=10)  # told HR's news a few days late
        self.gone = {pid: p.departed_on for pid, p in self.people.items() if p.departed_on}
        for pid, p in self.people.items():
            if p.org_unit_id == dissolved.id:
                self.gone[pid] = dissolved.dissolved_on
        self.history.later(*units, *self.people.values())

    def _person(self, unit: UUID, title: str) -> UUID:
        name = next(self.names)
        email = name.lower().replace(" ", ".").replace("ø", "oe").replace("å", "aa").replace("æ", "ae") + "@demo.kommune.dk"
        person, details = Person.register(unit, title, Commitment.of(name, email), self.meta, person_id=self._id())
        self.people[person.id] = person
        self.details.append(details)
        return person.id

    def _available(self, pool: list[UUID], on: date) -> list[UUID]:
        return [p for p in pool if p not in self.gone or self.gone[p] > on]

    # Systems -----------------------------------------------------------------------------------

    def systems(self) -> list[tuple[System, SystemName]]:
        made = []
        for i, (afdeling, name, vendor, criticality, personal) in enumerate(self._catalogue()):
            made.append(self._system(i, afdeling, name, vendor, criticality, personal))
        return made

    def _catalogue(self) -> list[tuple[str, str, str, str, bool]]:
        rows = []
        for afdelinger in C.ORGANISATION.values():
            for afdeling in afdelinger:
                core = C.CORE_SYSTEMS.get(afdeling, [])
                local = self.rng.sample(C.LOCAL_SYSTEMS, C.SYSTEMS_PER_AFDELING - len(core))
                rows += [(afdeling, *s) for s in core] + [(afdeling, f"{k} {afdeling}", v, c, p) for k, v, c, p in local]
        return rows

    def _system(self, i: int, afdeling: str, name: str, vendor: str, criticality: str, personal: bool) -> tuple[System, SystemName]:
        rng, unit = self.rng, self.team_of[afdeling] if self.rng.random() < 0.3 else self.afdeling_id[afdeling]
        roll = rng.random()
        if roll < 0.08:  # came in during the three years: pilot, phasing in, then operation
            since = self._day(self.t0, self.today - timedelta(days=400))
            lifecycle = "pilot"
        else:
            since = self._day(self.t0 - timedelta(days=3000), self.t0 + timedelta(days=300))
            lifecycle = "in_operation"
        self.history.set(since)
        s = System._create(
            System.Registered, id=self._id(), name=name, vendor=vendor, org_unit_id=unit, criticality=criticality,
            personal_data=personal, lifecycle=lifecycle, lifecycle_from=since, meta=self.meta, in_use_from=since,
        )
        h = self.history.of(s)
        if lifecycle == "pilot":
            h.at(since + timedelta(days=120), "change_lifecycle", "phasing_in", since + timedelta(days=120), self.meta)
            h.at(since + timedelta(days=300), "change_lifecycle", "in_operation", since + timedelta(days=300), self.meta)
        leaders, staff = self.leaders[afdeling], self.staff[afdeling]
        owners = [staff[0]] if criticality == "critical" and i % 9 == 0 else leaders  # a few owned too low
        self._timeline(s, Role.SYSTEMEJER, owners, since, handovers=rng.choice([0, 0, 0, 1, 1, 2]))
        self._timeline(s, Role.SYSTEMANSVARLIG, staff, since, handovers=rng.choice([0, 0, 1]))
        if rng.random() < 0.85:  # the rest never had their operation handed to IT
            self._timeline(s, Role.TEKNISK_ANSVARLIG, self.it, since, handovers=rng.choice([0, 0, 1]))
        if i % 10 == 3:
            self._correction(s, Role.SYSTEMEJER, leaders)
        if i % 25 == 7:
            self._ping_pong(s, leaders + staff[:2])
        if i % 23 == 5:
            vacant = self.today - timedelta(days=rng.randrange(30, 300))
            h.at(vacant, "vacate", Role.SYSTEMANSVARLIG, vacant, None, "stillingen er ikke genbesat efter omstruktureringen",
                 self.meta, lag=20)
        if i % 7 == 2:
            self._claims(s, i, leaders + staff)
        if i % 13 == 4:
            self._handover_offer(s, i, leaders + staff)
        self._attest(s, i, since)
        if i % 37 == 11:
            self._decommission(s, i)
        self.history.set(since)
        return s, SystemName(org_unit_id=unit, name=name, system_id=s.id, meta=self.meta)

    def _timeline(self, s: System, role: str, pool: list[UUID], since: date, handovers: int) -> None:
        """Placements and handovers over valid time; a holder who leaves is followed up, or not."""
        h = self.history.of(s)
        holder = self.rng.choice(self._available(pool, since) or pool)
        h.at(since, "assign", role, holder, since, None, None, None, self.meta, None, _step(DemoStep.FIRST_PLACEMENT))
        changes = sorted(self._day(max(since, self.t0), self.today - timedelta(days=20)) for _ in range(handovers))
        for change in [*changes, self.today]:
            left = self.gone.get(holder)
            if left is not None and left < change:
                if self.rng.random() < 0.6 and left + timedelta(days=45) < self.today:
                    successor = self.rng.choice(self._available(pool, left + timedelta(days=45)) or self.it)
                    start = left + timedelta(days=self.rng.randrange(7, 45))
                    h.at(start, "assign", role, successor, start, None, None, None, self.meta, None, _step(DemoStep.SUCCESSOR),
                         lag=30)
                    holder = successor
                else:
                    return  # nobody took over: the role stays with someone who has left
            if change == self.today:
                return
            candidates = [p for p in self._available(pool, change) if p != holder]
            if candidates:
                holder = self.rng.choice(candidates)
                h.at(change, "assign", role, holder, change, None, None, None, self.meta, None, _step(DemoStep.HANDOVER),
                     lag=14)

    def _correction(self, s: System, role: str, pool: list[UUID]) -> None:
        """Recorded late: someone else actually held the role for a past stretch."""
        start = self._day(self.t0, self.today - timedelta(days=200))
        who = self._available(pool, start + timedelta(days=120))
        if who:  # found out months after the stretch ended
            found = min(start + timedelta(days=120 + self.rng.randrange(30, 150)), self.today - timedelta(days=1))
            self.history.of(s).at(found, "assign", role, self.rng.choice(who), start, start + timedelta(days=120),
                                  None, None, self.meta, None, _step(DemoStep.CORRECTION))

    def _ping_pong(self, s: System, pool: list[UUID]) -> None:
        who = self._available(pool, self.today)
        for n, days in enumerate((80, 55, 30, 12)):
            day = self.today - timedelta(days=days)
            self.history.of(s).at(day, "assign", Role.SYSTEMEJER, who[n % min(2, len(who))] if n % 2 else who[-1], day,
                                  None, None, None, self.meta, None, _step(DemoStep.PING_PONG))

    def _claims(self, s: System, i: int, pool: list[UUID]) -> None:
        made_on = self.today - timedelta(days=self.rng.randrange(10, 120))
        holder = s.holder(Role.FORRETNINGSEJER, made_on)  # nobody claims a role they hold
        who = [p for p in self._available(pool, self.today) if p != holder]
        if not who:
            return
        first = self.rng.choice(who)
        claim = self._id()
        h = self.history.of(s)
        h.at(made_on, "make_claim", claim, Role.FORRETNINGSEJER, first, "Vi bruger systemet hver dag og ejer processen",
             made_on, self.meta)
        answered_on = min(self.today, made_on + timedelta(days=self.rng.randrange(1, 30)))
        if i % 3 == 0:
            h.at(answered_on, "confirm_claim", claim, answered_on, None, answered_on, self.meta)
        elif i % 3 == 1:
            h.at(answered_on, "reject_claim", claim, "Forretningsejerskabet ligger i fagafdelingen", None, answered_on,
                 self.meta)
        elif others := [p for p in who if p != first]:  # still open (some for longer than the council
            # should take), and a competing claim by someone else
            h.at(made_on + timedelta(days=3), "make_claim", self._id(), Role.FORRETNINGSEJER, self.rng.choice(others),
                 "Det er os, der betaler licensen", made_on + timedelta(days=3), self.meta)

    def _handover_offer(self, s: System, i: int, pool: list[UUID]) -> None:
        """A holder offers the Systemansvarlig role to a colleague: accepted, declined, withdrawn, or
        still waiting (some past the answer deadline)."""
        offered_on = self.today - timedelta(days=self.rng.randrange(3, 60))
        holder = s.holder(Role.SYSTEMANSVARLIG, offered_on)
        if holder is None or holder in self.gone or s.holder(Role.SYSTEMANSVARLIG, self.today) != holder:
            return
        to = [p for p in self._available(pool, self.today) if p != holder]
        if not to:
            return
        offer = self.history.offer(s, offered_on)
        h = self.history.of(s)
        h.at(offered_on, "offer_handover", offer, Role.SYSTEMANSVARLIG, holder, self.rng.choice(to), offered_on,
             offered_on, "Jeg skifter til en anden opgave", self.meta)
        answered_on = min(self.today, offered_on + timedelta(days=self.rng.randrange(1, 10)))
        outcome = (i // 13) % 4
        if outcome == 0:
            h.at(answered_on, "accept_handover", offer, answered_on, self.meta)
        elif outcome == 1:
            h.at(answered_on, "refuse_handover", offer, answered_on, "Jeg har ikke tid til opgaven nu", self.meta)
        elif outcome == 2:
            h.at(answered_on, "withdraw_handover", offer, answered_on, self.meta)

    def _attest(self, s: System, i: int, since: date) -> None:
        """Owners re-confirm about yearly; some stopped two years ago (overdue at past dates)."""
        stop = self.today - timedelta(days=730) if i % 6 == 0 else self.today
        on = since + timedelta(days=330)
        while on < stop:
            holder = s.holder(Role.SYSTEMEJER, on)
            if holder is not None and (holder not in self.gone or self.gone[holder] > on) and on >= self.t0:
                self.history.of(s).attest(on, Role.SYSTEMEJER, holder, self.meta)
            on += timedelta(days=self.rng.randrange(300, 360))

    def _decommission(self, s: System, i: int) -> None:
        out = self.today - timedelta(days=self.rng.randrange(60, 300))
        h = self.history.of(s)
        h.at(out, "change_lifecycle", "phasing_out", out, self.meta)
        if i % 2:  # the owner went with the old organisation: nobody carries the decommissioning
            h.at(out, "vacate", Role.SYSTEMEJER, out, None, "afvikling besluttet, men ingen ansvarlig udpeget", self.meta)
        else:
            h.at(out + timedelta(days=45), "change_lifecycle", "decommissioned", out + timedelta(days=45), self.meta)


def _step(step: DemoStep) -> Basis:
    """The demo's placements, hand-overs and corrections are the demo's own, recorded as such."""
    return Basis(BasisCode.DEMO, {"step": step.value})


def demo_users(app: Portfolio) -> dict[str, UUID]:
    """Four demo people to act as - an admin in IT, a council member (the first direktør), an
    auditor in payroll and HR, and a person who owns a system today - found in the log, so a
    second `serve --demo` names the same people. Empty if the store does not hold the demo."""
    first = app.recorder.select_notifications(1, 1)
    if not first or (getattr(app.mapper.to_domain_event(first[0]), "meta", None) or {}).get("request_id") != DEMO.request_id:
        return {}
    topics = [OrgUnit.Established.TOPIC, Person.Registered.TOPIC, System.Registered.TOPIC]
    units: dict[UUID, str] = {}
    people: list[Person.Registered] = []
    systems: list[UUID] = []
    for n in app.recorder.select_notifications(1, 10_000, topics=topics):
        e = app.mapper.to_domain_event(n)
        if isinstance(e, OrgUnit.Established):
            units[e.originator_id] = e.name
        elif isinstance(e, Person.Registered):
            people.append(e)
        elif isinstance(e, System.Registered):
            systems.append(e.originator_id)
    chosen: dict[str, UUID] = {}

    def pick(role: str, ok: Callable[[Person.Registered], bool]) -> None:
        found = next((p.originator_id for p in people if ok(p) and p.originator_id not in chosen.values()), None)
        if found is not None:
            chosen[role] = found

    pick("admin", lambda p: units.get(p.org_unit_id, "").startswith("IT og Digitalisering"))
    pick("council", lambda p: p.title == "direktør")
    pick("auditor", lambda p: units.get(p.org_unit_id, "").startswith("Løn og Personale"))
    today = app.today()
    for system_id in systems:
        owner = app.system(system_id).holder("systemejer", today)
        if owner is not None and owner not in chosen.values() and not app.person(owner).departed_by(today):
            chosen["owner"] = owner
            break
    return chosen
