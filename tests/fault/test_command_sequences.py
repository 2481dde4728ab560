"""Random command sequences through the HTTP API (Hypothesis stateful testing).

The model keeps the facts the API accepted, with the position and record time each receipt
gave. After every step: no answer is a 5xx; every answer the model can predict is the one it
predicts; and the views equal a fold of what was sent: accountability at (date, known at) is
domain/responsibility.py applied to the accepted facts, the timeline's periods are
`resolve_periods` of them, each role has at most one holder per date, and the answer "known
now" equals the System aggregate replayed from the event store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from litestar.testing import TestClient

from ansvar.web import create_app
from domain.clock import ManualClock
from domain.responsibility import Fact, deciding_fact, resolve_periods
from infra.settings import Auth, Settings
from tests.api.client import TEST_SECRET, bearer
from tests.conftest import drop_schema, make_database
from tests.fault.views import ROLES
from tests.story import TEST_TODAY
from tests.story import day as story_day

pytestmark = pytest.mark.slow  # a Hypothesis state machine over HTTP

TODAY = TEST_TODAY
REGISTERED = story_day("2020-01-01")
DAYS = st.integers(0, 12).map(lambda m: story_day("2025-01-01") + timedelta(days=61 * m))
ROLE = st.sampled_from(ROLES[:2])  # few roles and dates, so facts overlap and override each other
LIFECYCLES = ["not_in_operation", "pilot", "phasing_in", "in_operation", "phasing_out", "decommissioned"]


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class SystemModel:
    id: str
    facts: list[Fact] = field(default_factory=list)
    lifecycle: list[tuple[date, int, str]] = field(default_factory=list)  # (effective, position, state)
    claims: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # id -> (role, person, status)


class CommandSequences(RuleBasedStateMachine):
    backend = "memory"
    tmp_path = None

    systems = Bundle("systems")
    people = Bundle("people")

    def __init__(self) -> None:
        super().__init__()
        self.db = make_database(self.backend, self.tmp_path / f"run{id(self)}")
        app = create_app(Settings(database=self.db, log_level="warning", read_wait_seconds=10, auth=Auth(secret=TEST_SECRET)),
                         clock=ManualClock.on(TODAY), configure_logging=False)
        self.client = TestClient(app).__enter__()
        self.client.headers["Authorization"] = bearer()  # an admin and council member
        self.position = 0
        self.model: dict[str, SystemModel] = {}
        self.departed: dict[str, date] = {}
        self.names: set[str] = set()
        self.record_times: list[datetime] = []
        self.unit = self.command("/org-units", {"name": "Kommune", "level": "kommune"}, expect=201)["id"]

    def teardown(self) -> None:
        self.client.__exit__(None, None, None)
        if self.db.kind == "postgres":
            drop_schema(self.db)

    # Talking to the API -----------------------------------------------------------------------

    def command(self, path: str, body: dict, expect: int | None = None, key: str | None = None,
                as_person: str | None = None) -> dict:
        headers = {"Idempotency-Key": key} if key else {}
        if as_person is not None:  # claims and attestations are made by the person themself
            headers["Authorization"] = bearer(as_person)
        response = self.client.post(path, json=body, headers=headers)
        assert response.status_code < 500, f"POST {path} {body} -> {response.status_code}: {response.text}"
        if expect is not None:
            assert response.status_code == expect, f"POST {path} {body} -> {response.status_code}: {response.text}"
        answer = response.json()
        answer["_status"] = response.status_code
        if response.status_code == 201:
            self.position = max(self.position, answer["position"])
            self.record_times.append(parse_time(answer["recorded_at"]))
        return answer

    def read(self, path: str, **params) -> dict:
        response = self.client.get(path, params={"after": self.position, **params})
        assert response.status_code == 200, f"GET {path} {params} -> {response.status_code}: {response.text}"
        return response.json()

    # Commands --------------------------------------------------------------------------------

    @rule(target=people)
    def register_person(self) -> str:
        return self.command("/people", {"name": "Someone", "org_unit_id": self.unit}, expect=201)["id"]

    @rule(target=systems, name=st.sampled_from(["ESDH", "Løn", "KMD Nexus", "esdh "]))
    def register_system(self, name: str):
        taken = " ".join(name.split()).casefold() in self.names
        answer = self.command("/systems", {
            "name": name, "org_unit_id": self.unit, "criticality": "high", "personal_data": True,
            "lifecycle": "in_operation", "lifecycle_from": REGISTERED.isoformat(),
        }, expect=409 if taken else 201)
        if taken:
            return multiple()
        self.names.add(" ".join(name.split()).casefold())
        self.model[answer["id"]] = SystemModel(answer["id"], lifecycle=[(REGISTERED, answer["position"], "in_operation")])
        return answer["id"]

    @rule(system=systems, person=people, role=ROLE, start=DAYS, length=st.none() | st.integers(-60, 400),
          retry=st.booleans())
    def assign(self, system, person, role, start, length, retry):
        end = None if length is None else start + timedelta(days=length)
        valid = (end is None or end > start) and not self._departed_by(person, start)
        body = {"role": role, "person_id": person, "effective_from": start.isoformat(),
                "effective_to": end and end.isoformat()}
        key = f"assign-{len(self.record_times)}-{system}" if retry else None
        answer = self.command(f"/systems/{system}/assignments", body, expect=201 if valid else 422, key=key)
        if valid:
            self._fact(system, answer, role, UUID(person), start, end)
            if retry:  # the same command again: the first answer, and nothing written twice
                again = self.command(f"/systems/{system}/assignments", body, key=key)
                assert again == answer

    @rule(system=systems, role=ROLE, start=DAYS, length=st.none() | st.integers(1, 400))
    def vacate(self, system, role, start, length):
        end = None if length is None else start + timedelta(days=length)
        answer = self.command(f"/systems/{system}/vacancies", {
            "role": role, "effective_from": start.isoformat(), "effective_to": end and end.isoformat(),
            "reason": "nobody",
        }, expect=201)
        self._fact(system, answer, role, None, start, end)

    @rule(system=systems, person=people, role=ROLE)
    def make_claim(self, system, person, role):
        departed = self._departed_by(person, TODAY)
        open_already = (role, person, "open") in self.model[system].claims.values()
        holds = self._holder(system, role, TODAY) == UUID(person)  # one open claim; none for a role one holds
        expect = 422 if departed else 409 if open_already or holds else 201
        answer = self.command(f"/systems/{system}/claims", {"role": role, "person_id": person, "statement": "mine"},
                              expect=expect, as_person=person)
        if expect == 201:
            self.model[system].claims[answer["claim_id"]] = (role, person, "open")

    @precondition(lambda self: any(m.claims for m in self.model.values()))
    @rule(data=st.data(), confirm=st.booleans(), start=DAYS)
    def answer_claim(self, data, confirm, start):
        system = data.draw(st.sampled_from(sorted(s for s, m in self.model.items() if m.claims)))
        claim = data.draw(st.sampled_from(sorted(self.model[system].claims)))
        role, person, status = self.model[system].claims[claim]
        path = f"/systems/{system}/claims/{claim}"
        if status != "open":
            expect = 409
        elif confirm and self._departed_by(person, start):
            expect = 422
        else:
            expect = 201
        if confirm:
            answer = self.command(f"{path}/confirmation", {"effective_from": start.isoformat()}, expect=expect)
        else:
            answer = self.command(f"{path}/rejection", {"reason": "no"}, expect=expect)
        if expect == 201:
            self.model[system].claims[claim] = (role, person, "confirmed" if confirm else "rejected")
            if confirm:
                self._fact(system, answer, role, UUID(person), start, None)

    @rule(person=consumes(people), on=DAYS)
    def depart(self, person, on):
        self.command(f"/people/{person}/departure", {"effective": on.isoformat()}, expect=201)
        self.departed[person] = on

    @rule(system=systems, person=people, role=ROLE)
    def attest(self, system, person, role):
        holder = self._holder(system, role, TODAY)
        self.command(f"/systems/{system}/attestations", {"role": role, "person_id": person},
                     expect=201 if holder == UUID(person) else 403, as_person=person)

    @rule(system=systems, state=st.sampled_from(LIFECYCLES), start=DAYS)
    def change_lifecycle(self, system, state, start):
        answer = self.command(f"/systems/{system}/lifecycle", {"lifecycle": state, "effective_from": start.isoformat()},
                              expect=201)
        self.model[system].lifecycle.append((start, answer["position"], state))

    # The views against the fold ------------------------------------------------------------

    @rule(system=systems, at=DAYS, data=st.data())
    def accountability_equals_the_fold(self, system, at, data):
        times = [None, *self.record_times]
        # Draw an index of a fixed shape: the list's length depends on real record times, and a
        # strategy whose shape varies between runs makes Hypothesis hide a real failure as "flaky".
        known = times[data.draw(st.integers(0, 1_000)) % len(times)]
        if known is not None and data.draw(st.booleans()):
            known -= timedelta(microseconds=1)  # just before a recording: that fact is not known yet
        self._check_accountability(system, at, known)

    def _check_accountability(self, system: str, at: date, known: datetime | None) -> None:
        params = {"at": at.isoformat()}
        if known is not None:
            params["known_at"] = known.isoformat()
        answer = self.read(f"/systems/{system}/accountability", **params)
        roles = [h["role"] for h in answer["holders"]]
        assert len(roles) == len(set(roles)), "two holders of one role on one date"
        expected = {}
        for role in ROLES:
            fact = deciding_fact(self.model[system].facts, role, at, known)
            if fact is not None and fact.holder is not None:
                expected[role] = (str(fact.holder), fact.effective_from.isoformat(),
                                  fact.effective_to and fact.effective_to.isoformat())
        got = {h["role"]: (h["person_id"], h["effective_from"], h["effective_to"]) for h in answer["holders"]}
        assert got == expected, f"accountability of {system} at {at} known at {known}"

    @invariant()
    def replay_and_timeline_equal_the_model(self):
        if not self.model:
            return
        system = sorted(self.model)[len(self.record_times) % len(self.model)]
        model = self.model[system]
        timeline = self.read(f"/systems/{system}/timeline")
        seen = {r["role"]: r["periods"] for r in timeline["roles"]}
        replayed = self.client.app.state.runtime.portfolio.system(UUID(system))
        for role in ROLES:
            periods = [(p.holder and str(p.holder), p.start.isoformat(), p.end and p.end.isoformat())
                       for p in resolve_periods(model.facts, role)]
            assert [(p["person_id"], p["effective_from"], p["effective_to"]) for p in seen.get(role, [])] == periods
            for day in {f.effective_from for f in model.facts} | {TODAY}:
                assert replayed.holder(role, day) == self._holder(system, role, day)
        days = sorted({f.effective_from for f in model.facts} | {TODAY})
        earlier = self.record_times[len(self.record_times) // 2]
        for day in days:
            self._check_accountability(system, day, None)
            self._check_accountability(system, day, earlier)
        state = max((c for c in model.lifecycle if c[0] <= TODAY), default=None)
        assert self.read(f"/systems/{system}")["lifecycle"] == (state and state[2])

    # Model helpers -------------------------------------------------------------------------

    def _fact(self, system, answer, role, holder, start, end) -> None:
        self.model[system].facts.append(Fact(answer["position"], parse_time(answer["recorded_at"]), role, holder, start, end))

    def _holder(self, system, role, day) -> UUID | None:
        fact = deciding_fact(self.model[system].facts, role, day)
        return None if fact is None else fact.holder

    def _departed_by(self, person: str, day: date) -> bool:
        return person in self.departed and self.departed[person] <= day


@pytest.mark.parametrize("backend,examples", [("memory", 15), ("sqlite", 8), ("postgres", 5)])
def test_random_command_sequences_keep_every_view_equal_to_the_fold(backend, examples, tmp_path):
    machine = type(f"CommandSequences_{backend}", (CommandSequences,), {"backend": backend, "tmp_path": tmp_path})
    run_state_machine_as_test(machine, settings=settings(
        max_examples=examples, stateful_step_count=30, deadline=None, database=None,
        suppress_health_check=list(HealthCheck),
    ))
