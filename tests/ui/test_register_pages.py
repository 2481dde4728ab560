"""A register you can browse, and exports from the pages (issue 25 parts 3 and 4, issue 26 part 5):
/ui/systems pages through every system, filters in the URL and in SQL, the Systemejer by name, sorts;
/ui/gaps and /ui/people page the same way; the exports say what was asked and the log's checkpoint,
hold dates as date cells and record times in Danish local time, with a frozen header."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import date, datetime, timedelta
from html import unescape
from itertools import count
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import openpyxl
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ansvar.bootstrap import bootstrap
from domain.clock import COPENHAGEN
from domain.gaps import in_use_unheld
from domain.lifecycle import LifecycleChange, lifecycle_at
from domain.responsibility import Fact
from domain.vocabulary import Criticality, Lifecycle, Role
from projections.register_page import CRITICALITY_ORDER, RegisterPageQueries, SystemFilter
from tests.story import day
from tests.ui.test_pages import api_get, head, page, sign_in, town, visible  # noqa: F401 (the fixture)

SYSTEM_LINK = re.compile(r'href="/ui/systems/([0-9a-f-]{36})"')
LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\+0[12]:00$")


def listed(html: str, table: str = "system-list") -> list[str]:
    """The system ids a list's table links to, in its order."""
    body = html.split(f'<table id="{table}"', 1)[1].split("</table>", 1)[0]
    return SYSTEM_LINK.findall(body)


