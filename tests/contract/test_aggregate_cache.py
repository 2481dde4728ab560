"""Commands load aggregates from the library's cache (domain/loading.py), fast-forwarded on every
load: two application processes on one database (two Portfolio instances here) each see what the
other wrote, and a cached aggregate that is stale when the command saves never loses an update
(the save conflicts, the command runs again on the fresh state, or answers 409)."""

from __future__ import annotations

import pytest

from ansvar.bootstrap import bootstrap
from domain.errors import ClaimAlreadyAnswered
from domain.loading import fork_aggregate
from domain.systems import System

shared_store = pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def two(settings, clock):
    """Two runtimes on one database, as two API processes would be."""
    first = bootstrap(settings, clock)
    second = bootstrap(settings, clock)
    yield first.portfolio, second.portfolio
    second.close()
    first.close()


def _system(app, today):
    unit = app.establish_org_unit("Kommune", "kommune", None).id
    alice = app.register_person("Alice Holm", unit, None, None).id
    bo = app.register_person("Bo Berg", unit, None, None).id
    system = app.register_system("Løn", None, unit, "low", False, "pilot").id
    return system, alice, bo


class _Stale:
    """An event store whose fast-forward reads come back empty once: as if the read ran just before
    another process's commit landed."""

    def __init__(self, store):
        self.store, self.missed = store, 0

    def get(self, originator_id, gt=None, **kwargs):
        if gt is not None and self.missed == 0:
            self.missed += 1
            return iter(())
        return self.store.get(originator_id, gt=gt, **kwargs)

    def __getattr__(self, name):
        return getattr(self.store, name)


@shared_store
def test_given_a_system_cached_in_one_process_when_the_other_writes_then_the_first_sees_it(two, today):
    a, b = two
    system, alice, bo = _system(a, today)
    assert b.repository.get(system).version == 1  # cached in b
    a.assign_role(system, "systemejer", alice, today)
    seen = b.repository.get(system)
    assert seen.version == 2 and seen.holder("systemejer", today) == alice
    b.assign_role(system, "kontraktejer", bo, today)  # on the fast-forwarded state: version 3
    assert a.repository.get(system).version == 3
    assert [f.holder for f in a.repository.get(system).facts] == [alice, bo]


@shared_store
def test_given_a_stale_cached_system_when_saved_then_the_command_runs_again_and_nothing_is_lost(two, today):
    a, b = two
    system, alice, bo = _system(a, today)
    b.repository.get(system)
    a.assign_role(system, "systemejer", alice, today)
    stale = _Stale(b.repository.event_store)
    b.repository.event_store = stale
    b.assign_role(system, "kontraktejer", bo, today)  # first attempt on version 1: conflicts, runs again
    assert stale.missed == 1
    facts = a.repository.get(system).facts
    assert [(f.role, f.holder) for f in facts] == [("systemejer", alice), ("kontraktejer", bo)]


@shared_store
def test_given_a_claim_confirmed_in_one_process_when_a_stale_other_rejects_it_then_that_is_a_conflict(two, today):
    a, b = two
    system, alice, bo = _system(a, today)
    claim = a.make_claim(system, "systemejer", alice, "mit system").id
    assert b.repository.get(system).claims[claim].status == "open"  # cached in b: open
    a.confirm_claim(system, claim)
    b.repository.event_store = _Stale(b.repository.event_store)
    with pytest.raises(ClaimAlreadyAnswered):  # 409: the rejection ran again on the fresh state
        b.reject_claim(system, claim, "nej")
    assert a.repository.get(system).claims[claim].status == "confirmed"


@shared_store
def test_a_command_changes_only_its_own_copy_never_the_cached_aggregate(two, today):
    a, _ = two
    system, alice, _ = _system(a, today)
    loaded = a.repository.get(system)
    with a.recording():
        loaded.assign("systemejer", alice, today, None, None, None, {})  # never saved
    again = a.repository.get(system)
    assert again.version == 1 and again.facts == [] and again is not loaded


def test_a_copy_equals_the_original_and_shares_only_what_cannot_change(clock, today):
    from domain.record_time import recording_with

    with recording_with(clock):
        from uuid import uuid4

        s = System("Løn", None, uuid4(), "low", False, "pilot", today, {})
        s.assign("systemejer", uuid4(), today, None, "basis", None, {"actor_role": "system"})
        s.make_claim(uuid4(), "kontraktejer", uuid4(), "mit", today, {})
    twin = fork_aggregate(s)
    assert vars(twin).keys() == vars(s).keys()
    assert twin.facts == s.facts and twin.facts is not s.facts and twin.facts[0] is s.facts[0]  # frozen: shared
    assert twin.claims is not s.claims
    claim = next(iter(s.claims))
    assert twin.claims[claim] is not s.claims[claim] and twin.claims[claim].status == s.claims[claim].status
    twin.claims[claim].status = "confirmed"
    assert s.claims[claim].status == "open"
