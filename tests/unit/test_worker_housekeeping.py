"""The projection worker runs housekeeping (deleting expired idempotency keys) when the views
are caught up, at most once per interval, and a failing housekeeping never stops the views."""

from __future__ import annotations

import threading
import time

from projections.worker import Worker


class Idle:
    """A catch-up with nothing to do: every batch reads no events."""

    def __init__(self) -> None:
        self.batches = 0

    def run_batch(self) -> int:
        self.batches += 1
        return 0


def wait_for(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_housekeeping_runs_once_when_idle_and_not_again_within_its_interval():
    catchup, calls = Idle(), []
    worker = Worker(catchup, idle_seconds=0.01, housekeeping=lambda: calls.append(1), housekeeping_seconds=3600)
    worker.start()
    try:
        wait_for(lambda: catchup.batches >= 20)
    finally:
        worker.stop()
    assert calls == [1]


def test_housekeeping_runs_again_after_its_interval_and_a_failure_does_not_stop_the_worker():
    catchup, calls = Idle(), []
    second = threading.Event()

    def housekeeping() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database away")
        second.set()

    worker = Worker(catchup, idle_seconds=0.01, housekeeping=housekeeping, housekeeping_seconds=0.05)
    worker.start()
    try:
        assert second.wait(5)
        assert worker.alive
    finally:
        worker.stop()
    assert len(calls) >= 2


def test_the_key_lifetime_is_a_positive_number_of_hours_named_when_wrong():
    import pytest

    from infra.settings import Settings, SettingsError

    assert Settings.from_env({}).idempotency_key_hours == 24
    assert Settings.from_env({"ANSVAR_IDEMPOTENCY_KEY_HOURS": "168"}).idempotency_key_hours == 168
    for wrong in ("0", "-1", "a day", "1.5"):
        with pytest.raises(SettingsError, match="ANSVAR_IDEMPOTENCY_KEY_HOURS"):
            Settings.from_env({"ANSVAR_IDEMPOTENCY_KEY_HOURS": wrong})
