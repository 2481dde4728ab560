"""A rebuild is never visible half-done: it builds new tables beside the live views, which serve
and follow the log meanwhile, and swaps them in at once; one that fails leaves the old views."""

from __future__ import annotations

import re
import threading

import pytest

from ansvar.bootstrap import bootstrap
from projections.accountability_view import AccountabilityView
from projections.failures import ViewFailed
from projections.rebuild import rebuild
from tests.fault.views import write_history


@pytest.fixture
def runtime(settings, clock):
    runtime = bootstrap(settings, clock)
    write_history(runtime.portfolio, systems=60, facts_per_system=12)
    runtime.catchup.run_until_caught_up()
    yield runtime
    runtime.close()


def test_a_rebuild_of_every_view_ends_with_the_same_rows_and_the_views_at_the_head(runtime):
    before, head = runtime.catchup.checksums(), runtime.catchup.head()
    assert rebuild(runtime.catchup, None, batch=97) == [v.name for v in runtime.catchup.views]
    assert runtime.catchup.checksums() == before
    assert set(runtime.catchup.positions().values()) == {head}
    assert rebuild(runtime.catchup, ["gaps"], batch=97) == ["gaps"]  # twice: nothing of the first is in the way
    assert runtime.catchup.checksums() == before


def test_while_a_rebuild_runs_readers_see_the_complete_old_views_and_then_the_complete_new_ones(runtime):
    systems, facts = _counts(runtime)
    seen: list[tuple[int, int]] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            seen.append(_counts(runtime))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        rebuild(runtime.catchup, None, batch=53)
    finally:
        done.set()
        reader.join()
    assert seen and set(seen) == {(systems, facts)}  # never 0, 24, 74 ... of them
    assert _counts(runtime) == (systems, facts)


def test_the_live_views_follow_the_log_during_a_rebuild_and_the_swap_waits_for_the_new_tables(runtime):
    app = runtime.portfolio
    unit = app.establish_org_unit("Ny afdeling", "kommune", None).id
    late = []
    building = threading.Thread(target=lambda: rebuild(runtime.catchup, ["systems"], batch=41))
    building.start()
    for i in range(5):  # meanwhile the log grows and the live views follow it
        late.append(app.register_system(f"Sent {i}", None, unit, "low", False, "pilot").id)
        runtime.catchup.run_until_caught_up()
    building.join()
    runtime.catchup.run_until_caught_up()
    with runtime.db.transaction(write=False) as cur:
        cur.execute("SELECT id FROM systems")
        present = {r["id"] for r in cur.fetchall()}
    assert set(late) <= present and runtime.catchup.positions()["systems"] == runtime.catchup.head()


def test_a_rebuild_that_fails_leaves_the_old_views_serving(runtime, monkeypatch):
    before, positions = runtime.catchup.checksums(), runtime.catchup.positions()
    monkeypatch.setattr(AccountabilityView, "_vacancy", lambda *a: (_ for _ in ()).throw(ValueError("broken")))
    with pytest.raises(ViewFailed):
        rebuild(runtime.catchup, None, batch=50)
    assert runtime.catchup.checksums() == before and runtime.catchup.positions() == positions
    monkeypatch.undo()
    rebuild(runtime.catchup, None, batch=50)  # run again: it starts its new tables afresh
    assert runtime.catchup.checksums() == before


def _counts(runtime) -> tuple[int, int]:
    with runtime.db.transaction(write=False) as cur:
        cur.execute("SELECT COUNT(*) AS n FROM systems")
        systems = cur.fetchone()["n"]
        cur.execute("SELECT COUNT(*) AS n FROM responsibility_facts")
        return systems, cur.fetchone()["n"]


def test_no_view_column_shares_a_name_with_a_view_table(runtime):
    """A rebuild renames the tables in the views' SQL word by word: a column called like a table
    would be renamed with it (a `claims` column once came back as `claims__next`)."""
    tables = {t for v in runtime.catchup.views for t in v.tables}
    created = [sql for v in runtime.catchup.views for sql in v.ddl if re.match(r"\s*CREATE TABLE", sql, re.I)]
    assert created
    for sql in created:
        body = sql[sql.index("(") + 1 : sql.rindex(")")]
        parts, depth, part = [], 0, ""
        for ch in body:
            depth += (ch == "(") - (ch == ")")
            if ch == "," and depth == 0:
                parts.append(part)
                part = ""
            else:
                part += ch
        columns = {p.split()[0] for p in parts + [part] if p.split()}
        assert columns, sql
        assert not columns & tables, f"a column named like a view table in: {sql}"
