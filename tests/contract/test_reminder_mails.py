"""Every kind of reminder mail, as a person reads it: the demo municipality (and a system in use
that nobody owns) sends its day's reminders to a real SMTP server, and each message that arrives
is Danish in both its parts, plain text and HTML (multipart/alternative): dates as Danes write
them, people and systems by name, and no ISO date, no UUID, no enum key and no English word
anywhere a person reads (the page's address aside)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from ansvar import demo
from ansvar.bootstrap import bootstrap
from domain.reminders import Duty
from tests.contract.test_reminders import Inbox, Server, free_port, with_smtp
from tests.reading import DANISH_DATE, problems
from usecases import reminders

pytestmark = pytest.mark.parametrize("database", ["sqlite"], indirect=True)

@pytest.fixture
def smtp():
    inbox, port = Inbox(), free_port()
    server = Server(inbox, port)
    server.start()
    yield inbox, port
    server.stop()


def names(runtime) -> list[str]:
    """Every name of a system, a person or a unit: data, which may be in any language."""
    with runtime.db.transaction(write=False) as cur:
        found = []
        for sql in ("SELECT name FROM systems", "SELECT name FROM person_details WHERE name IS NOT NULL",
                    "SELECT name FROM org_units"):
            cur.execute(sql)
            found += [r["name"] for r in cur.fetchall()]
    return found


def read_aloud(message) -> list[str]:
    """What a person reads: the subject, the plain text, and the HTML's text (the page's address left out)."""
    plain = message.get_body(("plain",)).get_content()
    markup = message.get_body(("html",)).get_content()
    shown = html.unescape(re.sub(r"<[^>]+>", " ", markup))
    return [" ".join(str(message["Subject"]).split()), re.sub(r"https?://\S+", " ", plain), shown]


def test_every_kind_of_reminder_mail_reads_as_danish_in_both_parts(settings, clock, smtp):
    inbox, port = smtp
    runtime = bootstrap(with_smtp(settings, port), clock)
    try:
        demo.load(runtime.portfolio)
        runtime.catchup.run_until_caught_up()
        with runtime.db.transaction(write=False) as cur:
            cur.execute("SELECT id FROM org_units WHERE level = 'afdeling' ORDER BY name LIMIT 1")
            unit = cur.fetchone()["id"]
        runtime.portfolio.register_system("Vagtplan", None, unit, "medium", False, "in_operation",
                                          clock.today() - timedelta(days=40))  # in use, nobody owns it
        outcome = reminders.run(runtime)
        assert outcome.unreachable is None, outcome.unreachable
        assert {r["duty"] for r in outcome.sent} == set(Duty)  # every kind, from the record
        assert len(inbox.messages) == len(outcome.sent)
        known = names(runtime)
        by_id = {f"<reminder-{r['id']}@demo.kommune.dk>": r for r in outcome.sent}
        people = {p: (runtime.directory.get(p) or {}).get("name") for r in outcome.sent
                  for p in (r["about_person_id"],) if p}
        for message in inbox.messages:
            row = by_id[message["Message-ID"]]
            assert message.get_content_type() == "multipart/alternative", row["duty"]
            assert {p.get_content_type() for p in message.iter_parts()} == {"text/plain", "text/html"}
            for text in read_aloud(message):
                assert problems(text, known) == [], (row["duty"], text)
            subject, plain, shown = read_aloud(message)
            if row["duty"] in (Duty.ATTESTATION_DUE, Duty.ATTESTATION_OVERDUE, Duty.HANDOVER_OFFERED,
                               Duty.HOLDER_GONE, Duty.CLAIMS_WAITING):
                assert DANISH_DATE.search(plain) and DANISH_DATE.search(shown), (row["duty"], plain)
            if row["system_id"] is not None:
                with runtime.db.transaction(write=False) as cur:
                    cur.execute("SELECT name FROM systems WHERE id = ?", (row["system_id"],))
                    system = cur.fetchone()["name"]
                assert system in subject and system in plain and system in shown, (row["duty"], subject)
            if row["about_person_id"] and people.get(row["about_person_id"]) and row["duty"] != Duty.CLAIM_ANSWERED:
                assert people[row["about_person_id"]] in plain, (row["duty"], plain)
            if row["duty"] == Duty.ROLES_UNHELD:
                assert "Vagtplan (mangler systemejer)" in plain and "<li>Vagtplan (mangler systemejer)</li>" in \
                    message.get_body(("html",)).get_content()
            if row["duty"] == Duty.CLAIMS_WAITING:
                assert "gjorde krav på rollen som" in plain, plain
    finally:
        runtime.close()
