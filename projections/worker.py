"""The worker: keeps the views current in a thread of their own, woken by a nudge (a save in this
process), a database notification, or a timer.

It never stops on a failure. The database being away is retried within seconds, so the views
follow as soon as it is back. A view failing on an event (its own fault: the same event fails
again) is recorded where every process can see it (projections/failures.py), logged once, and
retried with a backoff that grows to a minute, instead of a hot loop.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import structlog

from infra.log_read_check import LogBroken
from projections import failures
from projections.catchup import CatchUp

log = structlog.get_logger(__name__)

OUTAGE_BACKOFF_CAP = 2.0  # seconds: once the database is back the views must follow within seconds
VIEW_BACKOFF_CAP = 60.0  # seconds: a view that fails on an event fails the same way again


class Worker:
    def __init__(
        self, catchup: CatchUp, idle_seconds: float = 1.0,
        housekeeping: Callable[[], None] | None = None, housekeeping_seconds: float = 3600.0,
    ) -> None:
        self.catchup = catchup
        self.idle_seconds = idle_seconds
        # Run when the views are caught up, at most once per housekeeping_seconds (expired
        # idempotency keys, ansvar/bootstrap.py); its failure is logged and tried again next time.
        self.housekeeping = housekeeping
        self.housekeeping_seconds = housekeeping_seconds
        self._housekept_at: float | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ansvar-projections", daemon=True)
        self.failures = 0
        self.failing: dict[str, failures.ViewFailed] = {}  # view -> its last failure, until it moves on
        self._recorded_unseen = True  # failures another run recorded: cleared once their views move on

    def start(self) -> None:
        self._thread.start()

    def nudge(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        backoff = 0.1
        while not self._stop.is_set():
            self._wake.clear()
            try:
                count = self.catchup.run_batch()
            except failures.ViewFailed as failure:
                self.failures += 1
                backoff = self._view_failed(failure, backoff)
                continue
            except LogBroken as broken:  # views made afresh replay the store: it was altered there
                self.failures += 1
                backoff = self._view_failed(failures.ViewFailed(failures.LOG, broken.position, broken), backoff,
                                            broken.problem)
                continue
            except Exception:
                self.failures += 1
                log.exception("projection batch failed; retrying", retry_in=backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, OUTAGE_BACKOFF_CAP)
                continue
            backoff = 0.1
            if count and (self.failing or self._recorded_unseen):
                self._recovered()
            if count == 0:
                self._housekeep()
                self._wake.wait(self.idle_seconds)

    def _view_failed(self, failure: failures.ViewFailed, backoff: float, log_problem: str | None = None) -> float:
        """`log_problem`: not a view's fault but the log's (failure.view is failures.LOG)."""
        known = self.failing.get(failure.view)
        if known is None or (known.position, known.error) != (failure.position, failure.error):
            if log_problem is None:
                log.error("a view cannot apply an event; it stays there until that is mended",
                          view=failure.view, position=failure.position, error=failure.error, retry_in=backoff)
            else:
                log.error("the log does not verify where the views replay it: they stay before that event until"
                          " the log is mended, or rebuilt over with --accept-broken-log",
                          position=failure.position, problem=log_problem, retry_in=backoff)
            self.failing[failure.view] = failure
            try:
                if log_problem is None:
                    failures.record(self.catchup.db, failure)
                else:
                    failures.record_log(self.catchup.db, failure.position, log_problem)
            except Exception:
                log.exception("the failure could not be recorded")
        self._stop.wait(backoff)  # not woken by nudges: new events do not mend a failing one
        return min(backoff * 2, VIEW_BACKOFF_CAP)

    def _recovered(self) -> None:
        self._recorded_unseen = False
        positions = self.catchup.positions()
        # The log's failure goes once this worker's checked replay moves past it (not with any progress:
        # a rebuild that stopped on it leaves the live views past it)
        moved = min(positions.values(), default=0) if failures.LOG in self.failing else 0
        healed = [f["name"] for f in failures.failing(self.catchup.db)
                  if (moved if f["name"] == failures.LOG else positions.get(f["name"], 0)) >= f["position"]]
        if healed:
            failures.clear(self.catchup.db, healed)
            for name in healed:
                log.info("the view moved on past its failure", view=name)
                self.failing.pop(name, None)

    def _housekeep(self) -> None:
        now = time.monotonic()
        if self.housekeeping is None or (self._housekept_at is not None and now - self._housekept_at < self.housekeeping_seconds):
            return
        self._housekept_at = now
        try:
            self.housekeeping()
        except Exception:
            log.exception("housekeeping failed; trying again later")
