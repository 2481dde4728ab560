"""SIGKILL `ansvar reminders run` while the SMTP server is taking a message, run it again: the
message that was in flight arrives twice, with the same Message-ID, and nothing else does."""

from __future__ import annotations

import email
import os
import signal
import subprocess
import sys
from dataclasses import replace
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from ansvar import demo
from ansvar.bootstrap import bootstrap
from infra.settings import Settings
from tests.conftest import drop_schema, make_database
from tests.contract.test_reminders import free_port
from tests.fault.test_crash import url
from tests.story import TEST_TODAY

pytestmark = pytest.mark.slow  # kills a real process

ROOT = Path(__file__).resolve().parents[2]
KILL_AT = 5


class KillingInbox:
    def __init__(self) -> None:
        self.messages: list = []
        self.victim: subprocess.Popen | None = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        if len(self.messages) == KILL_AT and self.victim is not None:
            os.kill(self.victim.pid, signal.SIGKILL)  # taken, but the sender never hears so
            self.victim.wait(10)
        return "250 OK"


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_run_killed_mid_send_duplicates_only_the_message_in_flight(kind, tmp_path, clock):
    db = make_database(kind, tmp_path)
    inbox, port = KillingInbox(), free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        settings = Settings(database=db, log_level="warning")
        runtime = bootstrap(settings, clock)
        demo.load(runtime.portfolio)
        runtime.close()
        env = {**os.environ, "ANSVAR_DATABASE_URL": url(db), "ANSVAR_LOG_LEVEL": "warning",
               "ANSVAR_SMTP_HOST": "127.0.0.1", "ANSVAR_SMTP_PORT": str(port), "ANSVAR_SMTP_STARTTLS": "false",
               "ANSVAR_SMTP_FROM": "ansvar@demo.kommune.dk", "ANSVAR_COUNCIL_EMAIL": "raadet@demo.kommune.dk"}
        argv = [sys.executable, "-m", "ansvar.cli", "reminders", "run", "--at", str(TEST_TODAY)]
        inbox.victim = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert inbox.victim.wait(120) == -signal.SIGKILL
        inbox.victim = None
        assert len(inbox.messages) == KILL_AT
        again = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again.stderr
        ids = [m["Message-ID"] for m in inbox.messages]
        in_flight = ids[KILL_AT - 1]
        assert ids.count(in_flight) == 2 and len(set(ids)) == len(ids) - 1
        assert len(ids) > KILL_AT + 10  # the rest went on the second run
        check = bootstrap(replace(settings), clock)
        try:
            check.catchup.run_until_caught_up()
            with check.db.transaction(write=False) as cur:
                cur.execute("SELECT count(*) AS n FROM reminders WHERE status = 'due'")
                assert cur.fetchone()["n"] == 0
        finally:
            check.close()
    finally:
        server.stop()
        if db.kind == "postgres":
            drop_schema(db)
