"""Every duty has its own Danish text, naming the system and role where it has them."""

from __future__ import annotations

from uuid import UUID

import pytest

from domain.reminders import Duty
from infra.mailer import build, message_id, texts
from infra.settings import Smtp

DETAILS = {"due_on": "2031-04-01", "status": "rejected", "made_on": "2031-01-02", "lacking": "archive_duty,sign_off",
           "duty": "attestation_overdue", "left_on": "2031-02-01", "new": "2", "open": "5", "rule:ping_pong": "1",
           "rule:no_holder": "2",
           "count": "3", "oldest": "2031-01-02", "claims": "", "systems": ""}


@pytest.mark.parametrize("duty", list(Duty))
def test_each_duty_has_its_own_text(duty):
    row = {"id": UUID(int=1), "duty": duty, "role": "systemejer", "details": list(DETAILS.items())}
    subject, paragraphs = texts(row, "Lønsystem", "Bo Berg", ["Lønsystem: Systemejer"])
    assert not subject.startswith("Påmindelse fra ansvar")  # not the fallback
    words = subject + " ".join(paragraphs)
    if duty not in (Duty.GAP_DIGEST,):
        assert "Lønsystem" in words
    if duty in (Duty.CLAIMS_WAITING, Duty.ROLES_UNHELD):
        assert "og 2 flere" in words  # three counted, one listed
    if duty == Duty.GAP_DIGEST:
        assert "Sorteper (ansvaret skifter hænder): 1" in words and "Ingen indehaver af rollen: 2" in words  # as the gap export


def test_a_message_has_plain_and_html_text_and_its_reminders_message_id():
    row = {"id": UUID(int=7), "duty": Duty.ATTESTATION_DUE, "role": "systemejer", "details": list(DETAILS.items())}
    from datetime import datetime, timezone

    msg = build(row, "Bo Berg", "bo@k.dk", Smtp("h", sender="ansvar@k.dk"), "Løn & <Personale>", None,
                datetime(2031, 3, 14, tzinfo=timezone.utc))
    assert msg["Message-ID"] == message_id(UUID(int=7), "ansvar@k.dk") == f"<reminder-{UUID(int=7)}@k.dk>"
    assert "Løn & <Personale>" in msg.get_body(("plain",)).get_content()
    assert "Løn &amp; &lt;Personale&gt;" in msg.get_body(("html",)).get_content()  # escaped in HTML
