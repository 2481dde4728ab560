"""A view far behind (the gaps) catches up alone, after the others, and ends with exactly the
rows an ordinary batch-by-batch catch-up gives; readers never see it ahead of its rows."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ansvar import demo
from ansvar.bootstrap import bootstrap
from projections.gaps_view import GapsView

pytestmark = pytest.mark.slow  # the demo's whole log, several times

GAP_ROWS = "SELECT system_id, rule, role, since, until, severity, detail FROM responsibility_gaps"


def rows(runtime, sql: str) -> list[tuple]:
    with runtime.db.transaction(write=False) as cur:
        cur.execute(sql)
        return sorted(tuple(str(v) for v in r.values()) for r in cur.fetchall())


@pytest.fixture
def runtime(settings, today, clock):
    runtime = bootstrap(settings, clock)
    demo.load(runtime.portfolio)
    # A departure and a dissolution reach systems through other aggregates' events.
    unit = runtime.portfolio.establish_org_unit("Lille team", "team", None).id
    person = runtime.portfolio.register_person("Kim", unit, None, None).id
    system = runtime.portfolio.register_system("Kortsystem", None, unit, "critical", False, "in_operation", today).id
    runtime.portfolio.assign_role(system, "systemejer", person, today - timedelta(days=30))
    runtime.portfolio.dissolve_org_unit(unit, today - timedelta(days=2))
    yield runtime
    runtime.close()


def gaps_view(runtime) -> GapsView:
    return next(v for v in runtime.catchup.views if isinstance(v, GapsView))


def test_given_a_rebuild_of_every_view_when_the_gaps_catch_up_alone_then_rows_equal_batch_by_batch(runtime):
    runtime.catchup.batch_size = 7  # many small batches: each touches systems again
    gaps_view(runtime).alone_after = 10**9
    runtime.catchup.run_until_caught_up()
    batch_by_batch = rows(runtime, GAP_ROWS)
    assert batch_by_batch, "the demo has gaps to compare"

    runtime.catchup.reset()
    gaps_view(runtime).alone_after = 0
    runtime.catchup.run_until_caught_up()

    assert rows(runtime, GAP_ROWS) == batch_by_batch
    head = runtime.catchup.head()
    assert runtime.catchup.positions() == {v.name: head for v in runtime.catchup.views}
    assert runtime.catchup.progress.position == head


def test_given_the_gaps_far_behind_when_one_batch_runs_then_progress_waits_for_the_gaps(runtime):
    gaps_view(runtime).alone_after = 0
    runtime.catchup.batch_size = 5
    runtime.catchup.run_batch()  # the other views move; the gaps do not yet
    positions = runtime.catchup.positions()
    assert positions["gaps"] == 0 < positions["systems"]
    assert runtime.catchup.progress.position == 0


def test_given_the_gaps_far_behind_part_way_then_only_the_systems_the_log_names_are_recomputed(runtime, monkeypatch):
    gaps_view(runtime).alone_after = 10**9
    runtime.catchup.run_until_caught_up()
    batch_by_batch = rows(runtime, GAP_ROWS)

    runtime.catchup.reset()
    head = runtime.catchup.head()
    runtime.catchup.run_batch(limit=head - 6)  # every view, up to just before the last six events
    view = gaps_view(runtime)
    view.alone_after = 0  # the rest: the other views first, then the gaps alone, reading the log
    recomputed: list = []
    recompute = view._recompute
    monkeypatch.setattr(view, "_recompute", lambda cur, ids: (recomputed.extend(ids), recompute(cur, ids)))
    runtime.catchup.run_until_caught_up()

    assert rows(runtime, GAP_ROWS) == batch_by_batch
    with runtime.db.transaction(write=False) as cur:
        cur.execute("SELECT COUNT(*) AS n FROM systems")
        systems = cur.fetchone()["n"]
    # The last six events: the small team's unit, person, system, assignment and dissolution.
    assert 0 < len(set(recomputed)) < systems
