"""The gap thresholds are part of the gaps view's schema digest: an installation started again with
another threshold has its gaps remade from the log by itself, with no `projections rebuild` to
remember; started with the same ones, nothing is remade."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from ansvar.bootstrap import bootstrap


def open_rules(runtime, day) -> set[str]:
    with runtime.db.transaction(write=False) as cur:
        cur.execute("SELECT rule FROM responsibility_gaps WHERE since <= ? AND (until IS NULL OR until > ?)", (day, day))
        return {r["rule"] for r in cur.fetchall()}


def gaps_position(runtime) -> int:
    return runtime.catchup.positions()["gaps"]


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
def test_a_changed_threshold_remakes_the_gaps_and_an_unchanged_one_does_not(settings, clock):
    today = clock.today()
    runtime = bootstrap(settings, clock)
    app = runtime.portfolio
    unit = app.establish_org_unit("Kommune", "kommune", None).id
    owner, claimant = (app.register_person(name, unit, None, None).id for name in ("Bo Berg", "Ida Holm"))
    system = app.register_system("Lønsystem", None, unit, "medium", False, "in_operation", today - timedelta(days=400)).id
    app.assign_role(system, "systemejer", owner, today - timedelta(days=200))
    clock.advance(timedelta(days=-20))
    app.make_claim(system, "dataejer", claimant, "jeg er dataejer")  # made 20 days before today
    clock.advance(timedelta(days=20))
    runtime.catchup.run_until_caught_up()
    head = runtime.catchup.head()
    assert {"attestation_overdue", "claim_unanswered"} & open_rules(runtime, today) == {"claim_unanswered"}
    runtime.close()

    runtime = bootstrap(settings, clock)  # the same thresholds: the view stays as it was
    assert gaps_position(runtime) == head
    runtime.close()

    policy = replace(settings.gap_policy, attestation_days=100, claim_answer_days=30)
    runtime = bootstrap(replace(settings, gap_policy=policy), clock)
    assert gaps_position(runtime) == 0  # made afresh at start
    assert runtime.catchup.positions()["systems"] == head  # the other views are left alone
    runtime.catchup.run_until_caught_up()
    assert {"attestation_overdue", "claim_unanswered"} & open_rules(runtime, today) == {"attestation_overdue"}
    runtime.close()
