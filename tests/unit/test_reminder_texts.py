"""Every duty has its own Danish text, naming the system, the role and the people it is about, with
dates as Danes write them; every message has a plain-text and an HTML part."""

from __future__ import annotations

from datetime import date, datetime, timezone
from uuid import UUID

import pytest

from domain.reminders import Duty
from infra.mailer import Listed, build, date_da, message_id, texts
from infra.settings import Smtp
from tests.reading import DANISH_DATE, problems

DETAILS = {"due_on": "2031-04-01", "status": "rejected", "made_on": "2031-01-02", "lacking": "archive_duty,sign_off",
           "duty": "attestation_overdue", "left_on": "2031-02-01", "new": "2", "open": "5", "rule:ping_pong": "1",
           "rule:no_holder": "2", "offered_on": "2031-03-01", "effective_from": "2031-03-10",
           "count": "3", "oldest": "2031-01-02", "claims": "", "systems": ""}
LISTING = [Listed("Lønsystem", "systemejer", "Ida Holm", date(2031, 1, 2))]
NAMES = ("Lønsystem", "Bo Berg", "Ida Holm")
#: holder_gone says what the person who left still stands for: each duty it can stand in for.
GONE = ["attestation_due", "attestation_overdue", "claim_answered", "handover_offered", "decommissioning_lacking"]


def row(kind, role="systemejer", **details):
    return {"id": UUID(int=1), "duty": kind, "role": role, "system_id": UUID(int=2),
            "details": list({**DETAILS, **details}.items())}


def test_a_date_is_written_as_a_dane_writes_it():
    assert date_da(date(2025, 10, 21)) == "21. oktober 2025" == date_da("2025-10-21")
    assert date_da(date(2031, 5, 1)) == "1. maj 2031"


@pytest.mark.parametrize("duty", list(Duty))
def test_each_duty_has_its_own_danish_text(duty):
    subject, paragraphs = texts(row(duty), "Lønsystem", "Bo Berg", LISTING if duty == Duty.CLAIMS_WAITING else
                                [Listed("Lønsystem", "systemejer")])
    assert not subject.startswith("Påmindelse om")  # not the fallback
    words = " ".join([subject, *(p if isinstance(p, str) else " ".join(p) for p in paragraphs)])
    assert problems(words, NAMES) == [], words
    if duty != Duty.GAP_DIGEST:
        assert "Lønsystem" in words
    if duty in (Duty.ATTESTATION_DUE, Duty.ATTESTATION_OVERDUE):
        assert "1. april 2031" in words and "systemejer for Lønsystem" in words
    if duty in (Duty.HANDOVER_OFFERED, Duty.HOLDER_GONE):
        assert "Bo Berg" in words and DANISH_DATE.search(words)
    if duty in (Duty.CLAIMS_WAITING, Duty.ROLES_UNHELD):
        assert "… og 2 til" in words  # three counted, one listed
    if duty == Duty.CLAIMS_WAITING:
        assert "Ida Holm gjorde krav på rollen som systemejer den 2. januar 2031" in words
    if duty == Duty.GAP_DIGEST:
        assert "Sorteper (ansvaret skifter hænder): 1" in words and "Ingen indehaver af rollen: 2" in words  # as the gap export


@pytest.mark.parametrize("duty", GONE)
def test_a_holder_who_left_is_named_with_what_they_still_stand_for(duty):
    role = None if duty == "decommissioning_lacking" else "teknisk_ansvarlig"
    subject, paragraphs = texts(row(Duty.HOLDER_GONE, role, duty=duty), "Lønsystem", "Bo Berg")
    words = " ".join([subject, *paragraphs])  # type: ignore[list-item]
    assert problems(words, NAMES) == [], words
    assert "Bo Berg er fratrådt pr. 1. februar 2031" in words and "Lønsystem" in words
    if role:
        assert "teknisk ansvarlig" in words
    erased = " ".join(texts(row(Duty.HOLDER_GONE, role, duty=duty), "Lønsystem", None)[1])  # type: ignore[arg-type]
    assert "En tidligere medarbejder er fratrådt" in erased


def test_a_message_has_plain_and_html_text_and_its_reminders_message_id():
    r = row(Duty.CLAIMS_WAITING, None)
    msg = build({**r, "id": UUID(int=7), "system_id": None}, "Bo Berg", "bo@k.dk", Smtp("h", sender="ansvar@k.dk"), "Løn & <Personale>",
                None, datetime(2031, 3, 14, tzinfo=timezone.utc),
                [Listed("Løn & <Personale>", "systemejer", "Ida Holm", date(2031, 1, 2))], "https://ansvar.k.dk")
    assert msg["Message-ID"] == message_id(UUID(int=7), "ansvar@k.dk") == f"<reminder-{UUID(int=7)}@k.dk>"
    assert msg.get_content_type() == "multipart/alternative"
    plain, markup = msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()
    assert "- Løn & <Personale>: Ida Holm gjorde krav" in plain and plain.startswith("Kære Bo Berg")
    assert "<li>Løn &amp; &lt;Personale&gt;: Ida Holm gjorde krav" in markup  # escaped in HTML, a list item
    assert '<a href="https://ansvar.k.dk/ui/">' in markup and "Åbn siden: https://ansvar.k.dk/ui/" in plain
