"""A day already planned is not planned again while nothing the rules read has changed
(projections/reminder_plans.py), and its answer is always the full plan's: after the reminders'
own events (kept), after any other event (planned afresh), for another day (afresh)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from ansvar import demo
from ansvar.bootstrap import bootstrap
from domain import reminders as R
from projections import reminder_plans as plans
from projections.reminders_view import decided_ids, load_record
from usecases import reminders

pytestmark = pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def town(settings, clock):
    runtime = bootstrap(settings, clock)
    demo.load(runtime.portfolio)
    runtime.catchup.run_until_caught_up()
    yield runtime
    runtime.close()


class Planner:
    """reminders.plan, counting the times it read the views to plan afresh."""

    def __init__(self, runtime, monkeypatch) -> None:
        self.runtime, self.afresh = runtime, 0

        def counted(cur, day, policy):
            self.afresh += 1
            return load_record(cur, day, policy)

        monkeypatch.setattr(reminders, "load_record", counted)

    def plan(self, day):
        self.runtime.catchup.run_until_caught_up()
        return reminders.plan(self.runtime, day)


def full(runtime, day) -> list[R.Reminder]:
    with runtime.db.transaction(write=False) as cur:
        return R.plan(load_record(cur, day, runtime.settings.gap_policy), day)


def test_a_day_decided_is_not_planned_again_until_something_the_rules_read_changes(town, today, monkeypatch):
    planner = Planner(town, monkeypatch)
    first, new = planner.plan(today)
    assert planner.afresh == 1 and first == full(town, today) and first and new == first
    assert town.portfolio.decide_reminders(new) == len(first)
    plans._IN_MEMORY.clear()  # as another process would: read back from the table
    again, new = planner.plan(today)  # only the reminders' own events since: the kept plan
    assert planner.afresh == 1 and again == first == full(town, today)
    assert [r.id for r in again] == [R.reminder_id(r.duty, r.subject_id or r.system_id, r.role, r.recipient_id, r.due_on)
                                     for r in again]
    assert new == []
    planner.plan(today)
    assert planner.afresh == 1
    # A holder leaves: their reminders go to the council instead; planned afresh.
    holder = next(r.recipient_id for r in first if r.duty == R.Duty.ATTESTATION_OVERDUE and r.recipient_id)
    town.portfolio.record_departure(holder, today - timedelta(days=1))
    after, _ = planner.plan(today)
    assert planner.afresh == 2 and after == full(town, today) and after != first
    assert any(r.duty == R.Duty.HOLDER_GONE and r.about_person_id == holder for r in after)
    planner.plan(today + timedelta(days=1))  # another day: its own plan
    assert planner.afresh == 3
    assert planner.plan(today)[0] == after and planner.afresh == 3


def test_planned_again_or_kept_the_answer_is_the_full_plans_after_any_commands(town, today, monkeypatch):
    planner = Planner(town, monkeypatch)
    rng = random.Random(5)
    app = town.portfolio
    with town.db.transaction(write=False) as cur:
        cur.execute("SELECT id FROM systems ORDER BY id")
        systems = [r["id"] for r in cur.fetchall()]
        cur.execute("SELECT id FROM people WHERE departed_on IS NULL ORDER BY id")
        people = [r["id"] for r in cur.fetchall()]
    for step in range(12):
        day = today + timedelta(days=rng.choice([0, 0, 0, 1, 7]))
        planned, new = planner.plan(day)
        assert planned == full(town, day), step
        with town.db.transaction(write=False) as cur:
            assert new == R.unsent(planned, decided_ids(cur, day - timedelta(days=400))), step
        action = rng.choice(["decide", "decide", "assign", "vacate", "nothing"])
        if action == "decide":
            app.decide_reminders(new)
        elif action == "assign":
            app.assign_role(rng.choice(systems), "systemejer", rng.choice(people), day)
        elif action == "vacate":
            app.record_vacancy(rng.choice(systems), "systemejer", day, None, "ingen")
    assert 1 <= planner.afresh < 12  # some were kept


def as_another_process(settings, clock):
    """A second runtime on the same database, with no plan in this process's memory: what
    `ansvar reminders run` from cron, or a second API process, finds."""
    plans._IN_MEMORY.clear()
    return bootstrap(settings, clock)


def test_a_plan_read_back_decides_exactly_the_undecided_and_builds_nothing_when_all_are(town, today, monkeypatch,
                                                                                        settings, clock):
    planner = Planner(town, monkeypatch)
    first, waiting = planner.plan(today)
    assert len(waiting) >= 2
    town.portfolio.decide_reminders(waiting[::2])
    other = as_another_process(settings, clock)
    try:
        outcome = reminders.run(other, today)  # no SMTP server: decides, sends nothing
        assert planner.afresh == 1 and isinstance(outcome.planned, plans.KeptReminders)
        assert outcome.decided == len(waiting[1::2])
        with other.db.transaction(write=False) as cur:
            cur.execute("SELECT id FROM reminders")
            assert {r["id"] for r in cur.fetchall()} >= {r.id for r in first}
        plans._IN_MEMORY.clear()
        again = reminders.run(other, today)
        assert again.decided == 0 and planner.afresh == 1
        assert not again.planned.is_built()  # every one decided: the ids were enough
        assert len(again.planned) == len(first) and again.planned == first == full(other, today)
        assert [r.id for r in again.planned] == [r.id for r in first]
        read = []  # that run found them all decided: the plan is settled, the next reads no decisions
        monkeypatch.setattr(reminders, "decided_ids", lambda *a: read.append(a) or set())
        plans._IN_MEMORY.clear()
        third = reminders.run(other, today)
        assert third.decided == 0 and read == [] and not third.planned.is_built() and planner.afresh == 1
    finally:
        other.close()


def test_a_kept_plan_is_not_used_by_another_process_after_an_event_that_changes_it(town, today, monkeypatch,
                                                                                   settings, clock):
    planner = Planner(town, monkeypatch)
    first, new = planner.plan(today)
    town.portfolio.decide_reminders(new)
    assert planner.plan(today)[1] == []  # all decided: settled
    holder = next(r.recipient_id for r in first if r.duty == R.Duty.ATTESTATION_OVERDUE and r.recipient_id)
    town.portfolio.record_departure(holder, today - timedelta(days=1))  # after the plan's position
    other = as_another_process(settings, clock)
    try:
        preview = reminders.run(other, today, send=False)
        assert planner.afresh == 2 and not isinstance(preview.planned, plans.KeptReminders)
        assert preview.planned == full(other, today) and preview.planned != first
        assert any(r.duty == R.Duty.HOLDER_GONE and r.about_person_id == holder for r in preview.planned)
        plans._IN_MEMORY.clear()  # the new plan, kept by the preview and read back: the old one's settling is not its
        outcome = reminders.run(other, today)
        assert planner.afresh == 2 and isinstance(outcome.planned, plans.KeptReminders)
        assert outcome.planned == preview.planned
        assert outcome.decided == len([r for r in preview.planned if r.id not in {k.id for k in first}]) > 0
        with other.db.transaction() as cur:  # the kept plan's fingerprint not the code's: planned afresh too
            cur.execute("UPDATE reminder_plans SET fingerprint = 'older code'")
        plans._IN_MEMORY.clear()
        assert reminders.run(other, today).planned == full(other, today) and planner.afresh == 3
    finally:
        other.close()
