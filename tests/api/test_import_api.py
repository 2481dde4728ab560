"""Importing the municipalities' own spreadsheets, on every backend.

The expected report is derived here by reading the shared sample files independently (the
csv module and openpyxl, with this file's own idea of "one person"), never copied from output.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from tests.story import day

DATA = Path(__file__).resolve().parents[1] / "data"  # copies of the shared sample inventories
ROLES = ("Systemejer", "Systemansvarlig", "Teknisk kontakt")


def sample(name: str) -> bytes:
    path = DATA / name
    if not path.exists():
        pytest.fail(f"the sample inventory {path} is missing")
    return path.read_bytes()


def table(name: str) -> list[dict[str, str]]:
    """The sample as plain dicts, read without any of the importer's code."""
    content = sample(name)
    if name.endswith(".csv"):
        return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    rows = list(openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0].iter_rows(values_only=True))
    return [{h: ("" if v is None else str(v)) for h, v in zip(rows[0], r)} for r in rows[1:]]


_PERSON = re.compile(r"[A-ZÆØÅ][a-zæøå]+( [A-ZÆØÅ][a-zæøå]+)+( \([^)]*\))?")
_EMAIL = re.compile(r"[\w.-]+@[\w-]+(\.[\w-]+)+")


def expected(name: str) -> dict:
    """Systems, people, flagged owners and duplicates, as a careful reader of the file counts them."""
    rows = table(name)
    units = {r[c].strip().casefold() for r in rows for c in ("Forvaltning", "Afdeling")}
    seen: set[str] = set()
    systems = duplicates = flagged = 0
    people: set[str] = set()
    for r in rows:
        key = " ".join(r["Systemnavn"].split()).casefold()
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        systems += 1
        for role in ROLES:
            cell = " ".join(r[role].split())
            if not cell:
                continue
            if _EMAIL.fullmatch(cell):
                people.add(cell.casefold())
            elif _PERSON.fullmatch(cell) and cell.casefold() not in units:
                people.add(cell.split(" (")[0].casefold())
            else:
                flagged += 1
    pairs = _spelt_pairs(people)
    return {"rows_read": len(rows), "systems": systems, "people": len(people) - len(pairs), "flagged": flagged,
            "duplicates": duplicates, "pairs": pairs}


def _spelt_pairs(people: set[str]) -> dict[str, str]:
    """Each address that spells exactly one name of the file (first.last, with ø as oe or o, å as aa
    or a, æ as ae), in the domain most addresses have: one person, given twice."""
    emails = [p for p in people if "@" in p]
    home = Counter(e.partition("@")[2] for e in emails).most_common(1)[0][0]
    spelt: dict[str, list[str]] = {}
    for name in (p for p in people if "@" not in p):
        forms = {name}
        for letter, ways in (("æ", ("ae",)), ("ø", ("oe", "o")), ("å", ("aa", "a")), ("é", ("e",))):
            forms = {f.replace(letter, w) for f in forms for w in ways}
        for form in forms:
            spelt.setdefault(form.replace(" ", "."), []).append(name)
    return {e: spelt[local][0] for e in emails
            if (local := e.partition("@")[0]) in spelt and len(spelt[local]) == 1 and e.endswith("@" + home)}


