"""The daily schedule of the reminders (usecases/reminders.py), run in the API's or the worker's process."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta
from typing import Any

import structlog

from domain.clock import COPENHAGEN
from usecases import reminders

log = structlog.get_logger("ansvar.reminders")


class ReminderScheduler:
    """Sends the day's reminders once a day at the configured hour (Danish time), and on start-up
    if that hour has passed today. A failure is logged and tried again in a quarter of an hour."""

    def __init__(self, runtime: Any, hour: int, poll_seconds: float = 60.0) -> None:
        self.runtime, self.hour, self.poll_seconds = runtime, hour, poll_seconds
        self.last_day: date | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="ansvar-reminders", daemon=True)
        self._retry_at: float = 0.0

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def due(self, now: datetime) -> bool:
        """The hour has come and today's run has not been made, or failed ones are due another try."""
        local = now.astimezone(COPENHAGEN)
        if local.hour < self.hour or time.monotonic() < self._retry_at:
            return False
        if self.last_day != local.date():
            return True
        with self.runtime.db.transaction(write=False) as cur:
            cur.execute("SELECT count(*) AS n FROM reminders WHERE status = 'failed' AND retry_after <= ?", (now,))
            return cur.fetchone()["n"] > 0

    def _loop(self) -> None:
        while not self._stop.is_set():
            now = self.runtime.clock.now()
            if self.due(now):
                try:
                    outcome = reminders.run(self.runtime, now.astimezone(COPENHAGEN).date(), worker_runs=True)
                    self.last_day = outcome.day
                    if outcome.unreachable:
                        log.warning("reminders not sent", reason=outcome.unreachable)
                        self.last_day = None  # the failed ones are retried with their backoff; try again
                        self._retry_at = time.monotonic() + timedelta(minutes=15).total_seconds()
                except Exception as exc:  # noqa: BLE001  (a worker never stops on a failure)
                    log.error("reminders run failed", error=str(exc))
                    self._retry_at = time.monotonic() + timedelta(minutes=15).total_seconds()
            self._stop.wait(self.poll_seconds)
