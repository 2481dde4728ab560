"""Proposals and decisions driven at random over HTTP, on every backend.

- No illegal transition is ever accepted: the oracle is the lifecycle written out from the issue
  here, independently of domain/proposals.py.
- Every refusal is a 409 problem that names the current state and the allowed ones.
- The views equal a fold of the events in the log (read straight from the event store).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from domain.council import Decision
from domain.decommissioning import Decommissioning
from domain.proposals import Proposal
from domain.systems import System
from tests.api.conftest import api, settings  # noqa: F401  (the HTTP fixture with test tokens, every backend)
from tests.api.council_helpers import proposal_body, town
from tests.story import TEST_TODAY, day, on

pytestmark = pytest.mark.slow  # a Hypothesis state machine over HTTP

# The lifecycle as the issue states it (the oracle; not imported from the domain).
SPEC: dict[str, set[str]] = {
    "submitted": {"under_assessment", "withdrawn"},
    "under_assessment": {"prioritised", "approved", "rejected", "deferred", "withdrawn"},
    "prioritised": {"prioritised", "approved", "rejected", "deferred"},
    "deferred": {"prioritised", "approved", "rejected", "deferred"},
    "approved": {"in_implementation", "abandoned"},
    "in_implementation": {"implemented", "abandoned"},
    "rejected": set(), "withdrawn": set(), "implemented": set(), "abandoned": set(),
}
STEPS = {"assessment": "under_assessment", "withdrawal": "withdrawn", "implementation": "in_implementation",
         "abandonment": "abandoned", "completion": "implemented"}
VERDICTS = {"approval": "approved", "rejection": "rejected", "deferral": "deferred", "prioritisation": "prioritised"}
TODAY = TEST_TODAY  # the test clock's today: what "/priorities" answers for
# Mostly steer towards a step that is allowed, so runs get deep into the lifecycle; the rest of
# the time any step at all, so that refusals are exercised everywhere.
LEGAL = st.integers(0, 9).map(lambda n: n < 7)
PICK = st.integers(0, 1000)


def choose(every: list[str], fitting: list[str], pick: int) -> str:
    options = fitting or every
    return options[pick % len(options)]


def next_retirement_steps(state: dict[str, Any] | None) -> list[tuple[str, bool]]:
    if state is None:
        return [("propose", True)]
    if state["stage"] == "proposed":
        return [("decide", True)]
    if state["stage"] == "decided":
        todo = [(s, True) for s, done in (("archive", state["archived"]), ("contracts", state["contracts"])) if not done]
        return todo or [("sign_off", True)]
    return []


class CouncilMachine(RuleBasedStateMachine):
    proposals = Bundle("proposals")
    systems = Bundle("systems")
    claims = Bundle("claims")

    def __init__(self, api: Any, town: Any, counter: list[int]) -> None:
        super().__init__()
        self.api, self.t, self.counter = api, town, counter
        self.status: dict[str, str] = {}
        self.decisions: list[str] = []
        self.superseded: dict[str, str] = {}
        self.retiring: dict[str, dict[str, Any]] = {}  # system -> {"stage", "archived", "contracts"}
        self.registered = 0
        self.claims_made: dict[str, dict[str, str]] = {}  # claim -> {"system", "role", "status", "person"}
        self.holding: dict[tuple[str, str], str] = {}  # (system, role) -> who holds it today, by the latest ruling

    # A few proposals and systems per run, so that the steps, not the intake, get the attention.
    @precondition(lambda self: len(self.status) < 3)
    @rule(target=proposals)
    def submit(self) -> str:
        pid = self.api.post("/proposals", proposal_body(self.t, "Forslag"))["id"]
        self.status[pid] = "submitted"
        return pid

    @rule(proposal=proposals, legal=LEGAL, pick=PICK)
    def take_step(self, proposal: str, legal: bool, pick: int) -> None:
        # Steered steps go forward; withdrawal and abandonment come from the unsteered draws.
        fitting = [s for s in ("assessment", "implementation", "completion") if STEPS[s] in SPEC[self.status[proposal]]]
        step = choose(sorted(STEPS), fitting if legal else [], pick)
        target, body = STEPS[step], None
        if step == "withdrawal":
            body = {"withdrawn_by": self.t.proposer}
        elif step == "abandonment":
            body = {"reason": "Given up"}
        elif step == "completion":
            self.counter[0] += 1
            body = {"operations_owner_id": self.t.tech, "system": {
                "name": f"Leveret system {self.counter[0]}", "org_unit_id": self.t.it, "criticality": "medium",
                "personal_data": False}}
        # A proposal is withdrawn by its proposer in person; every other step is the council's.
        actor = self.api.as_person(self.t.proposer) if step == "withdrawal" else self.api
        self._expect(f"/proposals/{proposal}/{step}", body, [proposal], target, actor)

    @rule(proposals=st.lists(proposals, min_size=1, max_size=2, unique=True),
          legal=LEGAL, pick=PICK, offset=st.integers(0, 320), period=st.one_of(st.none(), st.integers(1, 200)),
          supersede=st.integers(0, 19))
    def decide(self, proposals: list[str], legal: bool, pick: int, offset: int, period: int | None,
               supersede: int) -> None:
        kinds = [*VERDICTS, "benefit_review"]
        fitting = [k for k in kinds if all(self._allowed(p, VERDICTS.get(k)) for p in proposals)]
        kind = choose(kinds, fitting + ["approval"] * 2 * ("approval" in fitting) if legal else [], pick)
        decided_on = day("2026-01-01") + timedelta(days=offset)
        body: dict[str, Any] = {"kind": kind, "rationale": f"Because {kind}", "decided_by": [self.t.chair],
                                "decided_on": decided_on.isoformat()}
        if kind == "prioritisation":
            body["priorities"] = [{"proposal_id": p, "rank": i + 1} for i, p in enumerate(proposals)]
            body["period_from"] = decided_on.isoformat()
            if period:
                body["period_to"] = (decided_on + timedelta(days=period)).isoformat()
        else:
            body["subjects"] = [{"kind": "proposal", "id": p} for p in proposals]
        earlier = self.decisions[supersede % len(self.decisions)] if self.decisions and supersede < 10 else None
        if earlier is not None:
            body["supersedes"] = earlier
        if earlier in self.superseded:
            problem = self.api.post("/decisions", body, expect=409)
            assert problem["type"] == "/problems/already-superseded" and problem["superseded_by"] == self.superseded[earlier]
            return
        created = self._expect("/decisions", body, proposals, VERDICTS.get(kind))
        if created is not None:
            self.decisions.append(created["id"])
            if earlier is not None:
                self.superseded[earlier] = created["id"]

    # Decommissioning ------------------------------------------------------------------------------

    @precondition(lambda self: self.registered < 2)
    @rule(target=systems)
    def register(self) -> str:
        self.counter[0] += 1
        self.registered += 1
        return self.api.system(f"Driftssystem {self.counter[0]}", self.t.elder,
                               lifecycle_from=on("2020-01-01"))

    # Disputed ownership -------------------------------------------------------------------------

    @precondition(lambda self: len(self.claims_made) < 4)
    @rule(target=claims, system=systems, role=st.sampled_from(["systemejer", "dataejer"]), mine=st.booleans())
    def claim(self, system: str, role: str, mine: bool):
        person = self.t.other if mine else self.t.member
        body = {"role": role, "person_id": person, "statement": "Ours"}
        already_open = any(c == {"system": system, "role": role, "status": "open", "person": person}
                           for c in self.claims_made.values())
        if already_open or self.holding.get((system, role)) == person:  # one open claim; none for a role one holds
            problem = self.api.as_person(person).post(f"/systems/{system}/claims", body, expect=409)
            assert problem["type"] == ("/problems/claim-already-open" if already_open else "/problems/already-holds-role")
            return multiple()
        claim_id = self.api.as_person(person).post(f"/systems/{system}/claims", body)["claim_id"]
        self.claims_made[claim_id] = {"system": system, "role": role, "status": "open", "person": person}
        return claim_id

    @rule(claim=claims)
    def rule_on(self, claim: str) -> None:
        disputed = self.claims_made[claim]
        body = {"kind": "ownership_ruling", "rationale": "The council rules", "decided_by": [self.t.chair],
                "subjects": [{"kind": "system", "id": disputed["system"]}], "confirmed_claim_id": claim}
        if disputed["status"] != "open":
            problem = self.api.post("/decisions", body, expect=409)
            assert problem["type"] == "/problems/claim-already-answered" and problem["current"] == disputed["status"]
            return
        self.decisions.append(self.api.post("/decisions", body)["id"])
        for other in self.claims_made.values():
            if (other["system"], other["role"], other["status"]) == (disputed["system"], disputed["role"], "open"):
                other["status"] = "rejected"
        disputed["status"] = "confirmed"
        self.holding[(disputed["system"], disputed["role"])] = disputed["person"]  # from the ruling's date, today

    @rule(system=systems, legal=LEGAL, pick=PICK)
    def retire(self, system: str, legal: bool, pick: int) -> None:
        state = self.retiring.get(system)
        stage = state["stage"] if state else None
        steps = ["propose", "decide", "archive", "contracts", "sign_off"]
        step = choose(steps, [s for s, ok in next_retirement_steps(state)] if legal else [], pick)
        base = f"/systems/{system}/decommissioning"
        call = {
            "propose": (base, {"reason": "Outdated"}, stage is None),
            "decide": ("/decisions", {"kind": "decommission", "rationale": "Retire it", "decided_by": [self.t.chair],
                                      "subjects": [{"kind": "system", "id": system}], "responsible_id": self.t.tech},
                       stage == "proposed"),
            "archive": (base + "/archive-duty", {"duty": "B", "archive_receipt": "Arkiv 1"}, stage == "decided"),
            "contracts": (base + "/contracts-ended", {"ended_on": on("2026-10-01")}, stage == "decided"),
            "sign_off": (base + "/sign-off", {"signed_off_by": self.t.tech},
                         stage == "decided" and state["archived"] and state["contracts"]),
        }
        path, body, allowed = call[step]
        caller = self.api.as_person(self.t.tech) if step == "sign_off" else self.api  # signs off in their own name
        if not allowed:
            problem = caller.post(path, body, expect=409)
            if step == "sign_off" and stage == "decided":
                missing = [m for m, done in (("archive_duty", state["archived"]), ("contracts_ended", state["contracts"]))
                           if not done]
                assert problem["type"] == "/problems/decommissioning-incomplete" and problem["missing"] == missing
            else:
                assert problem["type"] == "/problems/decommissioning-step" and problem.get("current") == stage
            return
        caller.post(path, body)
        if step == "propose":
            self.retiring[system] = {"stage": "proposed", "archived": False, "contracts": False}
        elif step in ("decide", "sign_off"):
            state["stage"] = "decided" if step == "decide" else "completed"
        else:
            state["archived" if step == "archive" else "contracts"] = True

    def _expect(self, path: str, body: Any, proposals: list[str], target: str | None, actor: Any = None) -> dict | None:
        """Post; it must succeed exactly when every proposal may make the step, else 409 saying why."""
        actor = actor or self.api
        blocked = [p for p in proposals if not self._allowed(p, target)]
        if not blocked:
            created = actor.post(path, body)
            for p in proposals:
                self.status[p] = target or self.status[p]
            return created
        response = actor.client.post(path, json=body, headers=actor.headers)
        assert response.status_code == 409, f"{path} accepted an illegal step: {response.text}"
        assert response.headers["content-type"].startswith("application/problem+json")
        problem, first = response.json(), blocked[0]
        current = self.status[first]
        assert problem["current"] == current and current in problem["detail"]
        assert set(problem["allowed"]) == (SPEC[current] if target else {"implemented"})
        return None

    def _allowed(self, proposal: str, target: str | None) -> bool:
        current = self.status[proposal]
        return current == "implemented" if target is None else target in SPEC[current]

    def teardown(self) -> None:
        if self.status or self.retiring or self.claims_made:
            folded = check_views_equal_fold(self.api, list(self.status), self.status)
            for claim, disputed in self.claims_made.items():
                assert folded["claims"][claim] == disputed["status"]
            for system in {d["system"] for d in self.claims_made.values()}:
                for seen in self.api.get(f"/systems/{system}/timeline")["claims"]:
                    assert seen["status"] == folded["claims"][seen["claim_id"]]
        for system, state in self.retiring.items():
            view = self.api.get(f"/systems/{system}/decommissioning")
            assert view["stage"] == state["stage"]
            lifecycle = {"proposed": "in_operation", "decided": "phasing_out", "completed": "decommissioned"}
            assert self.api.get(f"/systems/{system}")["lifecycle"] == lifecycle[state["stage"]]


def fold(events: list[tuple[int, Any]]) -> dict[str, Any]:
    """The council's state, computed straight from the events."""
    status: dict[str, str] = {}
    history: dict[str, int] = defaultdict(int)
    decisions: dict[str, dict[str, Any]] = {}
    consequences: dict[str, int] = defaultdict(int)
    retiring: dict[str, dict[str, Any]] = {}
    claims: dict[str, str] = {}
    by_process: dict[str, str] = {}
    for position, e in events:
        if isinstance(e, System.ClaimMade):
            claims[str(e.claim_id)] = "open"
        elif isinstance(e, (System.ClaimConfirmed, System.ClaimRejected)):
            claims[str(e.claim_id)] = "confirmed" if isinstance(e, System.ClaimConfirmed) else "rejected"
        if isinstance(e, Decommissioning.Proposed):
            by_process[str(e.originator_id)] = str(e.system_id)
            retiring[str(e.system_id)] = {"stage": "proposed", "archived": False, "contracts": False}
        elif isinstance(e, Decommissioning.Event):
            state = retiring[by_process[str(e.originator_id)]]
            if isinstance(e, Decommissioning.Decided):
                state["stage"] = "decided"
            elif isinstance(e, Decommissioning.Completed):
                state["stage"] = "completed"
            else:
                state["archived" if isinstance(e, Decommissioning.ArchiveDutySettled) else "contracts"] = True
        key = str(e.originator_id)
        if isinstance(e, Proposal.Submitted):
            status[key] = "submitted"
        elif isinstance(e, Proposal.StatusChanged):
            status[key] = e.status
        if isinstance(e, Proposal.Event):
            history[key] += 1
        if isinstance(e, Decision.Recorded):
            decisions[key] = {"kind": e.kind, "order": (e.decided_on, position), "e": e, "superseded_on": None}
        if isinstance(e, Decision.Recorded) and e.supersedes is not None:
            decisions[str(e.supersedes)]["superseded_on"] = e.effective_from
        basis = getattr(e, "decision_id", None)
        if basis is not None and isinstance(e, (Proposal.Event, System.Event, Decommissioning.Decided)):
            consequences[str(basis)] += 1
    in_force = [
        (d["e"].effective_from, d["order"][1], key) for key, d in decisions.items()
        if d["kind"] == "prioritisation" and d["e"].effective_from <= TODAY and d["e"].period_from <= TODAY
        and (d["e"].period_to is None or d["e"].period_to > TODAY)
        and (d["superseded_on"] is None or d["superseded_on"] > TODAY)
    ]
    return {"status": status, "history": history, "decisions": decisions, "consequences": consequences,
            "retiring": retiring, "claims": claims,
            "priority_list": max(in_force)[2] if in_force else None}


