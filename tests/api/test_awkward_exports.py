"""Every export opens, whatever the names in it: a control character (refused by the API now, but
possibly in an older log) or a character Excel forbids in a sheet's name (`: / ? * [ ]`) never
makes an export a 500, for the register, the gap report, the decision log and a system's
evidence, as CSV and as XLSX."""

from __future__ import annotations

import csv
import io
from datetime import date
from uuid import UUID

import openpyxl
import pytest

from api.ui.exports import sheet_name
from infra import spreadsheet
from tests.api.council_helpers import decide, submit, town
from tests.story import on

COLON = "Velfærdsteknologi: skærmbesøg / [v2]?*"
OLD_SYSTEM = "Alarm\x07central\x0bnord\x1b[31m"  # BEL, VT and a terminal escape, as an older log may hold
OLD_PERSON = "Bo\x08 Larsen\x01"


def evidence(api, system_id: str, kind: str) -> bytes:
    """A system's evidence, downloaded from its page by a signed-in auditor."""
    app = api.client.app
    code = app.state.runtime.ui_sessions.issue_code(UUID(int=7), ("auditor",))
    page = "https://ansvar.local/ui"  # the API's own client (its event loop), over https for the session's cookie
    assert api.client.get(f"{page}/login/code?code={code}", follow_redirects=False).status_code == 303
    response = api.client.get(f"{page}/systems/{system_id}/evidence", params={"format": kind, "after": api.position})
    assert response.status_code == 200, response.text
    return response.content


def cells(content: bytes, kind: str) -> list[str]:
    if kind == "csv":
        return [c for row in csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";") for c in row]
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c]


def titles(content: bytes) -> list[str]:
    return openpyxl.load_workbook(io.BytesIO(content)).sheetnames


@pytest.fixture
def awkward(api):
    """A municipality with a colon-and-slash system (through the API) and a system and person with
    control characters in their names (written straight to the log, as before the API refused them),
    each holding a role and named in a council decision."""
    t = town(api)
    portfolio = api.client.app.state.runtime.portfolio
    colon = api.system(COLON, t.elder)
    old = str(portfolio.register_system(OLD_SYSTEM, "Leverandør\x0c A/S", UUID(t.elder), "high", True, "in_operation",
                                        date.fromisoformat(on("2020-01-01"))).id)
    person = str(portfolio.register_person(OLD_PERSON, UUID(t.elder), "Teamleder\x07", "bo\x07@x.dk").id)
    api.position = max(api.position, portfolio.recorder.max_notification_id())
    api.assign(colon, "systemejer", person, on("2021-01-01"))
    api.assign(old, "systemejer", t.chair, on("2021-01-01"))
    rejected = submit(api, t, "Skærm: [v2]/?*")
    decide(api, "rejection", "Overlapper: [a/b]?", [rejected], decided_by=[person], decided_on=on("2026-02-01"))
    claim = api.as_person(t.other).post(f"/systems/{old}/claims", {"role": "systemansvarlig", "person_id": t.other,
                                                                     "statement": "Min"})["claim_id"]
    decide(api, "ownership_ruling", "Afgjort\nendeligt", subjects=[{"kind": "system", "id": old}],
           confirmed_claim_id=claim, decided_by=[t.chair], decided_on=on("2026-03-01"))
    return {"colon": colon, "old": old, "person": person}


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("what", ["register", "gaps", "decisions"])
def test_every_export_opens_with_awkward_names_in_it(api, awkward, what, kind):
    response = api.client.get(f"/exports/{what}", params={"format": kind, "after": api.position})
    assert response.status_code == 200, response.text
    found = cells(response.content, kind)
    if what == "register":
        shown = OLD_SYSTEM if kind == "csv" else "Alarm\u2407central\u240bnord\u241b[31m"  # XLSX: the controls' pictures
        assert shown in found and COLON in found
    if what == "decisions":
        assert any("Skærm: [v2]/?*" in c for c in found)
        assert any(("Alarm\u2407" if kind == "xlsx" else "Alarm\x07") in c for c in found)
    if kind == "xlsx":
        assert all(c not in t for t in titles(response.content) for c in ":/?*[]")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_systems_evidence_opens_whatever_its_name_and_its_holders_names(api, awkward, kind, clock):
    for system in (awkward["colon"], awkward["old"]):
        content = evidence(api, system, kind)
        if kind == "xlsx":
            (title,) = titles(content)  # the system's name, made a title Excel accepts, and the day it was taken
            assert title == sheet_name(COLON if system == awkward["colon"] else OLD_SYSTEM, clock.today())
            assert title.endswith(f" {clock.today():%d-%m-%Y}") and all(c not in title for c in ":/?*[]")
    holder = cells(evidence(api, awkward["colon"], kind), kind)
    assert (OLD_PERSON if kind == "csv" else "Bo\u2408 Larsen\u2401") in holder


@pytest.mark.parametrize(("path", "field", "body"), [
    ("/systems", "name", {"name": "Løn\x07system", "criticality": "high", "personal_data": True, "lifecycle": "pilot"}),
    ("/systems", "vendor", {"name": "Løn", "vendor": "KMD\x1b", "criticality": "high", "personal_data": True,
                            "lifecycle": "pilot"}),
    ("/people", "name", {"name": "Bo\x00 Larsen"}),
    ("/people", "title", {"name": "Bo Larsen", "title": "Leder\x85"}),
    ("/people", "email", {"name": "Bo Larsen", "email": "bo\x7f@x.dk"}),
    ("/org-units", "name", {"name": "Løn\nafdeling", "level": "kommune"}),
])
def test_a_control_character_in_a_name_is_a_422_naming_the_field(api, path, field, body):
    unit = api.org_unit("Testkommune", "kommune")
    body = {**body, **({"org_unit_id": unit} if path != "/org-units" else {})}
    answer = api.post(path, body, expect=422)
    assert answer["field"] == field and "control character" in answer["detail"]


def test_a_multi_line_text_keeps_its_tabs_and_line_breaks_but_not_other_controls(api):
    t = town(api)
    system = api.system("Løn", t.elder)
    claim = {"role": "systemejer", "person_id": t.other, "statement": "Jeg har\n\tbudgettet\r\nfor det"}
    api.as_person(t.other).post(f"/systems/{system}/claims", claim)
    refused = api.as_person(t.other).post(f"/systems/{system}/claims", {**claim, "statement": "Jeg\x07"}, expect=422)
    assert refused["field"] == "statement"


@pytest.mark.parametrize(("text", "title"), [
    (COLON, "Velfærdsteknologi- skærmbesøg -"),
    ("'Citeret'", "Citeret"),
    ("   ", "Ark"),
    ("[]", "--"),
    ("History", "Ark"),
    ("A\x07B", "A-B"),
    ("😀" * 20, "😀" * 15),
    ("x" * 40, "x" * 31),
])
def test_a_sheet_title_is_one_excel_accepts(text, title):
    assert spreadsheet.sheet_title(text) == title
    book = openpyxl.Workbook()
    book.active.title = title  # openpyxl raises on what Excel refuses
