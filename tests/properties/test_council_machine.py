"""Proposals and decisions driven at random over HTTP, on every backend.

- No illegal transition is ever accepted: the oracle is the lifecycle written out from the issue
  here, independently of domain/proposals.py.
- Every refusal is a 409 problem that names the current state and the allowed ones.
- The views equal a fold of the events in the log (read straight from the event store).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, settings as hsettings, strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, rule, run_state_machine_as_test

from domain.council import Decision
from domain.decommissioning import Decommissioning
from domain.proposals import Proposal
from domain.systems import System
from tests.api.conftest import api  # noqa: F401  (the HTTP fixture, over every backend)
from tests.api.council_helpers import proposal_body, town

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
TODAY = date(2026, 11, 22)


class CouncilMachine(RuleBasedStateMachine):
    proposals = Bundle("proposals")

    def __init__(self, api: Any, town: Any, counter: list[int]) -> None:
        super().__init__()
        self.api, self.t, self.counter = api, town, counter
        self.status: dict[str, str] = {}
        self.decisions: list[str] = []
        self.superseded: dict[str, str] = {}

    @rule(target=proposals)
    def submit(self) -> str:
        pid = self.api.post("/proposals", proposal_body(self.t, "Forslag"))["id"]
        self.status[pid] = "submitted"
        return pid

    @rule(proposal=proposals, step=st.sampled_from(sorted(STEPS)))
    def take_step(self, proposal: str, step: str) -> None:
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
        self._expect(f"/proposals/{proposal}/{step}", body, [proposal], target)

    @rule(proposals=st.lists(proposals, min_size=1, max_size=3, unique=True),
          kind=st.sampled_from([*VERDICTS, "benefit_review"]), day=st.integers(0, 320),
          period=st.one_of(st.none(), st.integers(1, 200)), supersede=st.integers(0, 50))
    def decide(self, proposals: list[str], kind: str, day: int, period: int | None, supersede: int) -> None:
        decided_on = date(2026, 1, 1) + timedelta(days=day)
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

    def _expect(self, path: str, body: Any, proposals: list[str], target: str | None) -> dict | None:
        """Post; it must succeed exactly when every proposal may make the step, else 409 saying why."""
        blocked = [p for p in proposals if not self._allowed(p, target)]
        if not blocked:
            created = self.api.post(path, body)
            for p in proposals:
                self.status[p] = target or self.status[p]
            return created
        response = self.api.client.post(path, json=body)
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
        if self.status:
            check_views_equal_fold(self.api, list(self.status), self.status)


def fold(events: list[tuple[int, Any]]) -> dict[str, Any]:
    """The council's state, computed straight from the events."""
    status: dict[str, str] = {}
    history: dict[str, int] = defaultdict(int)
    decisions: dict[str, dict[str, Any]] = {}
    consequences: dict[str, int] = defaultdict(int)
    for position, e in events:
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
            "priority_list": max(in_force)[2] if in_force else None}


def pages(api: Any, path: str) -> list[dict]:
    items, cursor = [], None
    while True:
        page = api.get(path, limit=500, cursor=cursor)
        items += page["items"]
        if not (cursor := page["next_cursor"]):
            return items


def check_views_equal_fold(api: Any, mine: list[str], model: dict[str, str]) -> None:
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
    current = api.get("/priorities")["decision"]
    assert (current and current["id"]) == folded["priority_list"]


def test_random_proposals_and_decisions_never_break_the_lifecycle(api, settings):
    t = town(api)
    examples, steps = (10, 15) if settings.database.kind == "postgres" else (25, 20)
    counter = [0]
    run_state_machine_as_test(
        lambda: CouncilMachine(api, t, counter),
        settings=hsettings(max_examples=examples, stateful_step_count=steps, deadline=None,
                           suppress_health_check=list(HealthCheck)),
    )