_MONTH_NAMES = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def _moved(cell: str) -> str:
    """An "Ibrugtagning" cell moved onto the test clock's calendar, written as it was typed.

    The sample was written when today was the stories' today, so all its dates lie in the past;
    `day()` keeps each one's distance to today. A month or a year alone names the first day of
    the moved date's month or year, so it moves no later than the date: the past stays past."""
    text = cell.strip()
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
        return day(text).isoformat()
    if m := re.fullmatch(r"(\d{1,2})([-.])(\d{1,2})\2(\d{4})", text):
        moved = day(f"{m[4]}-{int(m[3]):02d}-{int(m[1]):02d}")
        d, mo = (f"{n:0{len(part)}d}" for n, part in ((moved.day, m[1]), (moved.month, m[3])))
        return f"{d}{m[2]}{mo}{m[2]}{moved.year}"
    if (m := re.fullmatch(r"([a-zæøå]+) (\d{4})", text.casefold())) and m[1] in _MONTH_NAMES:
        moved = day(f"{m[2]}-{_MONTH_NAMES.index(m[1]) + 1:02d}-01")
        return f"{_MONTH_NAMES[moved.month - 1]} {moved.year}"
    if re.fullmatch(r"\d{4}", text):
        return str(day(f"{text}-01-01").year)
    assert not text, f"an Ibrugtagning cell this test cannot move: {cell!r}"
    return cell