def pages(api: Any, path: str) -> list[dict]:
    items, cursor = [], None
    while True:
        page = api.get(path, limit=500, cursor=cursor)
        items += page["items"]
        if not (cursor := page["next_cursor"]):
            return items


def check_views_equal_fold(api: Any, mine: list[str], model: dict[str, str]) -> dict[str, Any]:
    app = api.client.app.state.runtime.portfolio
    notifications = app.recorder.select_notifications(1, 1_000_000)
    folded = fold([(n.id, app.mapper.to_domain_event(n)) for n in notifications])
    assert {p: folded["status"][p] for p in mine} == model  # the model agrees with the log
    assert {p["id"]: p["status"] for p in pages(api, "/proposals")} == folded["status"]
    for pid in mine:
        assert len(api.get(f"/proposals/{pid}")["history"]) == folded["history"][pid]
    log = pages(api, "/decisions")
    expected = sorted(folded["decisions"].items(), key=lambda kv: kv[1]["order"])
    assert [(d["id"], d["kind"]) for d in log] == [(k, d["kind"]) for k, d in expected]
    for d in log[-5:]:
        assert len(api.get(f"/decisions/{d['id']}")["consequences"]) == folded["consequences"][d["id"]]
    in_progress = {d["system_id"]: d for d in api.get("/decommissionings")["items"]}
    expected_open = {s: st for s, st in folded["retiring"].items() if st["stage"] != "completed"}
    assert set(in_progress) == set(expected_open)
    for system, state in expected_open.items():
        lacks = (["decision"] if state["stage"] == "proposed" else []) + [
            m for m, done in (("archive_duty", state["archived"]), ("contracts_ended", state["contracts"])) if not done]
        assert in_progress[system]["lacking"] == lacks + ["sign_off"]
    current = api.get("/priorities")["decision"]
    assert (current and current["id"]) == folded["priority_list"]
    return folded


def test_random_proposals_and_decisions_never_break_the_lifecycle(api, settings):
    t = town(api)
    examples, steps = (12, 30) if settings.database.kind == "postgres" else (20, 40)
    counter = [0]
    run_state_machine_as_test(
        lambda: CouncilMachine(api, t, counter),
        settings=hsettings(max_examples=examples, stateful_step_count=steps, deadline=None,
                           suppress_health_check=list(HealthCheck)),
    )