def next_link(html: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">', html)
    return unescape(found.group(1)) if found else None


def open_link(browser: Any, town: dict[str, Any], target: str) -> str:
    """A link as a browser follows it: its own query, and the log position the page must show."""
    response = browser.get(f"{target}{'&' if '?' in target else '?'}after={head(town)}")
    assert response.status_code == 200, f"{target}: {response.status_code} {response.text[:2000]}"
    return response.text


def every_page(browser: Any, town: dict[str, Any], path: str, table: str = "system-list") -> tuple[list[str], int]:
    """Follow the page links from `path` to the last page: every row's system id, and how many pages."""
    html, ids, pages = open_link(browser, town, path), [], 1
    ids += listed(html, table)
    while (target := next_link(html)) is not None:
        assert pages < 1000, "the page links go round"
        html, pages = open_link(browser, town, target), pages + 1
        ids += listed(html, table)
    return ids, pages


def api_systems(town: dict[str, Any], **filters: Any) -> list[dict[str, Any]]:
    return api_get(town, "/systems", limit=500, **filters)["items"]


def api_people(town: dict[str, Any]) -> list[dict[str, Any]]:
    found, cursor = [], None
    while True:
        answer = api_get(town, "/people", limit=500, **({"cursor": cursor} if cursor else {}))
        found += answer["items"]
        if not (cursor := answer.get("next_cursor")):
            return found


def api_units(town: dict[str, Any]) -> list[dict[str, Any]]:
    return api_get(town, "/org-units")["items"]


def subtree(town: dict[str, Any], unit: str) -> set[str]:
    rows = api_units(town)
    children: dict[str, list[str]] = {}
    for u in rows:
        if u.get("parent_id"):
            children.setdefault(u["parent_id"], []).append(u["id"])
    found, todo = set(), [unit]
    while todo:
        here = todo.pop()
        found.add(here)
        todo += children.get(here, [])
    return found


# ---------------------------------------------------------------------------------------------- paging


def test_the_register_pages_through_every_system_in_name_order(town):
    everyone = api_systems(town)
    assert len(everyone) > 100  # more than the old cap of 100
    ids, pages = every_page(sign_in(town, "council"), town, "/ui/systems")
    assert pages == -(-len(everyone) // 50)
    assert ids == [s["id"] for s in everyone]  # each once, in the API's order (by name)
    html = page(sign_in(town, "council"), "/ui/systems", town, page=pages)
    assert f"af {len(everyone)}" in visible(html) and "Viser de første" not in visible(html)
    assert 'aria-current="page"' in html and f'aria-label="Side {pages}"' not in html  # the last page is the current one


def test_the_gap_list_and_the_people_page_through_every_row(town):
    council = sign_in(town, "council")
    gaps = api_get(town, "/responsibility-gaps", limit=10_000)["items"]
    ids, pages = every_page(council, town, "/ui/gaps", table="gap-list")
    assert len(gaps) > 50 and pages == -(-len(gaps) // 50)
    assert ids == [g["system_id"] for g in gaps]
    admin = sign_in(town, "admin")
    people: list[str] = []
    html = page(admin, "/ui/people", town)
    while True:
        body = html.split('<table id="people"', 1)[1].split("</table>", 1)[0]
        people += re.findall(r'href="/ui/people/([0-9a-f-]{36})"', body)
        if (target := next_link(html)) is None:
            break
        html = open_link(admin, town, target)
    every = api_people(town)
    assert len(every) > 50 and sorted(people) == sorted(p["id"] for p in every) and len(set(people)) == len(people)


def test_a_page_past_the_last_shows_nothing_and_says_so(town):
    html = page(sign_in(town, "council"), "/ui/systems", town, page=999)
    assert listed(html) == [] and "Ingen systemer med disse valg." in visible(html)


# ---------------------------------------------------------------------------------------------- filters


@pytest.mark.parametrize("name", ["lifecycle", "criticality", "personal_data"])
def test_each_filter_finds_what_the_api_finds(town, name):
    value = {"lifecycle": "in_operation", "criticality": "critical", "personal_data": "false"}[name]
    expected = [s["id"] for s in api_systems(town, **{name: value})]
    ids, _ = every_page(sign_in(town, "council"), town, f"/ui/systems?{name}={value}")
    assert expected and ids == expected


def test_a_forvaltning_filter_takes_the_units_below_it(town):
    forvaltning = next(u for u in api_units(town) if u["level"] == "forvaltning")
    below = subtree(town, forvaltning["id"])
    expected = [s["id"] for s in api_systems(town) if s["org_unit_id"] in below]
    ids, _ = every_page(sign_in(town, "council"), town, f"/ui/systems?org_unit_id={forvaltning['id']}")
    assert len(below) > 1 and expected and ids == expected
    assert len(expected) > len([s for s in api_systems(town, org_unit_id=forvaltning["id"])])  # more than its own


def test_in_use_without_a_systemejer_is_the_overviews_gap_rule(town):
    gaps = api_get(town, "/responsibility-gaps", rule="no_holder", limit=10_000)["items"]
    unowned = {g["system_id"] for g in gaps if g["role"] == Role.SYSTEMEJER}
    ids, _ = every_page(sign_in(town, "council"), town, "/ui/systems?no_systemejer=true")
    assert set(ids) == unowned and len(ids) == len(unowned)


def test_a_holder_filter_lists_the_systems_the_person_holds_a_role_on(town):
    owner = town["users"]["owner"]
    holds = api_get(town, f"/people/{owner}/responsibilities")["holds"]
    expected = sorted({h["system_id"] for h in holds})
    ids, _ = every_page(sign_in(town, "council"), town, f"/ui/systems?holder={owner}")
    assert expected and sorted(ids) == expected
    name = api_get(town, f"/people/{owner}")["name"]
    by_name, _ = every_page(sign_in(town, "council"), town, f"/ui/systems?holder_q={name}")
    assert by_name == ids  # one person by that name: the same list


def test_a_holder_name_several_people_share_asks_which_one(town):
    html = page(sign_in(town, "council"), "/ui/systems", town, holder_q="en")
    assert listed(html) == [] and "Flere personer matcher" in visible(html)
    choice = unescape(re.search(r'<a href="(/ui/systems\?[^"]*holder=[0-9a-f-]{36}[^"]*)">', html).group(1))
    assert "holder_q" not in choice and listed(open_link(sign_in(town, "council"), town, choice))


def test_combined_filters_find_what_each_finds_and_the_url_asks_it_again(town):
    both = {s["id"] for s in api_systems(town, lifecycle="in_operation")} & {
        s["id"] for s in api_systems(town, criticality="high")}
    council = sign_in(town, "council")
    path = "/ui/systems?lifecycle=in_operation&criticality=high&q=&org_unit_id=&holder_q=&personal_data="
    ids, pages = every_page(council, town, path)
    assert both and set(ids) == both and len(ids) == len(both)
    tidy = council.get(path, follow_redirects=False)  # the blank fields a GET form sends are not kept
    assert tidy.status_code == 303 and tidy.headers["location"] == "/ui/systems?lifecycle=in_operation&criticality=high"
    html = open_link(council, town, path)
    # The form shows what was asked; every page link asks it again (a bookmark or a shared link too).
    assert '<option value="in_operation" selected>' in html and '<option value="high" selected>' in html
    for href in re.findall(r'href="(/ui/(?:systems|exports/register)\?[^"]+)"', html):
        query = parse_qs(urlsplit(unescape(href)).query)
        assert query.get("lifecycle") == ["in_operation"] and query.get("criticality") == ["high"], href
    assert "Livscyklus: I drift" in visible(html) and "Kritikalitet: Høj" in visible(html)


def test_a_filter_value_the_register_does_not_know_is_a_page_naming_the_field(town):
    response = sign_in(town, "council").get("/ui/systems", params={"lifecycle": "flying", "after": head(town)})
    assert response.status_code == 422 and "Livscyklus" in visible(response.text) and "Log ud" in response.text


def test_another_day_or_an_earlier_record_is_for_the_council_and_auditors(town):
    owner = sign_in(town, "owner")
    assert owner.get("/ui/systems", params={"known_at": "2020-01-01", "after": head(town)}).status_code == 403
    assert 'name="known_at"' not in page(owner, "/ui/systems", town)
    assert 'name="known_at"' in page(sign_in(town, "auditor"), "/ui/systems", town)


# ---------------------------------------------------------------------------------------------- columns and order


def test_the_systemejer_column_names_the_holder(town):
    html = page(sign_in(town, "council"), "/ui/systems", town)
    body = html.split('<table id="system-list"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td><a href=\"/ui/systems/([0-9a-f-]{36})\">.*?</a></td>\s*<td>(.*?)</td>", body, re.S)
    assert len(rows) == 50
    for system, shown in rows[:15]:
        answer = api_get(town, f"/systems/{system}/accountability")
        owner = next((r for r in answer["roles"] if r["role"] == Role.SYSTEMEJER), None)
        holder = owner and owner.get("holder")
        text = visible(shown).strip()
        assert text == (holder["name"] if holder else "ingen"), system
        assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}", text)


def test_sorting_by_criticality_puts_critical_first_then_by_name(town):
    council = sign_in(town, "council")
    ids, _ = every_page(council, town, "/ui/systems?sort=criticality")
    by_id = {s["id"]: s for s in api_systems(town)}
    keys = [(CRITICALITY_ORDER.index(Criticality(by_id[i]["criticality"])), by_id[i]["name"]) for i in ids]
    assert len(ids) == len(by_id) and keys == sorted(keys) and keys[0][0] == 0
    assert 'aria-sort="descending"' in open_link(council, town, "/ui/systems?sort=criticality")


def test_the_people_page_filters_by_unit_and_by_who_has_left(town):
    admin = sign_in(town, "admin")
    every = api_people(town)
    departed = {p["id"] for p in every if p.get("departed_on") and date.fromisoformat(p["departed_on"]) <= town["clock"].today()}
    html = page(admin, "/ui/people", town, status="departed")
    shown = set(re.findall(r'href="/ui/people/([0-9a-f-]{36})"', html.split('<table id="people"', 1)[1]))
    assert departed and shown == departed
    unit = every[0]["org_unit_id"]
    html = page(admin, "/ui/people", town, org_unit_id=unit)
    shown = set(re.findall(r'href="/ui/people/([0-9a-f-]{36})"', html.split('<table id="people"', 1)[1]))
    assert shown and shown == {p["id"] for p in every if p["org_unit_id"] in subtree(town, unit)}


# ---------------------------------------------------------------------------------------------- the rule in SQL


@pytest.fixture
def world(settings, clock):
    runtime = bootstrap(settings, clock)
    app = runtime.portfolio
    kommune = app.establish_org_unit("Kommune", "kommune", None).id
    people = [app.register_person(f"P{i}", kommune, None, None).id for i in range(2)]
    loop = asyncio.new_event_loop()
    yield runtime, kommune, people, clock, loop
    loop.run_until_complete(runtime.reads.reader.close())
    loop.close()
    runtime.close()


names = count()
STATES = [s.value for s in Lifecycle]
system_spec = st.tuples(
    st.sampled_from(STATES), st.lists(st.tuples(st.sampled_from(STATES), st.integers(0, 6)), max_size=4),
    st.lists(st.tuples(st.one_of(st.none(), st.integers(0, 1)), st.integers(0, 6), st.one_of(st.none(), st.integers(1, 3))),
             max_size=4),
)


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(systems=st.lists(system_spec, min_size=1, max_size=4),
       probes=st.lists(st.tuples(st.integers(-1, 8), st.integers(0, 40)), min_size=1, max_size=5))
def test_the_registers_filters_in_sql_are_the_domains_rules(world, systems, probes):
    """"In use without a Systemejer" and the lifecycle at (at, known_at), as the register's SQL
    filters them, equal domain/gaps.py's `in_use_unheld` and domain/lifecycle.py's `lifecycle_at`
    over what was recorded by `known_at`; as known now, the first equals the gap rule no_holder."""
    runtime, kommune, people, clock, loop = world
    app, reads = runtime.portfolio, runtime.reads
    unit = app.establish_org_unit(f"Afdeling {next(names)}", "afdeling", kommune).id
    base = day("2024-01-01")
    model: dict[UUID, tuple[datetime, list[tuple[LifecycleChange, datetime]], list[Fact]]] = {}
    moments: list[datetime] = []
    for first, changes, facts in systems:
        clock.advance(timedelta(hours=1))
        r = app.register_system(f"System {next(names)}", None, unit, "high", False, first, base)
        lifecycle = [(LifecycleChange(r.position, first, base), r.recorded_at)]
        known: list[Fact] = []
        for state, offset in changes:
            clock.advance(timedelta(hours=1))
            c = app.change_lifecycle(r.id, state, base + timedelta(days=10 * offset))
            lifecycle.append((LifecycleChange(c.position, state, base + timedelta(days=10 * offset)), c.recorded_at))
        for who, offset, length in facts:
            clock.advance(timedelta(hours=1))
            begin = base + timedelta(days=10 * offset)
            end = begin + timedelta(days=10 * length) if length else None
            f = (app.record_vacancy(r.id, Role.SYSTEMEJER, begin, end, "ledig") if who is None
                 else app.assign_role(r.id, Role.SYSTEMEJER, people[who], begin, end))
            known.append(Fact(f.position, f.recorded_at, Role.SYSTEMEJER, None if who is None else people[who], begin, end))
        model[r.id] = (r.recorded_at, lifecycle, known)
        moments += [r.recorded_at, *[t for _, t in lifecycle], *[k.recorded_at for k in known]]
    runtime.catchup.run_until_caught_up()
    moments = sorted(moments)
    queries = RegisterPageQueries(reads.reader)
    for offset, k in probes:
        at = base + timedelta(days=10 * offset - 1 if offset % 2 else 10 * offset)
        known_at = moments[min(k, len(moments) - 1)] if k < 35 else reads.now()
        expected_state = {}
        for system, (registered, lifecycle, facts) in model.items():
            if registered <= known_at:
                expected_state[system] = lifecycle_at([c for c, t in lifecycle if t <= known_at], at)
        unowned = {s for s, state in expected_state.items()
                   if in_use_unheld(state, model[s][2], Role.SYSTEMEJER, at, known_at)}
        asked = SystemFilter(at=at, known_at=known_at, org_unit_ids=(unit,))
        _, everything = loop.run_until_complete(queries.system_ids(asked))
        assert set(everything) == set(expected_state), ("known systems", at, known_at)
        _, found = loop.run_until_complete(queries.system_ids(SystemFilter(
            at=at, known_at=known_at, org_unit_ids=(unit,), no_systemejer=True)))
        assert set(found) == unowned, ("in use without a Systemejer", at, known_at)
        for state in STATES:
            _, found = loop.run_until_complete(queries.system_ids(SystemFilter(
                at=at, known_at=known_at, org_unit_ids=(unit,), lifecycle=state)))
            assert set(found) == {s for s, v in expected_state.items() if v == state}, ("lifecycle", state, at)
        shown = loop.run_until_complete(queries.shown(everything, asked))
        assert {r["id"]: r["lifecycle"] for r in shown} == expected_state
        if k >= 35:  # as known now: the gap rule's own answer, from the gaps view
            gaps = loop.run_until_complete(reads.gaps.at(at, rule="no_holder", role=Role.SYSTEMEJER, org_unit_ids=[unit]))
            assert {UUID(str(g["system_id"])) for g in gaps} == unowned, ("the gap rule", at)
            _, found = loop.run_until_complete(queries.system_ids(SystemFilter(
                at=at, known_at=known_at, org_unit_ids=(unit,), no_systemejer=True, known_now=True)))
            assert set(found) == unowned, ("in use without a Systemejer, read from the gaps view", at)


def test_a_deep_page_of_gaps_is_the_same_rows_as_skipping_to_it(world):
    """GapQueries.at and .page read a page after the first from the (severity, since) its first row
    has: every page, with every filter the list has, is the same rows in the same order as the
    whole list cut at its offset, and .page's total is the whole list's length."""
    runtime, kommune, people, clock, loop = world
    app, gaps = runtime.portfolio, runtime.reads.gaps
    units = [app.establish_org_unit(f"Afdeling {next(names)}", "afdeling", kommune).id for _ in range(2)]
    base = day("2024-01-01")
    for i in range(14):  # ties in severity and since, and one name in two units
        clock.advance(timedelta(hours=1))
        system = app.register_system(f"Fælles {i % 7}", None, units[i % 2], list(Criticality)[i % 4], False,
                                     "in_operation", base + timedelta(days=10 * (i % 3))).id
        if i % 5 == 0:
            app.assign_role(system, Role.SYSTEMEJER, people[i % 2], base, base + timedelta(days=20))
    runtime.catchup.run_until_caught_up()
    today = clock.today()
    for asked in ({}, {"role": Role.SYSTEMEJER}, {"org_unit_ids": [units[1]]}, {"rule": "no_holder"}):
        every = loop.run_until_complete(gaps.at(today, limit=10_000, **asked))
        keys = [(g["severity"], g["since"]) for g in every]
        assert every and (asked or len(set(keys)) > 3 and len(set(keys)) < len(keys))  # ties in the order's keys
        for offset in range(len(every) + 2):
            for limit in (1, 7, 50):
                assert loop.run_until_complete(gaps.at(today, limit=limit, offset=offset, **asked)) == \
                    every[offset:offset + limit], (asked, offset, limit)
                filters = {"rule": None, "role": None, "org_unit_ids": None, **asked}
                assert loop.run_until_complete(gaps.page(today, limit=limit, offset=offset, **filters)) == \
                    (every[offset:offset + limit], len(every)), (asked, offset, limit)


# ---------------------------------------------------------------------------------------------- exports


def download(browser: Any, town: dict[str, Any], path: str, **params: Any) -> Any:
    response = browser.get(path, params={"after": head(town), **params})
    assert response.status_code == 200, response.text[:2000]
    return response


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def split_at_header(rows: list[list[Any]], first: str) -> tuple[dict[str, Any], list[Any], list[list[Any]]]:
    at = next(i for i, r in enumerate(rows) if r and r[0] == first)
    return {r[0]: r[1] for r in rows[:at] if r and r[0]}, rows[at], rows[at + 1:]


def test_the_register_export_is_the_page_as_filtered_with_what_was_asked_and_the_checkpoint(town):
    auditor = sign_in(town, "auditor")
    today = town["clock"].today()
    html = page(auditor, "/ui/systems", town, criticality="critical", lifecycle="in_operation")
    link = unescape(re.search(r'href="(/ui/exports/register\?[^"]*format=xlsx[^"]*)"', html).group(1))
    response = auditor.get(f"{link}&after={head(town)}")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == f'attachment; filename="ansvar-register-{today.isoformat()}.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    (sheet,) = book.worksheets
    assert sheet.title == f"Register {today:%d-%m-%Y}"
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    asked, header, data = split_at_header(rows, "Systemnavn")
    assert asked["Udtræk"] == "Ejerskabsregister" and asked["Kritikalitet"] == "Kritisk" and asked["Livscyklus"] == "I drift"
    assert asked["Dato (at)"] == datetime.combine(today, datetime.min.time())  # a date cell
    assert LOCAL_TIME.match(asked["Som registreret (known_at)"]) and LOCAL_TIME.match(asked["Udtrukket"])
    assert int(asked["Logens størrelse"]) >= head(town) and re.fullmatch(r"[A-Za-z0-9+/]{43}=", asked["Logens rodhash"])
    assert header[:3] == ["Systemnavn", "Leverandør", "Enhed"] and "Systemejer" in header
    expected = {s["name"] for s in api_systems(town, criticality="critical", lifecycle="in_operation")}
    assert {r[0] for r in data} == expected
    # The frozen header, date cells in Danish order, readable widths.
    header_row = rows.index(header) + 1
    assert sheet.freeze_panes == f"A{header_row + 1}"
    in_use = sheet.cell(row=header_row + 1, column=header.index("Ibrugtagning") + 1)
    assert isinstance(in_use.value, datetime) and in_use.number_format == "dd-mm-yyyy"
    widths = {k: v.width for k, v in sheet.column_dimensions.items()}
    assert widths["A"] >= max(len(str(r[0])) for r in data) and all(8 <= w <= 62 for w in widths.values())
    # People by name: the Systemejer column holds no ids.
    owners = [r[header.index("Systemejer")] for r in data if r[header.index("Systemejer")]]
    assert owners and not any(re.search(r"[0-9a-f]{8}-[0-9a-f]{4}", str(o)) for o in owners)
    # The CSV holds the same.
    as_csv = csv_rows(auditor.get(f"{link.replace('format=xlsx', 'format=csv')}&after={head(town)}").content)
    asked_csv, header_csv, data_csv = split_at_header(as_csv, "Systemnavn")
    assert header_csv == header and [r[0] for r in data_csv] == [r[0] for r in data]
    assert asked_csv["Dato (at)"] == today.isoformat() and asked_csv["Kritikalitet"] == "Kritisk"


def test_the_register_as_of_a_past_record_holds_what_was_known_then(town):
    auditor = sign_in(town, "auditor")
    runtime = town["runtime"]
    with runtime.db.transaction(write=False) as cur:
        cur.execute("SELECT registered_at FROM systems ORDER BY registered_at")
        times = [r["registered_at"] for r in cur.fetchall()]
    middle = times[len(times) // 2]
    known_at = middle.astimezone(COPENHAGEN).isoformat(timespec="microseconds")
    known = [t for t in times if t <= middle]
    content = download(auditor, town, "/ui/exports/register", format="csv", known_at=known_at).content
    asked, _, data = split_at_header(csv_rows(content), "Systemnavn")
    assert len(data) == len(known) < len(times)
    assert asked["Som registreret (known_at)"] == middle.astimezone(COPENHAGEN).isoformat(sep=" ", timespec="seconds")


def test_the_gap_export_is_the_list_as_filtered(town):
    council = sign_in(town, "council")
    today = town["clock"].today()
    response = download(council, town, "/ui/exports/gaps", format="csv", rule="no_holder", role="systemansvarlig",
                        forvaltning="")
    assert f"ansvar-huller-{today.isoformat()}.csv" in response.headers["content-disposition"]
    asked, header, data = split_at_header(csv_rows(response.content), "Systemnavn")
    assert asked["Regel"] == "Ingen indehaver af rollen" and asked["Rolle"] == "Systemansvarlig"
    expected = [g for g in api_get(town, "/responsibility-gaps", rule="no_holder", limit=10_000)["items"]
                if g["role"] == "systemansvarlig"]
    assert [r[0] for r in data] == [g["system_name"] for g in expected] and header[5] == "Siden"
    assert all(r[5] == g["since"] for r, g in zip(data, expected, strict=True))
    book = openpyxl.load_workbook(io.BytesIO(download(council, town, "/ui/exports/gaps", format="xlsx",
                                                      rule="no_holder").content))
    assert book.active.title == f"Uklart ansvar {today:%d-%m-%Y}"


def test_the_decision_log_export_names_people_and_holds_record_times_in_danish_time(town):
    owner = sign_in(town, "owner")  # the decision log is open to every person, its export too
    html = page(owner, "/ui/decisions", town)
    assert "/ui/exports/decisions?format=xlsx" in html
    response = download(owner, town, "/ui/exports/decisions", format="xlsx")
    assert "ansvar-beslutninger-" in response.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    _, header, data = split_at_header(rows, "Besluttet den")
    decisions = api_get(town, "/decisions", limit=500)["items"]
    assert len(data) == len(decisions) and all(isinstance(r[0], datetime) for r in data)
    recorded = header.index("Registreret")
    assert all(LOCAL_TIME.match(r[recorded]) for r in data)
    assert not any(re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", str(c)) for r in data for c in r)
    filtered = download(owner, town, "/ui/exports/decisions", format="csv", kind="approval").content
    asked, _, rows_csv = split_at_header(csv_rows(filtered), "Besluttet den")
    assert asked["Beslutning"] == "Godkendelse" and {r[1] for r in rows_csv} == {"Godkendelse"}


def test_an_owner_cannot_export_the_register_and_sees_no_button(town):
    owner = sign_in(town, "owner")
    assert owner.get("/ui/exports/register", params={"after": head(town)}).status_code == 403
    assert "/ui/exports/register" not in page(owner, "/ui/systems", town)


def test_the_evidence_export_says_which_system_and_when(town):
    auditor = sign_in(town, "auditor")
    system = api_systems(town)[0]
    response = download(auditor, town, f"/ui/systems/{system['id']}/evidence", format="xlsx")
    assert "ansvar-dokumentation-" in response.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    asked, header, data = split_at_header(rows, "Rolle")
    assert asked["System"] == system["name"] and "Logens rodhash" in asked
    assert data and all(isinstance(r[header.index("Fra")], datetime) for r in data)
    assert all(LOCAL_TIME.match(r[header.index("Registreret")]) for r in data)


def test_the_apis_exports_write_dates_as_date_cells_and_record_times_in_danish_time(town):
    """Issue 26 part 5, for GET /exports/...: the register's dates are date cells in XLSX (and still
    ISO dates in CSV, which re-import); the decision log's record times are Danish time with the offset."""
    from tests.api.client import bearer

    client = town["client"]
    book = client.get("/exports/register", params={"format": "xlsx", "after": head(town)},
                      headers={"Authorization": bearer()})
    sheet = openpyxl.load_workbook(io.BytesIO(book.content)).active
    header = [c.value for c in sheet[1]]
    since = [r[header.index("Systemejer siden")] for r in sheet.iter_rows(min_row=2) if r[header.index("Systemejer siden")].value]
    assert since and all(isinstance(c.value, datetime) and c.number_format == "dd-mm-yyyy" for c in since)
    as_csv = client.get("/exports/register", params={"format": "csv"}, headers={"Authorization": bearer()}).content
    rows = csv_rows(as_csv)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", next(r[rows[0].index("Systemejer siden")] for r in rows[1:]
                                                   if r[rows[0].index("Systemejer siden")]))
    log = csv_rows(client.get("/exports/decisions", params={"format": "csv"}, headers={"Authorization": bearer()}).content)
    recorded = [r[log[0].index("Registreret")] for r in log[1:] if len(r) > 5]
    assert recorded and all(LOCAL_TIME.match(t) for t in recorded), recorded[:3]


def test_a_name_that_looks_like_a_formula_is_text_in_every_page_export(town):
    """The exports' safety (infra/spreadsheet.py): a cell that starts like a formula is written as text."""
    app = town["runtime"].portfolio
    unit = next(u["id"] for u in api_units(town) if u["level"] == "forvaltning")
    name = "=HYPERLINK(\"http://x\";\"klik\")"
    app.register_system(name, "@leverandør", UUID(unit), "low", False, "in_operation", town["clock"].today())
    auditor = sign_in(town, "auditor")
    as_csv = download(auditor, town, "/ui/exports/register", format="csv", q="HYPERLINK").content.decode("utf-8-sig")
    assert f"'{name}".replace('"', '""') in as_csv and "'@leverandør" in as_csv
    book = openpyxl.load_workbook(io.BytesIO(download(auditor, town, "/ui/exports/register", format="xlsx",
                                                      q="HYPERLINK").content))
    cells = [c for row in book.active.iter_rows() for c in row if c.value == name]
    assert cells and all(c.data_type == "s" for c in cells)
    assert ("Navnet indeholder", "HYPERLINK") in [tuple(r[:2]) for r in book.active.iter_rows(values_only=True)]
