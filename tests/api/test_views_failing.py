"""A view that cannot apply an event is visible, not silent: /ready answers 503 naming the view,
its position and the error; the worker records it once and keeps trying with a backoff, and when
the view can apply the event again it moves on and /ready is ready again."""

from __future__ import annotations

import time

from projections.accountability_view import AccountabilityView
from tests.conftest import one_backend


def wait_for(condition, seconds: float = 15.0):
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.02)
    return found


@one_backend
def test_a_failing_view_is_named_by_ready_until_it_moves_on(api, monkeypatch):
    unit = api.org_unit("Kommune", "kommune")
    system = api.system("ESDH", unit)
    broken = {"on": True}
    vacancy = AccountabilityView._vacancy

    def fails_while_broken(self, cur, event, position):
        if broken["on"]:
            raise ValueError("the view cannot read this vacancy")
        vacancy(self, cur, event, position)

    monkeypatch.setattr(AccountabilityView, "_vacancy", fails_while_broken)
    position = api.post(f"/systems/{system}/vacancies", {"role": "systemejer", "effective_from": "2020-01-01",
                                                         "reason": "left"})["position"]

    def failing():
        answer = api.client.get("/ready")
        return answer if answer.status_code == 503 else None

    answer = wait_for(failing).json()
    assert answer["status"] == "failing"
    stopped = {p["name"]: p for p in answer["projections"] if p["error"]}
    assert set(stopped) == {"accountability"}
    assert "cannot read this vacancy" in stopped["accountability"]["error"]
    assert stopped["accountability"]["failing_position"] == position  # the event it cannot apply
    assert stopped["accountability"]["position"] < position and stopped["accountability"]["lag"] >= 1
    worker = api.client.app.state.runtime.worker
    tries = wait_for(lambda: worker.failures >= 3 and worker.failures)  # it keeps trying...
    assert len(worker.failing) == 1  # ...and remembers one failure, not one per try

    broken["on"] = False  # mended (a new release, say): the view applies the event and moves on
    ready = wait_for(lambda: (r := api.client.get("/ready")).status_code == 200 and r.json())
    assert ready["status"] == "ready" and all(p["error"] is None for p in ready["projections"])
    assert worker.failures >= tries and not worker.failing
    assert api.holders(system, "2020-06-01") == {}
