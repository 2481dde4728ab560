"""Concurrent council commands on every backend: one wins, the other gets a 409-class error that
says why, and nothing is lost or doubled."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from ansvar.bootstrap import Runtime, bootstrap
from domain.commands import Actor
from domain.council import AlreadySuperseded
from domain.proposals import IllegalTransition
from tests.api.council_helpers import MARKERS

ACTOR = Actor(role="test")


@pytest.fixture
def runtime(settings, today, clock) -> Iterator[Runtime]:
    rt = bootstrap(settings, clock)
    yield rt
    rt.close()


def race(*commands: Callable[[], object]) -> list[object]:
    """Run the commands at the same moment; return each one's result or exception."""
    barrier, results = threading.Barrier(len(commands)), [None] * len(commands)

    def run(i: int, command: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[i] = command()
        except Exception as exc:  # collected and asserted on below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(commands)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def setup_proposal(rt: Runtime) -> tuple[object, object]:
    app = rt.portfolio
    kommune = app.establish_org_unit("K", "kommune", None, ACTOR).id
    unit = app.establish_org_unit("F", "forvaltning", kommune, ACTOR).id
    person = app.register_person("P", unit, None, None, ACTOR).id
    content = {"title": "T", "problem": "P", "purposes": ["efficiency"], "category": "data",
               "change_kind": "transition", "driver": "it", "benefits": {"text": "b"}, "markers": MARKERS}
    proposal = app.submit_proposal(content, person, ACTOR).id
    app.start_assessment(proposal, ACTOR)
    return proposal, person


def test_two_approvals_of_one_proposal_at_once_record_one(runtime):
    app = runtime.portfolio
    proposal, person = setup_proposal(runtime)
    decide = lambda: app.record_decision(  # noqa: E731
        "approval", "yes", ACTOR, subjects=[{"kind": "proposal", "id": proposal}], decided_by=[person])
    results = race(decide, decide)
    assert sum(not isinstance(r, Exception) for r in results) == 1
    (refused,) = [r for r in results if isinstance(r, Exception)]
    assert isinstance(refused, IllegalTransition) and refused.params["current"] == "approved"
    assert app.proposal(proposal).status == "approved" and app.proposal(proposal).version == 3


def test_two_decisions_superseding_one_at_once_record_one(runtime, today):
    app = runtime.portfolio
    proposal, person = setup_proposal(runtime)
    first = app.record_decision("deferral", "later", ACTOR, subjects=[{"kind": "proposal", "id": proposal}],
                                decided_by=[person]).id
    supersede = lambda: app.record_decision(  # noqa: E731
        "deferral", "even later", ACTOR, subjects=[{"kind": "proposal", "id": proposal}], decided_by=[person],
        supersedes=first, decided_on=today)
    results = race(supersede, supersede)
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1 and isinstance(losers[0], AlreadySuperseded)
    assert losers[0].params["superseded_by"] == str(winners[0].id)
    # Exactly one more deferral reached the proposal: submitted, assessed, deferred twice.
    assert app.proposal(proposal).version == 4
