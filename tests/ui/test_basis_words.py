"""The pages say in Danish why a fact was recorded, from the code the log keeps (infra/phrasebook/da/basis.py),
with what a person typed shown as typed: for facts recorded now and for events stored before the
codes (their English sentences read as codes by the upcasters)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from ansvar.web import create_app
from infra.phrasebook.da.basis import grundlag
from domain.basis import BasisCode
from domain.commands import Actor
from infra.settings import Auth, Database, Settings
from tests.api.client import TEST_SECRET
from tests.old_forms import writing_old_forms
from tests.ui.test_pages import page, sign_in, visible

COUNCIL = Actor(role="council")
#: What the log used to say, in English, on Danish pages.
ENGLISH = ("handover", "claim confirmed", "ruled by the council", "KITOS names", "carries out", "demo:")


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Iterator[dict[str, Any]]:
    from domain.clock import ManualClock
    from tests.story import TEST_TODAY

    clock = ManualClock.on(TEST_TODAY)
    settings = replace(Settings(database=Database("sqlite", path=tmp_path_factory.mktemp("basis") / "ansvar.db")),
                       auth=Auth(secret=TEST_SECRET))
    app = create_app(settings, clock=clock, configure_logging=False)
    with TestClient(app, base_url="https://ansvar.local") as client:
        runtime = app.state.runtime
        p, today = runtime.portfolio, clock.today()
        unit = p.establish_org_unit("Kommune", "kommune", None).id
        anne, bo, carl, dorte, soeren = (p.register_person(n, unit, None, None).id
                                         for n in ("Anne Ager", "Bo Bæk", "Carl Ceder", "Dorte Dam", "Søren Sand"))
        new = p.register_system("Lønsystem", "KMD", unit, "high", True, "in_operation", today - timedelta(days=900)).id
        old = p.register_system("Omsorgssystem", "KMD", unit, "high", True, "in_operation", today - timedelta(days=900)).id
        p.assign_role(new, "systemejer", anne, today - timedelta(days=800), basis="Direktørens brev.")
        for system in (new, old):
            with writing_old_forms(p) if system == old else _nothing():
                mine = p.make_claim(system, "forretningsejer", bo, "Vi driver det", actor=Actor(bo, "owner")).id
                p.make_claim(system, "forretningsejer", carl, "Vi betaler", actor=Actor(carl, "owner"))
                p.record_decision("ownership_ruling", "Forvaltningen bærer budgettet.", COUNCIL, decided_by=[dorte],
                                  subjects=[{"kind": "system", "id": str(system)}], confirmed_claim_id=mine)
        offer = p.hand_over(new, "systemejer", carl, today, "Jeg skifter job", actor=Actor(anne, "owner")).id
        p.accept_handover(offer, actor=Actor(carl, "owner"))
        with writing_old_forms(p):
            p.assign_role(old, "dataejer", soeren, today - timedelta(days=30), basis="handover: Søren overtager … januar.")
        yield {"app": app, "client": client, "runtime": runtime, "clock": clock, "new": new, "old": old,
               "carl": carl, "users": {"council": dorte}}


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _english(text: str) -> list[str]:
    return [w for w in ENGLISH if re.search(rf"\b{re.escape(w)}", text, re.IGNORECASE)]


@pytest.mark.parametrize("which", ["new", "old"])
def test_a_system_page_says_why_in_danish_and_shows_typed_words_as_typed(town, which):
    council = sign_in(town, "council")
    text = visible(page(council, f"/ui/systems/{town[which]}", town))
    assert "Et krav på rollen blev bekræftet." in text
    assert "Afvist: Afgjort af porteføljerådet. Begrundelse: »Forvaltningen bærer budgettet.«" in text
    assert not _english(text), _english(text)
    assert ".." not in text.replace("…", "")


def test_the_old_hand_over_sentence_reads_as_danish_with_one_full_stop(town):
    council = sign_in(town, "council")
    text = visible(page(council, f"/ui/systems/{town['old']}", town))
    said = "Den tidligere indehaver overdrog rollen, og modtageren tog imod. Bemærkning: »Søren overtager … januar.«"
    assert f"Grundlag: {said}" in text  # the role's answer, as the issue found it: "Grundlag: handover: ... januar.."
    assert "januar.." not in text and "januar.«." not in text


def test_a_hand_over_accepted_now_and_a_typed_basis_read_in_danish(town):
    council = sign_in(town, "council")
    text = visible(page(council, f"/ui/systems/{town['new']}", town))
    assert "Den tidligere indehaver overdrog rollen, og modtageren tog imod." in text
    assert "»Direktørens brev.«" in text and "brev.«." not in text


def test_the_claimant_reads_the_councils_answer_in_danish(town):
    carl = sign_in(town, "owner", town["carl"])
    text = visible(page(carl, "/ui/me", town))
    assert text.count("Afgjort af porteføljerådet. Begrundelse: »Forvaltningen bærer budgettet.«") == 2
    assert not _english(text), _english(text)


def test_the_evidence_export_gives_the_basis_in_danish(town):
    council = sign_in(town, "council")
    response = council.get(f"/ui/systems/{town['old']}/evidence", params={"format": "csv"})
    lines = response.content.decode("utf-8-sig").splitlines()
    below = lines[next(i for i, line in enumerate(lines) if line.startswith("Rolle;")):]  # below what was asked
    rows = list(csv.DictReader(io.StringIO("\n".join(below)), delimiter=";"))
    assert {r["Grundlag"] for r in rows} >= {"Et krav på rollen blev bekræftet.",
                                             "Den tidligere indehaver overdrog rollen, og modtageren tog imod."
                                             " Bemærkning: »Søren overtager … januar.«"}
    assert not _english(" ".join(r["Grundlag"] for r in rows))


def test_the_api_keeps_its_english_and_gives_code_params_and_typed_words_beside(town):
    from tests.api.client import bearer

    client, runtime = town["client"], town["runtime"]
    timeline = client.get(f"/systems/{town['old']}/timeline", params={"after": runtime.catchup.head()},
                          headers={"Authorization": bearer()}).json()
    facts = {f["role"]: f for r in timeline["roles"] for f in r["facts"]}
    assert {k: facts["dataejer"][k] for k in ("basis", "basis_code", "basis_params", "basis_note")} == {
        "basis": "handover: Søren overtager … januar.", "basis_code": "handover", "basis_params": None,
        "basis_note": "Søren overtager … januar."}
    assert (facts["forretningsejer"]["basis"], facts["forretningsejer"]["basis_code"]) == ("claim confirmed",
                                                                                           "claim_confirmed")
    rejected = next(c for c in timeline["claims"] if c["status"] == "rejected")
    assert (rejected["answer"], rejected["answer_code"], rejected["answer_note"]) == (
        "ruled by the council: Forvaltningen bærer budgettet.", "council_ruling", "Forvaltningen bærer budgettet.")


@pytest.mark.parametrize("code", list(BasisCode))
def test_every_code_has_a_danish_sentence_without_english_ids_or_double_stops(code):
    said = grundlag(code.value, {"count": 3, "step": "handover", "proposal_id": "0b6c3a5e-1f7e-4c61-9d2a-5a1b2c3d4e5f"},
                    "Tekst.", {"0b6c3a5e-1f7e-4c61-9d2a-5a1b2c3d4e5f": "Digital kørselsplan"})
    assert said.endswith("»Tekst.«") and "Registreret af systemet" not in said
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}", said)
    assert code.value not in said or code.value.isalpha()  # no enum key ("import" is Danish too)
    assert grundlag(code.value, {}, None).endswith(".") and ".." not in grundlag(code.value, {}, None)
