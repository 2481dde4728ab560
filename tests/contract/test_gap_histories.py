"""The gap rules' inputs assembled in memory from the log (projections/gap_histories.py) are what
the gaps view reads from the other views' tables (`load_histories`), on every backend, over a log
with every change the rules read: merges, erased reasons, answered claims and offers, departures,
returns, moved people, dissolved units, changed criticality. And a rebuild that computes the gaps
from memory reads no table back and stores the rows a batch-by-batch catch-up does."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ansvar import demo
from ansvar.bootstrap import bootstrap
from domain.commands import Actor
from domain.gaps import GapPolicy
from projections import gap_rows as gap_rows_module
from projections import gaps_view
from projections.gap_rows import gap_rows
from projections.event_decoding import EventDecoder
from projections.gap_histories import GapHistories
from projections.gaps_view import GapsView, load_histories
from tests.conftest import one_backend

pytestmark = pytest.mark.slow  # the demo's whole log, several times

GAP_ROWS = "SELECT system_id, rule, role, since, until, severity, detail, person_id, claim_ids, fact_positions" \
           " FROM responsibility_gaps"


@pytest.fixture
def runtime(settings, today, clock):
    runtime = bootstrap(settings, clock)
    app = runtime.portfolio
    demo.load(app)
    unit = app.establish_org_unit("Lille team", "team", None).id
    other = app.establish_org_unit("Andet team", "team", None).id
    a, b, c, d = (app.register_person(name, unit, None, None).id for name in ("Ane", "Bo", "Cai", "Dan"))
    system = app.register_system("Kortsystem", None, unit, "low", False, "in_operation", today - timedelta(days=400)).id
    app.assign_role(system, "systemejer", a, today - timedelta(days=400))
    vacancy = app.record_vacancy(system, "teknisk_ansvarlig", today - timedelta(days=300), None, "Carl, måske").position
    app.erase_text(vacancy, "request 5 (art. 17)")
    app.record_vacancy(system, "systemansvarlig", today - timedelta(days=200), None, "ukendt")
    confirmed = app.make_claim(system, "systemansvarlig", b, "min").id
    app.confirm_claim(system, confirmed)
    rejected = app.make_claim(system, "teknisk_ansvarlig", c, "min").id
    app.reject_claim(system, rejected, "nej")
    app.make_claim(system, "teknisk_ansvarlig", d, "også min")
    app.attest(system, "systemejer", a)
    as_ = {p: Actor(person_id=p, role="owner") for p in (a, b, c)}
    refused = app.hand_over(system, "systemejer", b, today, actor=as_[a]).id
    app.refuse_handover(refused, "ikke nu", actor=as_[b])
    withdrawn = app.hand_over(system, "systemejer", c, today, actor=as_[a]).id
    app.withdraw_handover(withdrawn, actor=as_[a])
    app.hand_over(system, "systemejer", d, today, actor=as_[a])  # left open
    accepted = app.hand_over(system, "systemansvarlig", c, today, actor=as_[b]).id
    app.accept_handover(accepted, actor=as_[c])
    app.merge_person(c, into=d)
    app.record_departure(b, today - timedelta(days=10))
    app.record_return(b, today - timedelta(days=5))
    app.record_departure(a, today + timedelta(days=30))
    app.correct_person(d, org_unit_id=other)
    app.dissolve_org_unit(other, today - timedelta(days=1))
    with app.recording():
        aggregate = app.system(system)
        aggregate.change_details(None, "critical", False, {})
        app.save(aggregate)
    yield runtime
    runtime.close()


def replayed(runtime) -> GapHistories:
    app, histories, decode, start = runtime.portfolio, GapHistories(), EventDecoder(runtime.portfolio.mapper), 1
    while page := app.recorder.select_notifications(start, 500):
        for n in page:
            histories.apply(decode(n), n.id)
        start = page[-1].id + 1
    return histories


def comparable(history) -> tuple:
    return (history.system_id, history.criticality, sorted(history.lifecycle, key=lambda c: c.position),
            list(history.facts), sorted(history.claims, key=lambda c: c.claim_id),
            sorted(history.attestations, key=repr), list(history.offers))


def test_given_every_change_the_rules_read_when_replayed_in_memory_then_histories_equal_the_tables(runtime):
    runtime.catchup.run_until_caught_up()
    memory = replayed(runtime)
    with runtime.db.transaction(write=False) as cur:
        cur.execute("SELECT id FROM systems")
        ids = sorted(r["id"] for r in cur.fetchall())
        tables, directory = load_histories(cur, ids)

    assert [comparable(h) for h in memory.histories()] == [comparable(h) for h in tables]
    holders = {f.holder for h in tables for f in h.facts if f.holder is not None}
    known = memory.directory()
    assert holders and {p: (known.left_since(p), known.level_of(p)) for p in holders} == \
        {p: (directory.left_since(p), directory.level_of(p)) for p in holders}
    assert any(directory.left_since(p) for p in holders), "a holder left: the directory is compared on it"


def rows(runtime) -> list[tuple]:
    with runtime.db.transaction(write=False) as cur:
        cur.execute(GAP_ROWS)
        return sorted(tuple(str(v) for v in r.values()) for r in cur.fetchall())


def test_given_a_rebuild_when_the_gaps_come_from_memory_then_no_table_is_read_back_and_rows_equal(runtime, monkeypatch):
    view = next(v for v in runtime.catchup.views if isinstance(v, GapsView))
    view.alone_after = 10**9
    runtime.catchup.batch_size = 50
    runtime.catchup.run_until_caught_up()
    batch_by_batch = rows(runtime)
    assert any("[erased]" in r[6] for r in batch_by_batch), "an erased reason is in a gap's detail"

    def no_read_back(*args):
        raise AssertionError("the tables were read back")

    monkeypatch.setattr(gaps_view, "load_histories", no_read_back)
    runtime.catchup.reset()
    view.alone_after = 0
    runtime.catchup.run_until_caught_up()
    assert rows(runtime) == batch_by_batch
    head = runtime.catchup.head()
    assert runtime.catchup.positions() == {v.name: head for v in runtime.catchup.views}


@one_backend
def test_given_many_systems_when_the_rules_run_in_worker_processes_then_the_rows_are_one_process_rows(runtime, monkeypatch):
    memory = replayed(runtime)
    histories, directory, policy = memory.histories(), memory.directory(), GapPolicy()
    monkeypatch.setattr(gap_rows_module, "PARALLEL_FROM", 1)  # the demo's few hundred systems count as many
    alone = gap_rows(histories, directory, policy, processes=1)
    assert alone and gap_rows(histories, directory, policy, processes=2) == alone