def told_today(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The sample's rows with their dates on the test clock's calendar, for tests where a system's
    start relative to today matters (a system not yet in operation today has no gaps today, and
    re-importing it would state its lifecycle as of today)."""
    return [{**r, "Ibrugtagning": _moved(r["Ibrugtagning"])} for r in rows]


def as_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def upload(api, content: bytes, filename: str, apply: bool = False, expect: int | None = None, **files) -> dict:
    response = api.client.post(
        "/imports", files={"file": (filename, content, "application/octet-stream"), **files},
        data={"apply": "true"} if apply else {},
    )
    if expect is not None:
        assert response.status_code == expect, response.text
    body = response.json()
    if response.status_code == 201:
        api.position = max(api.position, body["position"])
    return body


def head(api) -> int:
    return api.client.app.state.runtime.portfolio.recorder.max_notification_id() or 0


@pytest.mark.parametrize("name", ["it-systemer.csv", "it-systemer.xlsx"])
def test_given_the_sample_when_dry_run_then_the_report_counts_what_the_file_says_and_nothing_is_written(api, name):
    want = expected(name)
    report = upload(api, sample(name), name, expect=200)
    assert report["dry_run"] and not report["applied"] and head(api) == 0
    assert report["rows_read"] == want["rows_read"]
    assert report["systems"] == {"to_create": want["systems"], "matched": 0}
    assert report["people"] == {"to_create": want["people"], "matched": 0}
    assert report["flagged_holders"] == want["flagged"]
    assert report["duplicates"] == want["duplicates"]
    assert report["people_linked"] == len(want["pairs"]) and report["possible_duplicate_people"] == 0
    assert report["facts"]["vacancies"] == want["flagged"]  # every flagged owner leaves its role explicitly vacant
    problems = Counter(p["kind"] for p in report["problems"])
    assert problems["flagged_holder"] == want["flagged"] and problems["duplicate"] == want["duplicates"]
    assert all(p["row"] >= 2 and p["column"] for p in report["problems"])


def test_given_the_sample_then_each_address_that_spells_a_name_in_it_is_one_person_with_both(api):
    want = expected("it-systemer.csv")
    assert len(want["pairs"]) == 50 and sum(e.partition("@")[0].replace(".", " ") != n for e, n in want["pairs"].items()) == 10
    report = upload(api, sample("it-systemer.csv"), "it-systemer.csv", apply=True, expect=201)
    assert report["people"]["to_create"] == len(report["people_to_create"]) == want["people"]
    for email, name in want["pairs"].items():
        [person] = api.get("/people", q=email)["items"]
        assert (person["email"], person["name"].casefold()) == (email, name)
    assert api.get("/people", q="søren")["items"] == api.get("/people", q="soeren")["items"] != []


def test_given_the_sample_when_applied_twice_then_the_second_import_creates_nothing(api):
    content = as_csv(told_today(table("it-systemer.csv")))
    first = upload(api, content, "it-systemer.csv", apply=True, expect=201)
    assert first["applied"] and first["position"] == head(api)
    again = upload(api, content, "it-systemer.csv", apply=True, expect=200)
    assert not again["applied"] and head(api) == first["position"]
    assert again["systems"] == {"to_create": 0, "matched": expected("it-systemer.csv")["systems"]}
    assert again["people"]["to_create"] == 0 and set(again["facts"].values()) == {0}


def test_every_imported_event_carries_its_provenance(api):
    content = sample("it-systemer.csv")
    report = upload(api, content, "it-systemer.csv", apply=True, expect=201)
    portfolio = api.client.app.state.runtime.portfolio
    events = [portfolio.mapper.to_domain_event(n) for n in portfolio.recorder.select_notifications(1, 100_000)]
    rows = {r for r in range(2, report["rows_read"] + 2)}
    assert events and all(
        e.meta["source"]["file"] == "it-systemer.csv" and e.meta["source"]["sha256"] == report["sha256"]
        and e.meta["source"]["row"] in rows
        for e in events
    )
    assert len({e.meta["source"]["row"] for e in events}) > 200


def test_a_flagged_owner_shows_on_the_gap_report_with_the_original_text(api):
    rows = told_today(table("it-systemer.csv"))
    text = next(r["Systemejer"] for r in rows if " / " in r["Systemejer"] and r["Livscyklus"].casefold() == "i drift")
    system = next(r["Systemnavn"].strip() for r in rows if r["Systemejer"] == text)
    upload(api, as_csv(rows), "it-systemer.csv", apply=True, expect=201)
    gaps = api.get("/responsibility-gaps", rule="no_holder", limit=5000)["items"]
    mine = [g for g in gaps if g["system_name"] == system and g["role"] == "systemejer"]
    assert len(mine) == 1 and text in mine[0]["detail"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_export_then_reimport_gives_the_same_state_and_no_new_events(api, kind):
    upload(api, sample("it-systemer.csv"), "it-systemer.csv", apply=True, expect=201)
    before = head(api)
    exported = api.client.get("/exports/register", params={"format": kind, "after": before})
    assert exported.status_code == 200 and exported.headers["content-disposition"].endswith(f'.{kind}"')
    report = upload(api, exported.content, f"register.{kind}", apply=True, expect=200)
    assert not report["applied"] and head(api) == before
    assert report["systems"]["to_create"] == 0 and report["people"]["to_create"] == 0 and report["duplicates"] == 0
    assert report["systems"]["matched"] == expected("it-systemer.csv")["systems"]
    again = api.client.get("/exports/register", params={"format": "csv", "after": before}).content
    assert again == api.client.get("/exports/register", params={"format": "csv"}).content


def test_an_exported_register_imported_into_an_empty_store_exports_identically(api, settings, clock, tmp_path):
    from ansvar.bootstrap import bootstrap
    from infra.settings import Database, Settings
    from tests.registers import export_file, import_file

    upload(api, sample("it-systemer.csv"), "it-systemer.csv", apply=True, expect=201)
    exported = api.client.get("/exports/register", params={"format": "csv", "after": head(api)}).content
    fresh = bootstrap(Settings(database=Database("sqlite", path=tmp_path / "fresh.db")), clock)
    try:
        import_file(fresh, exported, "register.csv", apply=True)
        assert export_file(fresh, "register", "csv") == exported
    finally:
        fresh.close()


def test_an_updated_file_records_only_the_differences(api):
    rows = told_today(table("it-systemer.csv"))
    upload(api, as_csv(rows), "it-systemer.csv", apply=True, expect=201)
    changed = [dict(r) for r in rows]
    target = next(r for r in changed if r["Livscyklus"] == "I drift" and _PERSON.fullmatch(r["Systemejer"] or "-"))
    target["Systemejer"] = "Ny Ejersen"
    target["Livscyklus"] = "Under udfasning"
    target["Kritikalitet"] = "Kritisk" if target["Kritikalitet"].strip().casefold() not in ("kritisk", "forretningskritisk") else "Lav"
    changed.append({**changed[0], "Systemnavn": "Helt nyt system", "Systemejer": "Ny Ejersen"})
    before = head(api)
    report = upload(api, as_csv(changed), "it-systemer-v2.csv", apply=True, expect=201)
    assert report["systems"]["to_create"] == 1 and report["people"]["to_create"] == 1
    new_row = [changed[-1][c] for c in ROLES if changed[-1][c].strip()]
    people_in_new_row = [c for c in new_row if _PERSON.fullmatch(c) or _EMAIL.fullmatch(c)]
    assert report["facts"]["lifecycle_changes"] == 1 and report["facts"]["details_changes"] == 1
    assert report["facts"]["assignments"] == 1 + len(people_in_new_row)  # the new owner, and the new system's holders
    assert report["facts"]["vacancies"] == len(new_row) - len(people_in_new_row)
    portfolio = api.client.app.state.runtime.portfolio
    written = [portfolio.mapper.to_domain_event(n) for n in portfolio.recorder.select_notifications(before + 1, 1000)]
    system = api.get("/systems", q=target["Systemnavn"].strip())["items"][0]
    assert system["lifecycle"] == "phasing_out"
    assert system["criticality"] == ("critical" if target["Kritikalitet"] == "Kritisk" else "low")
    assert {e.meta["source"]["file"] for e in written} == {"it-systemer-v2.csv"}


def _title_rows_tab_cp1252() -> bytes:
    text = sample("it-systemer.csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\r\n")
    writer.writerows([["IT-systemoversigt"], ["Udtrukket af Digitalisering"], *rows])
    return out.getvalue().encode("cp1252", errors="replace")


def _second_sheet_with_title_rows() -> bytes:
    rows = list(csv.reader(io.StringIO(sample("it-systemer.csv").decode("utf-8-sig")), delimiter=";"))
    book = openpyxl.Workbook()
    book.active.title = "Forside"
    book.active.append(["Denne arbejdsbog indeholder kommunens systemer"])
    sheet = book.create_sheet("Systemer")
    sheet.append(["IT-systemer"])
    sheet.append([])
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("variant", [_title_rows_tab_cp1252, _second_sheet_with_title_rows])
def test_real_world_file_shapes_give_the_same_report_as_the_clean_csv(api, variant):
    plain = upload(api, sample("it-systemer.csv"), "it-systemer.csv", expect=200)
    other = upload(api, variant(), "variant", expect=200)
    same = ("rows_read", "systems", "people", "org_units", "facts", "flagged_holders", "duplicates")
    assert {k: other[k] for k in same} == {k: plain[k] for k in same}
    assert [p["row"] for p in other["problems"]] == [p["row"] + 2 for p in plain["problems"]]


@pytest.mark.parametrize("content, slug", [
    (b"", "unreadable-spreadsheet"),
    (b"   \r\n  ", "unreadable-spreadsheet"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "unreadable-spreadsheet"),
    (b"PK\x03\x04 not really a workbook", "unreadable-spreadsheet"),
    (b"Dato;Bel\xc3\xb8b;Konto\r\n2024-01-01;100;4000\r\n", "no-recognisable-header"),
])
def test_a_bad_file_is_a_clear_problem_and_nothing_is_written(api, content, slug):
    problem = upload(api, content, "bad.csv", apply=True, expect=422)
    assert problem["type"] == f"/problems/{slug}" and problem["field"] == "file"
    assert head(api) == 0


def test_a_file_too_large_is_refused_and_nothing_is_written(api, monkeypatch):
    from infra import spreadsheet

    monkeypatch.setattr(spreadsheet, "MAX_FILE_BYTES", 1000)
    problem = upload(api, sample("it-systemer.csv"), "big.csv", apply=True, expect=422)
    assert problem["type"] == "/problems/file-too-large" and head(api) == 0


def test_a_mapping_file_names_columns_the_importer_does_not_know(api):
    content = "App;Firma;Område;Ejer\r\nKørselsplan;Visma;Ældre;Bo Larsen\r\n".encode()
    assert upload(api, content, "odd.csv", expect=422)["type"] == "/problems/no-recognisable-header"
    mapping = b'{"App": "name", "Firma": "vendor", "Omr\xc3\xa5de": "forvaltning", "Ejer": "systemejer"}'
    report = upload(api, content, "odd.csv", expect=200, mapping=("map.json", mapping, "application/json"))
    assert report["systems"]["to_create"] == 1 and report["people"]["to_create"] == 1
    bad = upload(api, content, "odd.csv", expect=422, mapping=("map.json", b'{"App": "colour"}', "application/json"))
    assert bad["field"] == "mapping"


def test_gap_export_has_danish_headers_in_both_formats(api):
    upload(api, sample("it-systemer.csv"), "it-systemer.csv", apply=True, expect=201)
    as_csv = api.client.get("/exports/gaps", headers={"accept": "text/csv"}, params={"after": head(api)})
    assert as_csv.headers["content-type"].startswith("text/csv")
    header = as_csv.content.decode("utf-8-sig").splitlines()[0].split(";")
    assert header[:4] == ["Systemnavn", "Forvaltning", "Afdeling", "Regel"]
    as_xlsx = api.client.get("/exports/gaps", params={"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active
    assert [c.value for c in sheet[1]] == header
    assert sheet.max_row == len(as_csv.content.decode("utf-8-sig").splitlines())
    assert api.client.get("/exports/gaps", params={"format": "pdf"}).status_code == 422


def test_one_file_naming_a_person_by_name_and_by_email_registers_one_person(api):
    content = ("Systemnavn;Forvaltning;Afdeling;Systemejer;Systemansvarlig\n"
               "Kørselsplan;Børn og Unge;Skoler;Åse Ærø;Åse Ærø <aase@kommune.dk>\n"
               "Elevplan;Børn og Unge;Skoler;aase@kommune.dk;Åse Ærø\n").encode()
    report = upload(api, content, "it.csv", apply=True)
    assert report["people"]["to_create"] == 1 and report["people_linked"] == 1
    assert [(p["row"], p["kind"]) for p in report["problems"]] == [(2, "linked")]
    found = api.get("/people", q="ærø", after=report["position"])["items"]
    assert [(p["name"], p["email"]) for p in found] == [("Åse Ærø", "aase@kommune.dk")]


def test_the_archive_duty_a_sheet_states_is_stored_and_exported_back(api):
    sheet = ("Systemnavn;Forvaltning;Afdeling;Arkivpligt\r\nLønsystem;Økonomi;Løn;B\r\nESDH;Økonomi;Løn;B+K\r\n"
             "Intranet;Økonomi;Løn;Ved ikke\r\n")
    report = api.client.post("/imports", files={"file": ("arkiv.csv", sheet.encode(), "text/csv")},
                             data={"apply": "true"}, headers=api.headers).json()
    assert report["applied"]
    api.position = report["position"]
    export = api.client.get("/exports/register", params={"format": "csv", "after": api.position}, headers=api.headers)
    import csv
    import io

    rows = {r["Systemnavn"]: r for r in csv.DictReader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";")}
    assert (rows["Lønsystem"]["Arkivpligt"], rows["ESDH"]["Arkivpligt"], rows["Intranet"]["Arkivpligt"]) == ("B", "B+K", "")
    again = ("Systemnavn;Forvaltning;Afdeling;Arkivpligt\r\nLønsystem;Økonomi;Løn;K\r\nESDH;Økonomi;Løn;B+K\r\n")
    changed = api.client.post("/imports", files={"file": ("arkiv2.csv", again.encode(), "text/csv")},
                              data={"apply": "true"}, headers=api.headers).json()
    assert changed["facts"]["archive_duty_changes"] == 1  # only Lønsystem's
