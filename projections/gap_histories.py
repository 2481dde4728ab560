"""Each system's history for the gap rules, assembled in memory from the events themselves while
a rebuild (or a view made afresh) replays the log, so the gaps are computed once per system at the
end without reading back the tables the other views have just written (that read-back, by batches
of systems, was a quarter of a rebuild).

What it keeps is what the gaps view's `load_histories` reads from those tables, as their handlers
leave them: the systems' criticality (registered, details changed), lifecycle changes, facts (a
vacancy's reason erased with its text), claims (answered when confirmed or rejected), attestations
and hand-over offers (answered when accepted, refused or withdrawn), with a merged person's rows
read as the survivor's; and the people's units and departures and the units' levels and
dissolutions. tests/contract/test_gap_histories.py holds it equal to `load_histories`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any
from uuid import UUID

from domain import gaps as rules
from domain.erasable import ERASED
from domain.lifecycle import LifecycleChange
from domain.org import OrgUnit, Person
from domain.responsibility import Fact
from domain.systems import System


class _System:
    __slots__ = ("criticality", "lifecycle", "facts", "claims", "attestations", "offers")

    def __init__(self, criticality: str) -> None:
        self.criticality = criticality
        self.lifecycle: list[LifecycleChange] = []
        self.facts: list[Fact] = []
        self.claims: list[rules.Claim] = []
        self.attestations: list[rules.Attestation] = []
        self.offers: list[rules.Offer] = []


class GapHistories:
    """`apply(event, position)` for every event of the log from its start, in order; then
    `histories()` and `directory()` are what `load_histories` reads for every system."""

    def __init__(self) -> None:
        self.upto = 0  # the last position applied
        self._systems: dict[UUID, _System] = {}
        self._orphans: dict[UUID, _System] = {}  # rows of a system never registered: kept, never read
        self._people: dict[UUID, rules.PersonInfo] = {}
        self._units: dict[UUID, rules.OrgUnitInfo] = {}
        self._claims: dict[UUID, tuple[UUID, int]] = {}  # claim id -> (system, index in its claims)
        self._offers: dict[UUID, tuple[UUID, int]] = {}
        self._vacancies: dict[int, tuple[UUID, int]] = {}  # a fact's position -> (system, index in its facts)
        self._mentions: dict[UUID, set[UUID]] = defaultdict(set)  # person -> systems whose rows name them
        self._routes = {
            System.Registered: self._registered, System.DetailsChanged: self._details,
            System.LifecycleChanged: self._lifecycle, System.AssignmentRecorded: self._assignment,
            System.VacancyRecorded: self._vacancy, System.ClaimMade: self._claim,
            System.ClaimConfirmed: self._answered, System.ClaimRejected: self._answered,
            System.Attested: self._attested, System.HandoverOffered: self._offered,
            System.HandoverAccepted: self._offer_answered, System.HandoverRefused: self._offer_answered,
            System.HandoverWithdrawn: self._offer_withdrawn, System.TextErased: self._text_erased,
            Person.Registered: self._person, Person.Corrected: self._person_corrected,
            Person.Departed: self._departed, Person.Returned: self._returned, Person.Merged: self._merged,
            OrgUnit.Established: self._unit, OrgUnit.Dissolved: self._dissolved,
        }

    def apply(self, event: Any, position: int) -> None:
        handler = self._routes.get(type(event))
        if handler is not None:
            handler(event, position)
        self.upto = position

    def histories(self) -> list[rules.SystemHistory]:
        return [
            rules.SystemHistory(system_id=i, criticality=s.criticality, lifecycle=s.lifecycle, facts=s.facts,
                                claims=s.claims, attestations=s.attestations, offers=s.offers)
            for i, s in sorted(self._systems.items())
        ]

    def directory(self) -> rules.Directory:
        # `load_histories` joins each holder to their unit: a person whose unit is unknown is left out.
        people = {p: info for p, info in self._people.items() if info.org_unit_id in self._units}
        return rules.Directory(people, dict(self._units))

    # Systems -----------------------------------------------------------------------------------

    def _system(self, system_id: UUID) -> _System | None:
        return self._systems.get(system_id)

    def _registered(self, e: System.Registered, position: int) -> None:
        s = self._systems[e.originator_id] = self._orphans.pop(e.originator_id, None) or _System(e.criticality)
        s.criticality = e.criticality
        s.lifecycle.append(LifecycleChange(position, e.lifecycle, e.lifecycle_from))

    def _details(self, e: System.DetailsChanged, position: int) -> None:
        if (s := self._system(e.originator_id)) is not None:
            s.criticality = e.criticality

    def _lifecycle(self, e: System.LifecycleChanged, position: int) -> None:
        self._rows(e.originator_id).lifecycle.append(LifecycleChange(position, e.lifecycle, e.effective_from))

    def _rows(self, system_id: UUID) -> _System:
        """The system's lists; a system's rows are kept even before (or without) its registration,
        as the tables keep them, and are read only for a registered system."""
        s = self._systems.get(system_id)
        if s is None:
            s = self._orphans.get(system_id)
            if s is None:
                s = self._orphans[system_id] = _System("")
        return s

    def _assignment(self, e: System.AssignmentRecorded, position: int) -> None:
        self._fact(e.originator_id, Fact(position, e.timestamp, e.role, e.person_id, e.effective_from, e.effective_to))

    def _vacancy(self, e: System.VacancyRecorded, position: int) -> None:
        s = self._fact(e.originator_id, Fact(position, e.timestamp, e.role, None, e.effective_from, e.effective_to,
                                             e.reason))
        self._vacancies[position] = (e.originator_id, len(s.facts) - 1)

    def _fact(self, system_id: UUID, fact: Fact) -> _System:
        s = self._rows(system_id)
        s.facts.append(fact)
        if fact.holder is not None:
            self._mentions[fact.holder].add(system_id)
        return s

    def _claim(self, e: System.ClaimMade, position: int) -> None:
        s = self._rows(e.originator_id)
        self._claims[e.claim_id] = (e.originator_id, len(s.claims))
        s.claims.append(rules.Claim(e.claim_id, e.role, e.person_id, e.made_on))
        self._mentions[e.person_id].add(e.originator_id)

    def _answered(self, e: System.ClaimConfirmed | System.ClaimRejected, position: int) -> None:
        if (at := self._claims.get(e.claim_id)) is not None:
            claims = self._rows(at[0]).claims
            claims[at[1]] = replace(claims[at[1]], answered_on=e.answered_on)

    def _attested(self, e: System.Attested, position: int) -> None:
        self._rows(e.originator_id).attestations.append(rules.Attestation(e.role, e.person_id, e.attested_on))
        self._mentions[e.person_id].add(e.originator_id)

    def _offered(self, e: System.HandoverOffered, position: int) -> None:
        s = self._rows(e.originator_id)
        self._offers[e.offer_id] = (e.originator_id, len(s.offers))
        s.offers.append(rules.Offer(e.offer_id, e.role, e.from_person_id, e.to_person_id, e.offered_on))
        self._mentions[e.from_person_id].add(e.originator_id)
        self._mentions[e.to_person_id].add(e.originator_id)

    def _offer_answered(self, e: System.HandoverAccepted | System.HandoverRefused, position: int) -> None:
        self._offer_answer(e.offer_id, e.answered_on)

    def _offer_withdrawn(self, e: System.HandoverWithdrawn, position: int) -> None:
        self._offer_answer(e.offer_id, e.withdrawn_on)

    def _offer_answer(self, offer_id: UUID, on: Any) -> None:
        if (at := self._offers.get(offer_id)) is not None:
            offers = self._rows(at[0]).offers
            offers[at[1]] = replace(offers[at[1]], answered_on=on)

    def _text_erased(self, e: System.TextErased, position: int) -> None:
        # Of the texts the rules read, only a vacancy's reason can be erased (facts' `basis`).
        if e.topic in (System.VacancyRecorded.TOPIC, System.AssignmentRecorded.TOPIC):
            if (at := self._vacancies.get(e.position)) is not None:
                facts = self._rows(at[0]).facts
                facts[at[1]] = replace(facts[at[1]], reason=ERASED)

    # People and units --------------------------------------------------------------------------

    def _person(self, e: Person.Registered, position: int) -> None:
        self._people[e.originator_id] = rules.PersonInfo(e.originator_id, e.org_unit_id, None)

    def _person_corrected(self, e: Person.Corrected, position: int) -> None:
        if (p := self._people.get(e.originator_id)) is not None:
            self._people[e.originator_id] = replace(p, org_unit_id=e.org_unit_id)

    def _departed(self, e: Person.Departed, position: int) -> None:
        if (p := self._people.get(e.originator_id)) is not None:
            self._people[e.originator_id] = replace(p, departed_on=e.effective)

    def _returned(self, e: Person.Returned, position: int) -> None:
        if (p := self._people.get(e.originator_id)) is not None:
            self._people[e.originator_id] = replace(p, departed_on=None)

    def _merged(self, e: Person.Merged, position: int) -> None:
        """The merged record's facts, claims, attestations and offers read as the survivor's."""
        merged, into = e.originator_id, e.into
        systems = self._mentions.pop(merged, set())
        for system_id in systems:
            s = self._rows(system_id)
            s.facts[:] = [replace(f, holder=into) if f.holder == merged else f for f in s.facts]
            s.claims[:] = [replace(c, person_id=into) if c.person_id == merged else c for c in s.claims]
            s.attestations[:] = [replace(a, person_id=into) if a.person_id == merged else a for a in s.attestations]
            s.offers[:] = [
                replace(o, from_person_id=into if o.from_person_id == merged else o.from_person_id,
                        to_person_id=into if o.to_person_id == merged else o.to_person_id)
                if merged in (o.from_person_id, o.to_person_id) else o
                for o in s.offers
            ]
        self._mentions[into] |= systems

    def _unit(self, e: OrgUnit.Established, position: int) -> None:
        self._units[e.originator_id] = rules.OrgUnitInfo(e.originator_id, e.level, None)

    def _dissolved(self, e: OrgUnit.Dissolved, position: int) -> None:
        if (u := self._units.get(e.originator_id)) is not None:
            self._units[e.originator_id] = replace(u, dissolved_on=e.effective)
