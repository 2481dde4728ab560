"""The web pages over HTTP (no browser): sign-in and sessions, CSRF, the access table, what the
pages say, and that their figures are the API's (tests/browser drives the same pages in Chromium)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from html import unescape
from typing import Any
from urllib.parse import quote
from uuid import UUID

import pytest
from litestar.testing import TestClient

from ansvar import demo
from ansvar.web import create_app
from infra.settings import Auth, Database, Settings
from infra.tokens import issue
from tests.api.client import TEST_SECRET, bearer

UUID_TEXT = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Iterator[dict[str, Any]]:
    """The demo municipality behind a running app, on the tests' clock."""
    from domain.clock import ManualClock
    from tests.story import TEST_TODAY

    clock = ManualClock.on(TEST_TODAY)
    settings = replace(Settings(database=Database("sqlite", path=tmp_path_factory.mktemp("ui") / "ansvar.db")),
                       auth=Auth(secret=TEST_SECRET))
    app = create_app(settings, clock=clock, configure_logging=False)
    with TestClient(app, base_url="https://ansvar.local") as client:
        runtime = app.state.runtime
        demo.load(runtime.portfolio)
        yield {"app": app, "client": client, "runtime": runtime, "clock": clock, "users": demo.demo_users(runtime.portfolio)}


def head(town: dict[str, Any]) -> int:
    return town["runtime"].catchup.head()


def sign_in(town: dict[str, Any], who: str, person_id: UUID | None = None) -> TestClient:
    """A browser of its own for `who` (admin, council, auditor, owner), signed in with a one-time link."""
    person = person_id or town["users"][who]
    code = town["runtime"].ui_sessions.issue_code(person, () if who == "owner" else (who,))
    browser = TestClient(town["app"], base_url="https://ansvar.local")  # the module's client keeps the app running
    response = browser.get(f"/ui/login/code?code={code}", follow_redirects=False)
    assert response.status_code == 303, response.text
    return browser


def page(browser: TestClient, path: str, town: dict[str, Any], expect: int = 200, **params: Any) -> str:
    response = browser.get(path, params={"after": head(town), **params})
    assert response.status_code == expect, f"{path}: {response.status_code} {response.text[:2000]}"
    return response.text


