"""A simulated national portfolio: ten years of municipalities, people and systems, replayed in
record-time order through the real domain aggregates.

Every fact is made by the aggregates' own command methods (`System.assign`, `Person.depart`,
...), so the aggregate rules (periods, open claims, only the holder attests) hold. The rules
that `Portfolio` checks across aggregates (a departed person cannot be given a role, a dissolved
unit takes no new people) are kept by the simulation itself, which knows every person's state.

Record time comes from a clock, as in the application: the simulation's own `ManualClock`,
set to each step's moment of the schedule (run it inside `recording_with(sim.clock)`), so the
events carry ten years of record times in log order, as if the application had run for ten years.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from uuid import UUID, uuid4

from domain.clock import ManualClock
from domain.commands import Actor
from domain.errors import AlreadyHoldsRole, ClaimAlreadyOpen
from domain.org import OrgUnit, Person
from domain.person_details import Commitment, PersonDetails
from domain.systems import System, SystemName
from domain.vocabulary import Lifecycle, Role

META = Actor(role="generator", request_id="bench-generate").meta()
ROLES = list(Role)
ROLE_WEIGHTS = [25, 18, 8, 6, 5, 5, 20, 5]  # systemejer .. kontraktejer (order of Role)
REQUIRED = (Role.SYSTEMEJER, Role.SYSTEMANSVARLIG, Role.TEKNISK_ANSVARLIG)
NEXT_STATE = {
    Lifecycle.NOT_IN_OPERATION: Lifecycle.PILOT, Lifecycle.PILOT: Lifecycle.PHASING_IN,
    Lifecycle.PHASING_IN: Lifecycle.IN_OPERATION, Lifecycle.IN_OPERATION: Lifecycle.PHASING_OUT,
    Lifecycle.PHASING_OUT: Lifecycle.DECOMMISSIONED,
}
DAY = 86_400.0


class Municipality:
    def __init__(self) -> None:
        self.units: list[UUID] = []
        self.teams: list[UUID] = []
        self.active: list[Person] = []  # people who have not left (yet)


class Simulation:
    """Decides what happens when, and makes it happen on the aggregates; the caller saves them."""

    def __init__(self, seed: int, municipalities: int, systems: int, events: int, today: date, years: int = 10):
        self.rng = random.Random(seed)
        self.n_muni, self.n_systems, self.target = municipalities, systems, events
        self.end = datetime(today.year, today.month, today.day, 12, tzinfo=timezone.utc)
        self.start = self.end - timedelta(days=365 * years)
        # Record time: the events made while a step of the schedule runs are recorded at its moment.
        self.clock = ManualClock(self.start, tick=timedelta(0))
        self.munis = [Municipality() for _ in range(municipalities)]
        self.units: dict[UUID, OrgUnit] = {}
        self.people: list[Person] = []
        self.people_index: dict[UUID, Person] = {}
        self.systems: dict[int, System] = {}  # by index in the schedule (registered in time order)
        self.system_muni: dict[int, int] = {}
        self.open_claims: dict[int, list[UUID]] = {}
        self.details: list[PersonDetails] = []  # of the people registered since the last drain
        self.touched: dict[UUID, object] = {}
        self.stats = {"backdated": 0, "future_dated": 0, "vacancies": 0, "claims": 0, "confirmed": 0, "rejected": 0,
                      "attestations": 0, "departures": 0, "dissolutions": 0, "lifecycle": 0, "assignments": 0}

    # The schedule ------------------------------------------------------------------------

    def schedule(self) -> list[tuple[float, int, str, int]]:
        """(record time, tie-break, kind, subject), sorted: the order the log will have."""
        rng, t0, t1 = self.rng, self.start.timestamp(), self.end.timestamp()
        span = t1 - t0
        people_per_muni = max(12, self.n_systems // self.n_muni // 2)
        n_people = people_per_muni * self.n_muni
        plan: list[tuple[float, int, str, int]] = []
        seq = iter(range(10**9))
        for m in range(self.n_muni):
            plan.append((t0 + m, next(seq), "org", m))
        for p in range(n_people):
            when = t0 + DAY + (rng.random() * span * 0.9 if rng.random() < 0.3 else rng.random() * 30 * DAY)
            plan.append((when, next(seq), "person", p % self.n_muni))
        for p in range(int(n_people * 0.25)):  # a quarter of the staff leave at some point
            plan.append((t0 + 200 * DAY + rng.random() * (span - 200 * DAY), next(seq), "depart", rng.randrange(self.n_muni)))
        for _ in range(max(1, self.n_muni // 3)):
            plan.append((t0 + 400 * DAY + rng.random() * (span - 400 * DAY), next(seq), "dissolve", rng.randrange(self.n_muni)))
        fixed = len(plan) + 4 * self.n_muni * 9 + 2 * self.n_systems  # org units ~36/muni, reservations, registrations
        budget = max(int(self.target * 1.02) - fixed, 3 * self.n_systems)  # 2% slack: a few draws write nothing
        weights = [min(rng.paretovariate(1.3), 40.0) for _ in range(self.n_systems)]
        hot = set(rng.sample(range(self.n_systems), max(1, self.n_systems // 200)))  # 0.5%: 200-400 facts each
        hot_total = sum(rng.randint(230, 420) for _ in hot)
        scale = (budget - hot_total - 3 * self.n_systems) / sum(w for i, w in enumerate(weights) if i not in hot)
        registered = []
        for s in range(self.n_systems):
            when = t0 + 2 * DAY + (rng.random() * 90 * DAY if rng.random() < 0.6 else rng.random() * span * 0.85)
            registered.append(when)
            plan.append((when, next(seq), "system", s))
            for k in range(3):  # the initial placement of the required roles
                plan.append((when + 3600 * (k + 1), next(seq), "assign", s))
        for s in range(self.n_systems):
            n = rng.randint(230, 420) if s in hot else int(weights[s] * scale + rng.random())
            for _ in range(n):
                plan.append((registered[s] + DAY + rng.random() * (t1 - registered[s] - DAY), next(seq), "act", s))
        plan.sort()
        return plan

    # Making it happen ---------------------------------------------------------------------

    def at(self, when: float) -> None:
        self.clock.set_to(datetime.fromtimestamp(when, timezone.utc))

    def today(self) -> date:
        return self.clock.today()

    def _touch(self, aggregate: object) -> None:
        self.touched[aggregate.id] = aggregate  # type: ignore[attr-defined]

    def run(self, kind: str, subject: int) -> None:
        getattr(self, "_" + kind)(subject)

    def _org(self, m: int) -> None:
        muni = self.munis[m]
        kommune = self._unit(f"Kommune {m:03d}", "kommune", None, muni)
        for f in range(5):
            forv = self._unit(f"Forvaltning {m:03d}-{f}", "forvaltning", kommune, muni)
            for a in range(2):
                afd = self._unit(f"Afdeling {m:03d}-{f}-{a}", "afdeling", forv, muni)
                for t in range(2):
                    muni.teams.append(self._unit(f"Team {m:03d}-{f}-{a}-{t}", "team", afd, muni))

    def _unit(self, name: str, level: str, parent: UUID | None, muni: Municipality) -> UUID:
        unit = OrgUnit(name=name, level=level, parent_id=parent, meta=META)
        self.units[unit.id] = unit
        muni.units.append(unit.id)
        self._touch(unit)
        return unit.id

    def _person(self, m: int) -> None:
        muni = self.munis[m]
        living = [u for u in muni.units if not self.units[u].dissolved_by(self.today())] or muni.units[:1]
        unit = self.rng.choice(living)
        title = {"kommune": "direktør", "forvaltning": "fagchef", "afdeling": "afdelingsleder"}.get(
            self.units[unit].level, self.rng.choice(["teamleder", "medarbejder"])
        )
        name = f"Person {len(self.people) + 1:06d}"
        person, details = Person.register(unit, title, Commitment.of(name, None), META)
        self.people.append(person)
        self.people_index[person.id] = person
        muni.active.append(person)
        self.details.append(details)  # saved with the registration, as register_person does
        self._touch(person)

    def _depart(self, m: int) -> None:
        muni = self.munis[m]
        if len(muni.active) < 8:
            return
        person = muni.active.pop(self.rng.randrange(len(muni.active)))
        # Often recorded after the fact (backdated), sometimes announced ahead.
        shift = -self.rng.randint(0, 90) if self.rng.random() < 0.7 else self.rng.randint(1, 45)
        person.depart(self.today() + timedelta(days=shift), META)
        self.stats["departures"] += 1
        self._touch(person)

    def _dissolve(self, m: int) -> None:
        teams = [t for t in self.munis[m].teams if self.units[t].dissolved_on is None]
        if len(teams) > 2:
            unit = self.units[self.rng.choice(teams)]
            unit.dissolve(self.today(), META)
            self.stats["dissolutions"] += 1
            self._touch(unit)

    def _system(self, s: int) -> None:
        m = self.rng.randrange(self.n_muni)
        unit = self.rng.choice([u for u in self.munis[m].units if not self.units[u].dissolved_by(self.today())])
        state = self.rng.choices(
            [Lifecycle.IN_OPERATION, Lifecycle.PHASING_IN, Lifecycle.PILOT, Lifecycle.NOT_IN_OPERATION], [80, 8, 7, 5]
        )[0]
        since = self.today() - timedelta(days=self.rng.randint(0, 3000) if self.rng.random() < 0.7 else 0)
        system = System(
            name=f"System {s:06d}", vendor=self.rng.choice(["KMD", "Netcompany", "Systematic", "IST", "Fujitsu", None]),
            org_unit_id=unit, criticality=self.rng.choices(["low", "medium", "high", "critical"], [30, 35, 25, 10])[0],
            personal_data=self.rng.random() < 0.6, lifecycle=state, lifecycle_from=since, meta=META,
        )
        reservation = SystemName(org_unit_id=unit, name=system.name, system_id=system.id, meta=META)
        self.systems[s] = system
        self.system_muni[s] = m
        self._touch(system)
        self._touch(reservation)

    def _pick_person(self, s: int, start: date) -> Person | None:
        active = self.munis[self.system_muni[s]].active
        for _ in range(4):
            person = self.rng.choice(active) if active else None
            if person is not None and not person.departed_by(start):
                return person
        return None

    def _assign(self, s: int, role: str | None = None) -> None:
        system, rng, today = self.systems[s], self.rng, self.today()
        if role is None:
            missing = [r for r in REQUIRED if system.holder(r, today) is None]
            role = missing[0] if missing and rng.random() < 0.85 else rng.choices(ROLES, ROLE_WEIGHTS)[0]
        roll = rng.random()
        if roll < 0.12:
            start = today - timedelta(days=rng.randint(180, 1100))  # a handover recorded long after
            self.stats["backdated"] += 1
        elif roll < 0.20:
            start = today + timedelta(days=rng.randint(14, 500))  # decided ahead
            self.stats["future_dated"] += 1
        else:
            start = today - timedelta(days=rng.randint(0, 30))
        end = start + timedelta(days=rng.randint(30, 900)) if rng.random() < 0.15 else None
        if rng.random() < 0.07:
            system.vacate(role, start, end, "holder moved on; no successor yet", META)
            self.stats["vacancies"] += 1
        else:
            person = self._pick_person(s, start)
            if person is None:
                system.vacate(role, start, end, "nobody available", META)
                self.stats["vacancies"] += 1
            else:
                system.assign(role, person.id, start, end, "generated", None, META)
                self.stats["assignments"] += 1
        self._touch(system)

    def _act(self, s: int) -> None:
        roll = self.rng.random()
        if roll < 0.62:
            return self._assign(s)
        if roll < 0.72:
            return self._claim_or_answer(s)
        if roll < 0.95:
            return self._attest(s)
        return self._lifecycle(s)

    def _claim_or_answer(self, s: int) -> None:
        system, claims = self.systems[s], self.open_claims.setdefault(s, [])
        if claims and self.rng.random() < 0.8:
            claim_id = claims.pop(self.rng.randrange(len(claims)))
            person = self.people_index[system.claims[claim_id].person_id]
            if self.rng.random() < 0.6 and not person.departed_by(self.today()):
                system.confirm_claim(claim_id, self.today(), None, self.today(), META)
                self.stats["confirmed"] += 1
            else:
                system.reject_claim(claim_id, "another holder was agreed", None, self.today(), META)
                self.stats["rejected"] += 1
        else:
            person = self._pick_person(s, self.today())
            if person is None:
                return self._assign(s)
            claim_id = uuid4()
            role = self.rng.choices(ROLES, ROLE_WEIGHTS)[0]
            try:
                system.make_claim(claim_id, role, person.id, "I have run this system for years", self.today(), META)
            except (AlreadyHoldsRole, ClaimAlreadyOpen):  # the application refuses these claims too
                return self._assign(s)
            claims.append(claim_id)
            self.stats["claims"] += 1
        self._touch(system)

    def _attest(self, s: int) -> None:
        system, today = self.systems[s], self.today()
        for role in (Role.SYSTEMEJER, Role.SYSTEMANSVARLIG):
            holder = system.holder(role, today)
            if holder is not None:
                system.attest(role, holder, today, META)
                self.stats["attestations"] += 1
                self._touch(system)
                return
        self._assign(s, Role.SYSTEMEJER)

    def _lifecycle(self, s: int) -> None:
        system, today = self.systems[s], self.today()
        current = system.lifecycle_at(today) or system.lifecycle_changes[-1].lifecycle
        following = NEXT_STATE.get(Lifecycle(current))
        if following is None or (following == Lifecycle.PHASING_OUT and self.rng.random() < 0.7):
            return self._assign(s)
        offset = self.rng.randint(-60, 120)
        system.change_lifecycle(following, today + timedelta(days=offset), META)
        self.stats["lifecycle"] += 1
        self._touch(system)

    def drain(self) -> list[object]:
        """The aggregates changed since the last drain (their pending events are the batch)."""
        touched, self.touched = list(self.touched.values()), {}
        return touched

    def drain_details(self) -> list[PersonDetails]:
        """The names (outside the log, erasable) of the people registered since the last drain."""
        details, self.details = self.details, []
        return details

