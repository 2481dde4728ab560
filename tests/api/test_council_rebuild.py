"""The council's views rebuilt from the log are the views kept live: projections are a pure
function of the events, on every backend."""

from __future__ import annotations

from tests.api.council_helpers import decide, submit, town
from tests.story import on

COUNCIL_VIEWS = ["proposals", "decisions", "decommissionings"]


def snapshot(api, proposal_ids, decision_ids, system_id) -> dict:
    return {
        "pipeline": api.get("/proposals"),
        "proposals": [api.get(f"/proposals/{p}") for p in proposal_ids],
        "log": api.get("/decisions"),
        "decisions": [api.get(f"/decisions/{d}") for d in decision_ids],
        "priorities": api.get("/priorities"),
        "balance": api.get("/proposals/balance"),
        "decommissioning": api.get(f"/systems/{system_id}/decommissioning"),
    }


def test_rebuilding_the_council_views_from_the_log_gives_the_same_answers(api):
    t = town(api)
    a, b, c = (submit(api, t, name) for name in ("A", "B", "C"))
    first = decide(api, "prioritisation", "First", decided_by=[t.chair], period_from=on("2026-01-01"),
                   priorities=[{"proposal_id": p, "rank": i + 1} for i, p in enumerate([a, b, c])])["id"]
    second = decide(api, "approval", "Go", [a, b], decided_by=[t.member], supersedes=first)["id"]
    old = api.system("Gammelt", t.elder, lifecycle_from=on("2020-01-01"))
    api.post(f"/systems/{old}/decommissioning", {"reason": "Old"})
    third = decide(api, "decommission", "Retire", decided_by=[t.chair], subjects=[{"kind": "system", "id": old}],
                   responsible_id=t.chair)["id"]
    live = snapshot(api, [a, b, c], [first, second, third], old)

    runtime = api.client.app.state.runtime
    assert runtime.catchup.reset(COUNCIL_VIEWS) == COUNCIL_VIEWS
    runtime.worker.nudge()
    assert snapshot(api, [a, b, c], [first, second, third], old) == live