def visible(html: str) -> str:
    """The text a reader sees: tags, attributes and scripts gone."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def api_get(town: dict[str, Any], path: str, **params: Any) -> Any:
    response = town["client"].get(path, params={"after": head(town), **params}, headers={"Authorization": bearer()})
    assert response.status_code == 200, response.text
    return response.json()


def all_gaps(town: dict[str, Any], **params: Any) -> list[dict[str, Any]]:
    items, cursor = [], None
    while True:
        found = api_get(town, "/responsibility-gaps", limit=1000, **params, **({"cursor": cursor} if cursor else {}))
        items += found["items"]
        cursor = found["next_cursor"]
        if not cursor:
            return items


def figure(html: str, name: str) -> int:
    found = re.search(rf'id="fig-{name}">(\d+)<', html)
    assert found, f"no figure {name}"
    return int(found.group(1))


def held_systemejer(town: dict[str, Any], person_id: UUID) -> list[dict[str, Any]]:
    found = api_get(town, f"/people/{person_id}/responsibilities")
    return [h for h in found["holds"] if h["role"] == "systemejer"]


# ---------------------------------------------------------------------------------------------- sign-in


def test_the_root_sends_a_browser_to_the_pages_and_the_pages_to_sign_in(town):
    client = town["client"]
    assert client.get("/", follow_redirects=False).headers["location"] == "/ui/"
    response = client.get("/ui/systems?q=løn", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/login?next=" + quote("/ui/systems?q=l%C3%B8n", safe="")
    assert "Log ind" in client.get("/ui/login").text


def test_a_one_time_link_signs_in_once_with_a_cookie_the_page_script_cannot_read(town):
    code = town["runtime"].ui_sessions.issue_code(town["users"]["council"], ("council",))
    browser = TestClient(town["app"], base_url="https://ansvar.local")
    first = browser.get(f"/ui/login/code?code={code}", follow_redirects=False)
    cookie = first.headers["set-cookie"]
    assert "ansvar_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Path=/ui" in cookie and "Secure" in cookie  # served over https here
    again = TestClient(town["app"], base_url="https://ansvar.local").get(f"/ui/login/code?code={code}",
                                                                       follow_redirects=False)
    assert again.headers["location"] == "/ui/login?error=code"


def test_a_link_past_its_fifteen_minutes_signs_nobody_in(town):
    code = town["runtime"].ui_sessions.issue_code(town["users"]["council"], ("council",))
    town["clock"].advance(timedelta(minutes=16))
    try:
        response = TestClient(town["app"], base_url="https://ansvar.local").get(f"/ui/login/code?code={code}",
                                                                              follow_redirects=False)
        assert response.headers["location"] == "/ui/login?error=code"
    finally:
        town["clock"].advance(-timedelta(minutes=16))


def test_the_token_form_starts_a_session_and_the_token_never_appears_in_a_page(town):
    person = town["users"]["auditor"]
    token = issue(TEST_SECRET, person, ("auditor",), now=town["clock"].now())
    browser = TestClient(town["app"], base_url="https://ansvar.local")
    form = browser.get("/ui/login")
    login_csrf = csrf_of(form.text)
    refused = browser.post("/ui/login", data={"token": token, "csrf_token": "forged", "next": "/ui/"},
                           follow_redirects=False)
    assert refused.headers["location"] == "/ui/login?error=csrf"
    response = browser.post("/ui/login", data={"token": token, "csrf_token": login_csrf, "next": "/ui/gaps"},
                            follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/ui/gaps"
    assert token not in response.headers.get("set-cookie", "")
    for path in ("/ui/", "/ui/gaps", "/ui/me", "/ui/systems", "/ui/decisions"):
        assert token not in page(browser, path, town)


def test_a_bad_token_or_a_foreign_next_gets_no_session_and_no_redirect_off_site(town):
    browser = TestClient(town["app"], base_url="https://ansvar.local")
    login_csrf = csrf_of(browser.get("/ui/login").text)
    bad = browser.post("/ui/login", data={"token": "not-a-token", "csrf_token": login_csrf}, follow_redirects=False)
    assert bad.headers["location"] == "/ui/login?error=token"
    token = issue(TEST_SECRET, town["users"]["owner"], (), now=town["clock"].now())
    for target in ("https://evil.example/", "//evil.example/ui/", "/ui/../../evil", "/\\evil.example"):
        response = browser.post("/ui/login", data={"token": token, "csrf_token": login_csrf, "next": target},
                                follow_redirects=False)
        assert response.headers["location"].startswith("/ui/"), target
        assert "evil" not in response.headers["location"], target


def test_signing_out_ends_the_session_on_the_server(town):
    browser = sign_in(town, "council")
    html = page(browser, "/ui/", town)
    stolen = browser.cookies.get("ansvar_session")
    out = browser.post("/ui/logout", data={"csrf_token": csrf_of(html)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/ui/login"
    thief = TestClient(town["app"], base_url="https://ansvar.local", cookies={"ansvar_session": stolen})
    assert thief.get("/ui/", follow_redirects=False).headers["location"].startswith("/ui/login?next=")


def test_a_sign_out_from_another_site_without_the_token_is_ignored(town):
    browser = sign_in(town, "council")
    page(browser, "/ui/", town)
    browser.post("/ui/logout", data={}, follow_redirects=False)
    assert page(browser, "/ui/", town)  # still signed in


# ---------------------------------------------------------------------------------------------- CSRF and access


def test_a_form_posted_without_its_csrf_token_is_refused_and_writes_nothing(town):
    owner = town["users"]["owner"]
    browser = sign_in(town, "owner")
    system = held_systemejer(town, owner)[0]["system_id"]
    html = page(browser, f"/ui/systems/{system}", town)
    before = head(town)
    for data in ({"role": "systemejer"}, {"role": "systemejer", "csrf_token": "x" * 43}):
        refused = browser.post(f"/ui/systems/{system}/attestation", data=data, follow_redirects=False)
        assert refused.status_code == 403, refused.text
        assert "Formularen var for gammel, eller den kom fra en anden side" in visible(refused.text)
    other = sign_in(town, "council")
    their_token = csrf_of(page(other, "/ui/", town))
    assert browser.post(f"/ui/systems/{system}/attestation", data={"role": "systemejer", "csrf_token": their_token},
                        follow_redirects=False).status_code == 403
    assert head(town) == before
    assert csrf_of(html)  # the page's own form carries it


def test_an_owner_is_sent_to_their_own_systems_and_may_not_read_the_gap_lists(town):
    browser = sign_in(town, "owner")
    assert browser.get("/ui/", follow_redirects=False).headers["location"] == "/ui/me"
    refused = browser.get("/ui/gaps", params={"after": head(town)})
    assert refused.status_code == 403
    assert "text/html" in refused.headers["content-type"] and "Det lykkedes ikke" in refused.text


def test_a_system_page_shows_its_timeline_only_to_holders_the_council_and_auditors(town):
    owner = town["users"]["owner"]
    mine = {h["system_id"] for h in api_get(town, f"/people/{owner}/responsibilities")["holds"]}
    other = next(s["id"] for s in api_get(town, "/systems", limit=200)["items"] if s["id"] not in mine)
    browser = sign_in(town, "owner")
    theirs = page(browser, f"/ui/systems/{other}", town)
    assert "Tidslinje" not in theirs and "Gør krav på en rolle" in theirs
    assert browser.get(f"/ui/systems/{other}/evidence", params={"after": head(town)}).status_code == 403
    assert "Tidslinje" in page(browser, f"/ui/systems/{next(iter(mine))}", town)
    assert "Tidslinje" in page(sign_in(town, "auditor"), f"/ui/systems/{other}", town)


def test_an_auditor_signed_in_writes_nothing_from_a_page(town):
    browser = sign_in(town, "auditor")
    html = page(browser, "/ui/decisions", town)
    system = api_get(town, "/systems", limit=1)["items"][0]["id"]
    before = head(town)
    response = browser.post(f"/ui/systems/{system}/claim",
                            data={"csrf_token": csrf_of(html), "role": "dataejer", "statement": "mine"})
    assert response.status_code == 403 and head(town) == before


def test_a_form_names_the_signed_in_person_as_the_one_acting_whatever_it_is_sent(town):
    owner, someone = town["users"]["owner"], town["users"]["council"]
    mine = {h["system_id"] for h in api_get(town, f"/people/{owner}/responsibilities")["holds"]}
    system = next(s["id"] for s in api_get(town, "/systems", limit=200)["items"] if s["id"] not in mine)
    browser = sign_in(town, "owner")
    html = page(browser, f"/ui/systems/{system}", town)
    response = browser.post(f"/ui/systems/{system}/claim", follow_redirects=False, data={
        "csrf_token": csrf_of(html), "role": "kontraktejer", "statement": "min", "person_id": str(someone),
    })
    assert response.status_code == 303, visible(response.text)
    claims = api_get(town, f"/systems/{system}/timeline")["claims"]
    assert [c["person_id"] for c in claims if c["role"] == "kontraktejer"] == [str(owner)]
    held = api_get(town, f"/people/{owner}/responsibilities")["holds"][0]
    response = browser.post(f"/ui/systems/{held['system_id']}/attestation", follow_redirects=False, data={
        "csrf_token": csrf_of(html), "role": held["role"], "person_id": str(someone),
    })
    assert response.status_code == 303, visible(response.text)
    auditor = {"Authorization": bearer(UUID(int=7), ("auditor",))}
    event = town["client"].get("/events", params={"after": head(town) - 1}, headers=auditor).json()["items"][-1]
    assert event["actor_id"] == str(owner) and event["topic"] == "ansvar.system.attested.v1"


# ---------------------------------------------------------------------------------------------- what the pages say


def test_the_overview_figures_are_the_apis_for_the_same_day(town):
    html = page(sign_in(town, "council"), "/ui/", town)
    gaps = all_gaps(town)
    assert figure(html, "gaps") == len(gaps) > 0
    assert figure(html, "unowned") == sum(1 for g in gaps if g["rule"] == "no_holder" and g["role"] == "systemejer")
    assert figure(html, "overdue") == sum(1 for g in gaps if g["rule"] == "attestation_overdue")
    by_rule = dict(re.findall(r'data-rule="(\w+)">(\d+)<', html))
    for rule in {g["rule"] for g in gaps}:
        assert int(by_rule[rule]) == sum(1 for g in gaps if g["rule"] == rule), rule
    balance = api_get(town, "/proposals/balance")
    transitions = sum(row["change_kinds"]["transition"] for row in balance["items"])
    assert f"Transition (elefantmarch): {transitions}." in html
    priorities = api_get(town, "/priorities")
    for item in priorities["items"]:
        assert f'/ui/proposals/{item["proposal_id"]}' in html


def test_the_count_of_attestations_falling_due_follows_the_attestation_rule(town):
    """Due within 30 days: exactly the Systemejer roles whose next attestation (the rule the
    reminders and /people/{id}/responsibilities use) falls within the next 30 days."""
    html = page(sign_in(town, "council"), "/ui/", town)
    today = town["clock"].today()
    due = 0
    for person in _holders(town):
        for held in held_systemejer(town, UUID(person)):
            if held["attestation_due"] and today < date.fromisoformat(held["attestation_due"]) <= today + timedelta(days=30):
                due += 1
    assert figure(html, "due") == due


def _holders(town: dict[str, Any]) -> set[str]:
    sweep = api_get(town, "/accountability", role="systemejer", limit=5000)
    return {h["person_id"] for item in sweep["items"] for h in item["holders"]}


def test_a_gap_count_links_to_its_list(town):
    browser = sign_in(town, "council")
    html = page(browser, "/ui/", town)
    rule, n = re.findall(r'href="/ui/gaps\?rule=(\w+)" data-rule="\w+">(\d+)<', html)[0]
    listed = page(browser, "/ui/gaps", town, rule=rule)
    assert listed.count('<tr><td><a href="/ui/systems/') == min(int(n), 100)
    forvaltning, count = re.findall(r'href="/ui/gaps\?forvaltning=([0-9a-f-]{36})">(\d+)<', html)[0]
    listed = page(browser, "/ui/gaps", town, forvaltning=forvaltning)
    assert listed.count('<tr><td><a href="/ui/systems/') == min(int(count), 100)


def test_a_system_page_names_its_holders_and_shows_no_bare_uuid(town):
    auditor = sign_in(town, "auditor")
    for system in api_get(town, "/systems", limit=12)["items"]:
        html = page(auditor, f"/ui/systems/{system['id']}", town)
        text = visible(html)
        assert not UUID_TEXT.search(text), UUID_TEXT.search(text).group(0)
        answer = api_get(town, f"/systems/{system['id']}/accountability")
        for holder in answer["holders"]:
            assert (holder["person_name"] or "oplysninger er slettet") in text


def test_the_as_of_question_answers_on_both_axes_and_explains_itself(town):
    auditor = sign_in(town, "auditor")
    system = api_get(town, "/systems", limit=1)["items"][0]["id"]
    today = town["clock"].today()
    at, known = today - timedelta(days=400), today.isoformat()
    html = page(auditor, f"/ui/systems/{system}", town, at=at.isoformat(), known_at=known)
    asked = html.split('id="asked"', 1)[1]
    answer = api_get(town, f"/systems/{system}/accountability", at=at.isoformat(), known_at=known)
    for role in answer["roles"]:
        if role["holder"] and role["holder"]["name"]:
            assert role["holder"]["name"] in asked
    assert "registreret" in visible(asked)
    refused = auditor.get(f"/ui/systems/{system}", params={"known_at": "yesterday", "after": head(town)})
    assert refused.status_code == 422 and "Ret feltet Som registret stod" in visible(refused.text)


def test_the_evidence_export_holds_every_fact_of_the_timeline(town):
    auditor = sign_in(town, "auditor")
    system = api_get(town, "/systems", limit=1)["items"][0]["id"]
    response = auditor.get(f"/ui/systems/{system}/evidence", params={"format": "csv", "after": head(town)})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    rows = lines[next(i for i, r in enumerate(lines) if r and r[0] == "Rolle") + 1:]  # below what was asked
    timeline = api_get(town, f"/systems/{system}/timeline")
    assert len(rows) == sum(len(r["facts"]) for r in timeline["roles"])
    assert sorted(int(r[-1]) for r in rows) == sorted(f["position"] for r in timeline["roles"] for f in r["facts"])
    xlsx = auditor.get(f"/ui/systems/{system}/evidence", params={"format": "xlsx", "after": head(town)})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


# ---------------------------------------------------------------------------------------------- the forms


def test_an_owner_attests_from_my_systems_and_the_next_due_date_moves(town):
    owner = town["users"]["owner"]
    held = held_systemejer(town, owner)[0]
    browser = sign_in(town, "owner")
    html = page(browser, "/ui/me", town)
    response = browser.post(f"/ui/systems/{held['system_id']}/attestation",
                            data={"csrf_token": csrf_of(html), "role": "systemejer", "back": "/ui/me"},
                            follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/ui/me?done=attested")
    after = browser.get(response.headers["location"]).text
    assert "Bekræftet. Tak." in after
    moved = next(h for h in held_systemejer(town, owner) if h["system_id"] == held["system_id"])
    assert moved["last_attested_on"] == town["clock"].today().isoformat()


def test_an_owner_offers_a_role_to_a_colleague_found_by_name_who_accepts_it_on_my_systems(town):
    owner = town["users"]["owner"]
    mine = api_get(town, f"/people/{owner}/responsibilities")["holds"]
    held = next(h for h in mine if h["role"] != "systemejer") if any(h["role"] != "systemejer" for h in mine) else mine[-1]
    browser = sign_in(town, "owner")
    colleague = next(p for p in api_get(town, "/people", limit=50)["items"]
                     if p["id"] != str(owner) and p["name"] and not p.get("departed_on"))
    form = page(browser, f"/ui/systems/{held['system_id']}/handover", town, role=held["role"],
                q=colleague["name"].split()[0])
    assert f'value="{colleague["id"]}"' in form
    fragment = page(browser, "/ui/people/search", town, field="to_person_id", q=colleague["name"][:4])
    assert "Vælg en person" in fragment
    response = browser.post(f"/ui/systems/{held['system_id']}/handover", data={
        "csrf_token": csrf_of(form), "role": held["role"], "to_person_id": colleague["id"],
        "effective_from": town["clock"].today().isoformat(), "note": "ny i teamet",
    }, follow_redirects=False)
    assert response.status_code == 303, response.text
    # The offer waits beside the holder; the owner is still responsible
    system_page = visible(browser.get(response.headers["location"]).text)
    assert "Overdragelsen er tilbudt" in system_page
    assert f"Overdragelse til {colleague['name']}" in system_page and "venter på svar" in system_page
    holders = lambda: api_get(town, f"/systems/{held['system_id']}/accountability")["holders"]  # noqa: E731
    assert any(h["person_id"] == str(owner) and h["role"] == held["role"] for h in holders())
    assert held["system_name"] in visible(page(browser, "/ui/me", town))  # among my offers awaiting an answer
    # The colleague sees it on their own page and accepts it
    theirs = sign_in(town, "owner", UUID(colleague["id"]))
    me = page(theirs, "/ui/me", town)
    assert "tilbyder dig" in visible(me) and "ny i teamet" in visible(me)
    offer_id = re.search(r'action="/ui/handovers/([0-9a-f-]+)/acceptance"', me).group(1)
    accepted = theirs.post(f"/ui/handovers/{offer_id}/acceptance", data={"csrf_token": csrf_of(me)},
                           follow_redirects=False)
    assert accepted.status_code == 303 and accepted.headers["location"].startswith("/ui/me?done=handover_accepted")
    assert "Du har taget imod rollen." in visible(theirs.get(accepted.headers["location"]).text)
    assert any(h["person_id"] == colleague["id"] and h["role"] == held["role"] for h in holders())


def test_a_colleague_declines_an_offer_with_a_reason_and_the_role_stays(town):
    owner = town["users"]["owner"]
    held = api_get(town, f"/people/{owner}/responsibilities")["holds"][0]
    colleague = next(p for p in api_get(town, "/people", limit=50)["items"]
                     if p["id"] != str(owner) and p["name"] and not p.get("departed_on"))
    browser = sign_in(town, "owner")
    form = page(browser, f"/ui/systems/{held['system_id']}/handover", town, role=held["role"])
    browser.post(f"/ui/systems/{held['system_id']}/handover", data={
        "csrf_token": csrf_of(form), "role": held["role"], "to_person_id": colleague["id"]}, follow_redirects=False)
    theirs = sign_in(town, "owner", UUID(colleague["id"]))
    me = page(theirs, "/ui/me", town)
    offer_id = re.findall(r'action="/ui/handovers/([0-9a-f-]+)/refusal"', me)[-1]
    empty = theirs.post(f"/ui/handovers/{offer_id}/refusal", data={"csrf_token": csrf_of(me), "reason": ""})
    assert empty.status_code == 422 and "Ret feltet Begrundelse" in visible(empty.text)
    declined = theirs.post(f"/ui/handovers/{offer_id}/refusal", data={"csrf_token": csrf_of(me), "reason": "Travlt"},
                           follow_redirects=False)
    assert declined.headers["location"].startswith("/ui/me?done=handover_refused")
    auditor = sign_in(town, "auditor")
    story = visible(page(auditor, f"/ui/systems/{held['system_id']}", town))
    assert f"til {colleague['name']}" in story and "afslået" in story and "Travlt" in story
    holders = api_get(town, f"/systems/{held['system_id']}/accountability")["holders"]
    assert any(h["person_id"] == str(owner) and h["role"] == held["role"] for h in holders)


def test_the_demo_owner_finds_a_colleagues_offer_waiting_on_my_systems(town):
    me = visible(page(sign_in(town, "owner"), "/ui/me", town))
    assert "tilbyder dig Systemansvarlig" in me and "Du kender systemet bedst" in me
    assert "Tag imod" in me and "Sig nej" in me


def test_an_owner_withdraws_an_offer_nobody_has_answered_from_my_systems(town):
    owner = town["users"]["owner"]
    held = api_get(town, f"/people/{owner}/responsibilities")["holds"][-1]
    colleague = next(p for p in api_get(town, "/people", limit=50)["items"][::-1]
                     if p["id"] != str(owner) and p["name"] and not p.get("departed_on"))
    browser = sign_in(town, "owner")
    form = page(browser, f"/ui/systems/{held['system_id']}/handover", town, role=held["role"])
    browser.post(f"/ui/systems/{held['system_id']}/handover", data={
        "csrf_token": csrf_of(form), "role": held["role"], "to_person_id": colleague["id"]}, follow_redirects=False)
    me = page(browser, "/ui/me", town)
    offer_id = re.findall(r'action="/ui/handovers/([0-9a-f-]+)/withdrawal"', me)[-1]
    # Nobody but its maker withdraws it
    theirs = sign_in(town, "owner", UUID(colleague["id"]))
    refused = theirs.post(f"/ui/handovers/{offer_id}/withdrawal", data={"csrf_token": csrf_of(page(theirs, "/ui/me", town))})
    assert refused.status_code == 403
    response = browser.post(f"/ui/handovers/{offer_id}/withdrawal", data={"csrf_token": csrf_of(me)},
                            follow_redirects=False)
    assert response.headers["location"].startswith("/ui/me?done=handover_withdrawn")
    after = browser.get(response.headers["location"]).text
    assert "Overdragelsen er trukket tilbage." in visible(after) and offer_id not in after


def test_a_hand_over_without_a_colleague_names_the_field_and_writes_nothing(town):
    owner = town["users"]["owner"]
    held = api_get(town, f"/people/{owner}/responsibilities")["holds"][0]
    browser = sign_in(town, "owner")
    form = page(browser, f"/ui/systems/{held['system_id']}/handover", town, role=held["role"])
    before = head(town)
    response = browser.post(f"/ui/systems/{held['system_id']}/handover",
                            data={"csrf_token": csrf_of(form), "role": held["role"]})
    assert response.status_code == 422 and "Ret feltet Kollega" in visible(response.text)
    assert head(town) == before


def test_a_person_claims_a_role_on_a_system_found_in_the_register(town):
    owner = town["users"]["owner"]
    mine = {h["system_id"] for h in api_get(town, f"/people/{owner}/responsibilities")["holds"]}
    browser = sign_in(town, "owner")
    listing = page(browser, "/ui/systems", town)
    system = next(s for s in re.findall(r'href="/ui/systems/([0-9a-f-]{36})"', listing) if s not in mine)
    html = page(browser, f"/ui/systems/{system}", town)
    response = browser.post(f"/ui/systems/{system}/claim", data={
        "csrf_token": csrf_of(html), "role": "dataejer", "statement": "Vi ejer dataene i vores afdeling",
    }, follow_redirects=False)
    assert response.status_code == 303
    assert "Dit krav er registreret" in browser.get(response.headers["location"]).text
    assert any(c["system_id"] == system for c in api_get(town, f"/people/{owner}/responsibilities")["open_claims"])
    assert system in page(browser, "/ui/me", town)  # among my open claims


def test_the_council_records_a_decision_with_its_rationale_and_meeting(town):
    browser = sign_in(town, "council")
    form = page(browser, "/ui/decisions/new", town, kind="deferral")
    proposal = api_get(town, "/proposals", status="under_assessment")["items"][0]["id"]
    assert re.search(rf'name="subjects\[\d+\]\.id" value="{proposal}"', form)
    meeting = re.search(r'<option value="([0-9a-f-]{36})">[^<]*deltagere', form)
    data = {"csrf_token": csrf_of(form), "kind": "deferral", "rationale": "Afventer budget 2027",
            "subjects[0].kind": "proposal", "subjects[0].id": proposal, "decided_on": town["clock"].today().isoformat()}
    if meeting:
        data["meeting_id"] = meeting.group(1)
    response = browser.post("/ui/decisions", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    shown = browser.get(response.headers["location"]).text
    assert "Beslutningen er registreret." in shown and "Afventer budget 2027" in shown
    decision_id = response.headers["location"].split("/ui/decisions/")[1].split("?")[0]
    assert api_get(town, f"/decisions/{decision_id}")["rationale"] == "Afventer budget 2027"
    assert "Afventer budget 2027" in page(browser, "/ui/decisions", town)


def test_a_decision_without_a_rationale_is_refused_naming_the_field(town):
    browser = sign_in(town, "council")
    form = page(browser, "/ui/decisions/new", town)
    before = head(town)
    response = browser.post("/ui/decisions", data={"csrf_token": csrf_of(form), "kind": "approval", "rationale": ""})
    assert response.status_code == 422 and "Ret feltet Begrundelse" in visible(response.text)
    response = browser.post("/ui/decisions", data={"csrf_token": csrf_of(form), "kind": "sideways", "rationale": "x"})
    assert response.status_code == 422 and "Ret feltet Slags beslutning" in visible(response.text)
    assert head(town) == before


BAD_VALUES = ["", "x" * 20_000, "\x00", "ikke-en-dato", "-1", "9" * 30, "00000000-0000-0000-0000-000000000000", "<script>"]


@pytest.mark.parametrize("value", BAD_VALUES)
def test_whatever_a_form_is_sent_it_answers_without_a_500_and_writes_nothing(town, value):
    owner = town["users"]["owner"]
    held = api_get(town, f"/people/{owner}/responsibilities")["holds"][0]
    system = held["system_id"]
    browser, council = sign_in(town, "owner"), sign_in(town, "council")
    token, council_token = csrf_of(page(browser, "/ui/me", town)), csrf_of(page(council, "/ui/", town))
    forms = [
        (browser, token, f"/ui/systems/{system}/attestation", ["role"]),
        (browser, token, f"/ui/systems/{system}/handover", ["role", "to_person_id", "effective_from", "note"]),
        (browser, token, f"/ui/systems/{system}/claim", ["role", "statement"]),
        (council, council_token, "/ui/decisions", ["kind", "rationale", "meeting_id", "decided_on", "proposal",
                                                    "period_from", "responsible_id", "system_id", "claim_id"]),
    ]
    before = head(town)
    for client, csrf, path, fields in forms:
        for field in fields:
            data = {"csrf_token": csrf, "role": held["role"], "kind": "approval", "rationale": "r", field: value}
            response = client.post(path, data=data, follow_redirects=False)
            assert response.status_code < 500, f"{path} {field}={value[:20]!r}: {response.status_code}"
            if value == "<script>":
                assert "<script>" not in response.text.split("</head>", 1)[1], path  # shown escaped, if at all
    assert head(town) == before  # each form lacks or spoils something it needs


def test_behind_a_proxy_ending_tls_the_cookie_is_still_secure(town):
    settings = town["app"].state.settings
    public = replace(settings, oidc=replace(settings.oidc, public_url="https://ansvar.kommune.dk"))
    town["app"].state.settings = public
    try:
        code = town["runtime"].ui_sessions.issue_code(town["users"]["council"], ("council",))
        plain = TestClient(town["app"], base_url="http://ansvar.local")
        assert "Secure" in plain.get(f"/ui/login/code?code={code}", follow_redirects=False).headers["set-cookie"]
    finally:
        town["app"].state.settings = settings


def test_a_decision_taken_outside_a_meeting_is_the_recording_members_and_names_its_operations_owner(town):
    browser = sign_in(town, "council")
    form = page(browser, "/ui/decisions/new", town, kind="approval")
    proposal = api_get(town, "/proposals", status="under_assessment")["items"][-1]["id"]
    owner = town["users"]["owner"]
    response = browser.post("/ui/decisions", data={
        "csrf_token": csrf_of(form), "kind": "approval", "rationale": "Godkendt uden for møde",
        "subjects[0].kind": "proposal", "subjects[0].id": proposal,
        "operations_owner_id": str(owner), "decided_by": str(owner),  # a forged decider is not read: the recorder decided
    }, follow_redirects=False)
    assert response.status_code == 303, visible(response.text)
    decision_id = response.headers["location"].split("/ui/decisions/")[1].split("?")[0]
    recorded = api_get(town, f"/decisions/{decision_id}")
    assert [d["person_id"] for d in recorded["deciders"]] == [str(town["users"]["council"])]
    assert recorded["operations_owner_id"] == str(owner)
    name = api_get(town, f"/people/{owner}")["name"]
    assert f"{name} skal tage det leverede system i drift" in visible(browser.get(response.headers["location"]).text)


def test_a_forvaltning_established_after_the_pages_first_read_the_org_tree_is_counted_and_listed(town):
    from tests.api.client import Api

    council = sign_in(town, "council")
    page(council, "/ui/", town)  # the org tree is read (and kept) here
    api = Api(town["client"], {"Authorization": bearer()})
    api.position = head(town)
    kommune = next(u["id"] for u in api.get("/org-units")["items"] if u["level"] == "kommune")
    forvaltning = api.org_unit("Nyoprettet Forvaltning", "forvaltning", kommune)
    team = api.org_unit("Nyt Team", "team", api.org_unit("Ny Afdeling", "afdeling", forvaltning))
    api.system("Helt Nyt System", team)  # in operation with nobody holding a role: gaps
    html = page(council, "/ui/", town)
    found = re.search(rf'href="/ui/gaps\?forvaltning={forvaltning}">(\d+)<', html)
    assert found and int(found.group(1)) == len(all_gaps(town, system_id=api.get("/systems", q="Helt Nyt")["items"][0]["id"]))
    assert "Nyoprettet Forvaltning" in page(council, "/ui/gaps", town)


def test_every_answer_says_how_long_the_server_took(town):
    for response in (town["client"].get("/health"), sign_in(town, "council").get("/ui/", params={"after": head(town)})):
        timing = response.headers["server-timing"]
        assert re.fullmatch(r"app;dur=\d+\.\d\d", timing), timing


def test_the_council_rules_on_competing_claims_confirming_one_and_rejecting_the_other(town):
    gap = next(g for g in all_gaps(town, rule="competing_claims") if len(g["claims"]) >= 2)
    system, (first, second) = gap["system_id"], gap["claims"][:2]
    browser = sign_in(town, "council")
    overview_page = page(browser, "/ui/", town)
    assert "kind=ownership_ruling" in overview_page  # the waiting claims can be ruled on from the overview
    form = page(browser, "/ui/decisions/new", town, kind="ownership_ruling", system=system, claim=first)
    assert f'id="confirm-{first}" name="confirmed_claim_id" value="{first}" checked' in form
    response = browser.post("/ui/decisions", data={
        "csrf_token": csrf_of(form), "kind": "ownership_ruling", "rationale": "Fagafdelingen ejer systemet",
        "subjects[0].kind": "system", "subjects[0].id": system, "confirmed_claim_id": first,
    }, follow_redirects=False)
    assert response.status_code == 303, visible(response.text)
    claims = {c["claim_id"]: c for c in api_get(town, f"/systems/{system}/timeline")["claims"]}
    assert claims[first]["status"] == "confirmed" and claims[second]["status"] == "rejected"
