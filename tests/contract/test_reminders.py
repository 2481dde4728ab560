"""Reminders (advis) against a real SMTP server (aiosmtpd on 127.0.0.1): the demo municipality's
due reminders arrive, each to a person in the directory, each naming its system; a second run
the same day sends nothing; the server down fails clearly and the reminders go later; a process
killed between sending and recording sends at most one duplicate, with the same Message-ID."""

from __future__ import annotations

import argparse
import email
import json
import re
import socket
from dataclasses import replace
from datetime import timedelta
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from ansvar import demo
from ansvar.bootstrap import bootstrap
from ansvar.cli_reminders import cmd_reminders
from domain.reminders import Duty, ReminderRecord
from infra.settings import Reminders, Smtp
from usecases import reminders
from usecases.reminders import pages_at

pytestmark = pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """An SMTP server on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self, inbox: Inbox, port: int) -> None:
        self.inbox, self.port, self.controller = inbox, port, None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    inbox, port = Inbox(), free_port()
    server = Server(inbox, port)
    server.start()
    yield server, inbox, port
    server.stop()


def with_smtp(settings, port: int):
    return replace(settings, reminders=Reminders(smtp=Smtp("127.0.0.1", port, "ansvar@demo.kommune.dk", starttls=False,
                                                           timeout=5), council_email="raadet@demo.kommune.dk"))


@pytest.fixture
def town(settings, clock, smtp):
    _, _, port = smtp
    config = with_smtp(settings, port)
    runtime = bootstrap(config, clock)
    demo.load(runtime.portfolio)
    runtime.close()
    return config


def directory(runtime) -> dict[str, str]:
    with runtime.db.transaction(write=False) as cur:
        cur.execute("SELECT person_id, email FROM person_details WHERE email IS NOT NULL")
        return {r["email"]: r["person_id"] for r in cur.fetchall()}


def system_names(runtime) -> set[str]:
    with runtime.db.transaction(write=False) as cur:
        cur.execute("SELECT name FROM systems")
        return {r["name"] for r in cur.fetchall()}


def test_the_demo_towns_reminders_arrive_once_each_to_a_person_naming_their_system(town, clock, smtp):
    _, inbox, _ = smtp
    runtime = bootstrap(town, clock)
    try:
        outcome = reminders.run(runtime)
        assert outcome.unreachable is None and outcome.sent, outcome
        assert len(inbox.messages) == len(outcome.sent)
        people, names = directory(runtime), system_names(runtime)
        duties = {r["duty"] for r in outcome.sent}
        assert {Duty.ATTESTATION_OVERDUE, Duty.GAP_DIGEST} <= duties or {Duty.ATTESTATION_DUE} <= duties, duties
        for message in inbox.messages:
            to = message["To"].addresses[0].addr_spec
            assert to in people or to == "raadet@demo.kommune.dk", to
            body = " ".join(message.get_body(("plain",)).get_content().split())
            subject = " ".join(str(message["Subject"]).split())  # a long subject is folded on the wire
            shown = [" ".join(n.split()) for n in names]
            if "venter på porteføljerådets svar" in subject or "mangler en ansvarlig" in subject:
                assert sum(n in body for n in shown) >= 1, body  # the council's weekly lists name each system
            elif "Ugens huller i ansvaret" not in subject:  # the gap digest is about the whole portfolio
                assert any(n in subject and n in body for n in shown), subject
            assert message["Message-ID"].startswith("<reminder-") and message.get_body(("html",)) is not None
            page = re.search(r"Åbn siden: (\S+)", body)  # the page where the recipient acts on it
            assert page and page.group(1).startswith(pages_at(runtime.settings) + "/ui/"), body
            if page.group(1) == pages_at(runtime.settings) + "/ui/me":  # a hand-over is answered on my page
                assert "vil overdrage rollen" in subject, subject
            elif page.group(1) != pages_at(runtime.settings) + "/ui/":
                assert page.group(1).split("/ui/systems/")[1] in {str(r["system_id"]) for r in outcome.sent}
        assert len({m["Message-ID"] for m in inbox.messages}) == len(inbox.messages)
        # A second run the same day sends nothing.
        again = reminders.run(runtime)
        assert again.decided == 0 and again.sent == [] and len(inbox.messages) == len(outcome.sent)
        # The log holds them with their recipients as ids, never addresses.
        events = [n for n in runtime.portfolio.recorder.select_notifications(1, 1_000_000)
                  if n.topic in (ReminderRecord.Decided.TOPIC, ReminderRecord.Sent.TOPIC)]
        assert len(events) == 2 * len(outcome.sent) + len(outcome.undeliverable)
        addresses = [a.encode() for a in [*people, "raadet@demo.kommune.dk"]]
        assert not any(a in bytes(n.state) for n in events for a in addresses)  # ids, never addresses
    finally:
        runtime.close()


def test_with_the_server_down_the_run_fails_clearly_and_the_reminders_go_later(town, clock, smtp, capsys):
    server, inbox, _ = smtp
    server.stop()
    code = cmd_reminders(town, clock, argparse.Namespace(action="run", at=None, json=False))
    said = " ".join(capsys.readouterr().err.split())
    assert code == 1 and "could not be reached" in said and "127.0.0.1" in said
    assert inbox.messages == []
    server.start()
    clock.advance(timedelta(minutes=4))  # before the first retry is due: nothing goes
    assert cmd_reminders(town, clock, argparse.Namespace(action="run", at=clock.today(), json=False)) == 0
    assert inbox.messages == []
    clock.advance(timedelta(minutes=2))
    assert cmd_reminders(town, clock, argparse.Namespace(action="run", at=clock.today(), json=False)) == 0
    assert inbox.messages  # sent once the server is back and the backoff has passed
    runtime = bootstrap(town, clock)
    try:
        runtime.catchup.run_until_caught_up()
        with runtime.db.transaction(write=False) as cur:
            cur.execute("SELECT status, attempts, count(*) AS n FROM reminders GROUP BY status, attempts")
            by = {(r["status"], r["attempts"]): r["n"] for r in cur.fetchall()}
        assert by.get(("sent", 2), 0) == len(inbox.messages) and not any(s == "failed" for s, _ in by)
    finally:
        runtime.close()


def test_the_preview_is_a_report_on_stdout_whole_on_its_lines_and_json_for_a_script(town, clock, capsys):
    assert cmd_reminders(town, clock, argparse.Namespace(action="preview", at=None, json=True)) == 0
    answer = json.loads(capsys.readouterr().out)
    runtime = bootstrap(town, clock)
    try:
        planned, _ = reminders.plan(runtime, clock.today())  # the views caught up by the preview
    finally:
        runtime.close()
    assert answer["day"] == clock.today().isoformat() and len(answer["reminders"]) == len(planned) > 0
    assert {r["duty"] for r in answer["reminders"]} == {str(r.duty) for r in planned}
    to_people = [r for r in answer["reminders"] if r["recipient"] is not None]
    assert to_people and all(r["recipient"]["id"] and r["recipient"]["name"] for r in to_people)
    assert {r["recipient"]["id"] for r in to_people} == {str(r.recipient_id) for r in planned if r.recipient_id}
    assert cmd_reminders(town, clock, argparse.Namespace(action="preview", at=None, json=False)) == 0
    shown = capsys.readouterr()
    assert "…" not in shown.out and all(str(r.duty) in shown.out for r in planned)  # not cut at 80 columns
    assert max(len(line) for line in shown.out.splitlines()) > 80  # the table as wide as it needs


def test_a_crash_between_sending_and_recording_sends_one_duplicate_with_the_same_message_id(town, clock, smtp):
    _, inbox, _ = smtp
    runtime = bootstrap(town, clock)
    try:
        real = runtime.portfolio.record_reminder_sent
        calls = {"n": 0}

        def killed(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 3:
                raise SystemExit("killed")  # the process dies after the server took the third message
            return real(*args, **kwargs)

        runtime.portfolio.record_reminder_sent = killed
        with pytest.raises(SystemExit):
            reminders.run(runtime)
        first = len(inbox.messages)
        runtime.portfolio.record_reminder_sent = real
        reminders.run(runtime)
        ids = [m["Message-ID"] for m in inbox.messages]
        duplicated = [i for i in set(ids) if ids.count(i) > 1]
        assert first == 3 and duplicated == [ids[2]]  # the one in flight when it died, once more, as itself
        assert ids.count(ids[2]) == 2 and len(set(ids)) == len(ids) - 1
        runtime.catchup.run_until_caught_up()
        with runtime.db.transaction(write=False) as cur:
            cur.execute("SELECT count(*) AS n FROM reminders WHERE status <> 'sent' AND status <> 'undeliverable'")
            assert cur.fetchone()["n"] == 0
    finally:
        runtime.close()


def test_a_person_without_an_e_mail_address_is_reported_and_the_council_can_see_it(settings, clock, smtp):
    _, inbox, port = smtp
    config = with_smtp(settings, port)
    runtime = bootstrap(config, clock)
    try:
        app = runtime.portfolio
        unit = app.establish_org_unit("Kommune", "kommune", None).id
        owner = app.register_person("Uden Mail", unit, None, None).id
        system = app.register_system("Lønsystem", "KMD", unit, "high", True, "in_operation",
                                     clock.today() - timedelta(days=800)).id
        app.assign_role(system, "systemejer", owner, clock.today() - timedelta(days=700))
        outcome = reminders.run(runtime)
        assert [r.duty for r in outcome.planned] == [Duty.ATTESTATION_OVERDUE, Duty.GAP_DIGEST]
        assert [why for _, why in outcome.undeliverable] == [f"person {owner} has no e-mail address"]
        assert [m["To"].addresses[0].addr_spec for m in inbox.messages] == ["raadet@demo.kommune.dk"]  # the digest
        runtime.catchup.run_until_caught_up()
        with runtime.db.transaction(write=False) as cur:
            cur.execute("SELECT status, recipient_id, last_reply, details FROM reminders ORDER BY duty")
            rows = [dict(r) for r in cur.fetchall()]
        assert rows[0]["status"] == "undeliverable" and str(rows[0]["recipient_id"]) == str(owner)
        assert json.loads(rows[0]["details"])  # what it was about stays on record
    finally:
        runtime.close()


def test_one_sender_at_a_time_per_installation_and_installations_apart(settings, clock, tmp_path):
    """Two processes of one installation: only one sends at a time. Another installation (its
    own schema in the same PostgreSQL database, or its own file): never held up by this one."""
    from tests.conftest import drop_schema, make_database

    other_db = make_database(settings.database.kind, tmp_path / "other")
    if other_db.kind == "sqlite":
        other_db.path.parent.mkdir(parents=True, exist_ok=True)
    first, second = bootstrap(settings, clock), bootstrap(settings, clock)
    other = bootstrap(replace(settings, database=other_db), clock)
    try:
        with reminders.one_sender(first) as mine:
            assert mine
            with reminders.one_sender(second) as theirs:
                assert not theirs
            with reminders.one_sender(other) as elsewhere:
                assert elsewhere or other_db.kind == "sqlite"  # in one process, SQLite's lock is the process's
        with reminders.one_sender(second) as theirs:
            assert theirs  # released
    finally:
        for runtime in (first, second, other):
            runtime.close()
        if other_db.kind == "postgres":
            drop_schema(other_db)
