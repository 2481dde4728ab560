"""Projections apply each event exactly once: a stop mid-way resumes where it stopped, and the
result equals a rebuild from scratch, whatever the batch size, on every backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ansvar.bootstrap import bootstrap
from projections.catchup import REBUILD_BATCH
from projections.failures import ViewFailed
from tests.story import day


def fill(app, n_systems: int = 12) -> None:
    kommune = app.establish_org_unit("K", "kommune", None).id
    units = [app.establish_org_unit(f"A{i}", "afdeling", kommune).id for i in range(3)]
    people = [app.register_person(f"P{i}", units[i % 3], None, None).id for i in range(6)]
    for i in range(n_systems):
        s = app.register_system(f"S{i}", None, units[i % 3], "critical", True, "in_operation", day("2021-01-01")).id
        for j in range(4):
            app.assign_role(s, "systemejer", people[(i + j) % 6], day("2021-01-01") + timedelta(days=40 * j))
        app.record_vacancy(s, "systemansvarlig", day("2022-01-01"), None, "left")
        claim = app.make_claim(s, "dataejer", people[i % 6], "mine").id
        if i % 2:
            app.confirm_claim(s, claim)
    app.record_departure(people[0], day("2023-01-01"))
    app.dissolve_org_unit(units[2], day("2024-01-01"))


def test_stopping_mid_way_and_resuming_equals_a_rebuild(settings, today, clock):
    runtime = bootstrap(settings, clock)
    fill(runtime.portfolio)
    head = runtime.catchup.head()
    runtime.catchup.run_batch(limit=17)
    runtime.catchup.run_batch(limit=17)
    assert min(runtime.catchup.positions().values()) == 34 < head
    if settings.database.kind != "memory":  # a new process: nothing but the database survives
        runtime.close()
        runtime = bootstrap(settings, clock)
    assert min(runtime.catchup.positions().values()) == 34
    runtime.catchup.run_until_caught_up(batch=7)
    resumed = runtime.catchup.checksums()
    runtime.catchup.reset()
    runtime.catchup.run_until_caught_up(batch=REBUILD_BATCH)  # as `ansvar projections rebuild`: one batch here
    assert runtime.catchup.checksums() == resumed
    assert set(runtime.catchup.positions().values()) == {head}
    runtime.close()


def test_rebuilding_one_view_leaves_the_others_and_ends_identical(settings, today, clock):
    runtime = bootstrap(settings, clock)
    fill(runtime.portfolio, 5)
    runtime.catchup.run_until_caught_up()
    before = runtime.catchup.checksums()
    assert runtime.catchup.reset(["gaps"]) == ["gaps"]
    positions = runtime.catchup.positions()
    assert positions["gaps"] == 0 and positions["systems"] == runtime.catchup.head()
    runtime.catchup.run_until_caught_up()
    assert runtime.catchup.checksums() == before
    runtime.close()


def test_rebuilding_one_view_in_many_batches_never_moves_the_others_back(settings, clock):
    # `ansvar projections rebuild gaps` on a log longer than one batch: each batch moves the gaps
    # on; the views already at the head stay there (they were set back to the batch's end, and
    # then applied the rest of the log a second time: a duplicate key, and the rebuild crashed).
    runtime = bootstrap(settings, clock)
    fill(runtime.portfolio, 5)
    runtime.catchup.run_until_caught_up()
    head, before = runtime.catchup.head(), runtime.catchup.checksums()
    runtime.catchup.reset(["gaps"])
    while runtime.catchup.run_batch(limit=9):
        positions = runtime.catchup.positions()
        assert all(p == head for name, p in positions.items() if name != "gaps"), positions
    assert runtime.catchup.checksums() == before
    runtime.close()


def test_a_batch_that_fails_writes_nothing_and_the_next_attempt_succeeds(settings, today, clock):
    runtime = bootstrap(settings, clock)
    fill(runtime.portfolio, 3)
    view = runtime.catchup.views[1]
    original = view.apply
    calls = {"n": 0}

    def flaky(cur, event, position):
        calls["n"] += 1
        if calls["n"] == 20:
            raise RuntimeError("disk on fire")
        original(cur, event, position)

    view.apply = flaky
    with pytest.raises(ViewFailed) as failed:
        runtime.catchup.run_batch(limit=1000)
    assert failed.value.view == view.name and "disk on fire" in failed.value.error  # the view and the cause, named
    assert set(runtime.catchup.positions().values()) == {0}
    runtime.catchup.run_until_caught_up()
    after_retry = runtime.catchup.checksums()
    view.apply = original
    runtime.catchup.reset()
    runtime.catchup.run_until_caught_up()
    assert runtime.catchup.checksums() == after_retry
    runtime.close()
