"""An auditor in the browser: a system's page, then who was accountable on a past date as the
register stood then and now, answered in words (names, not ids), and the evidence to take away."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from api.ui.words import dato
from infra.phrasebook.da.labels import ROLE_LABEL
from tests.story import TEST_TODAY

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # slow: a served demo and Chromium; not in ./dev fast

UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def ask(browser, at: str, known_at: str) -> None:
    # A date field's typing order follows the browser's locale; set its value as a date picker does.
    browser.driver.execute_script("arguments[0].value = arguments[1]", browser.find("#at"), at)
    known = browser.find("#known_at")
    known.clear()
    known.send_keys(known_at)
    browser.submit(browser.find("form[action$='#asof'] button[type=submit]"))


def rows_of(browser, table: str) -> dict[str, object]:
    return {r.find_element("css selector", "th").text: r for r in browser.find_all(f"{table} tbody tr")}


def test_an_auditor_asks_who_was_accountable_on_a_past_date(browser, site):
    browser.sign_in("auditor")
    browser.find("header nav a[href='/ui/systems']").click()
    browser.find("#q").send_keys("Sygedagpenge")
    browser.submit(browser.find("form[role=search] button"))
    browser.find("#system-list").find_element("link text", "Sygedagpengesystem").click()
    system_id = browser.path.split("/")[-1]
    assert browser.text("h1") == "Sygedagpengesystem"
    assert not [s for s in browser.find_all("summary") if "krav" in s.text], "an auditor's sign-in writes nothing"

    past = TEST_TODAY - timedelta(days=400)
    ask(browser, past.isoformat(), TEST_TODAY.isoformat())

    assert browser.path.startswith(f"/ui/systems/{system_id}?at={past}&known_at={TEST_TODAY}")
    section = browser.find("#asked")
    heading = section.find_element("css selector", "h3").text
    assert heading.startswith(f"Svar: den {dato(past)}, som registret så ud {dato(TEST_TODAY)}")
    truth = site.api("auditor", f"/systems/{system_id}/accountability", at=past.isoformat(),
                     known_at=TEST_TODAY.isoformat())
    rows = rows_of(browser, "#roles-asked")
    assert set(rows) == {ROLE_LABEL[r["role"]] for r in truth["roles"]}
    held = [r for r in truth["roles"] if r["answer"] == "held"]
    assert held, "the demo's system had holders a year ago"
    for r in held:
        cells = rows[ROLE_LABEL[r["role"]]].find_elements("css selector", "td")
        assert r["holder"]["name"] in cells[0].text
        assert cells[1].text.startswith(f"{r['holder']['name']} har rollen fra "), "the why names the holder"
        assert "registreret" in cells[1].text and "Grundlag:" in cells[1].text, "when recorded, on what basis"
    for r in truth["roles"]:
        if r["answer"] == "never":
            assert "Der er aldrig registreret noget om rollen" in rows[ROLE_LABEL[r["role"]]].text
    assert not UUID_TEXT.search(section.text), "the answer explains itself in names, not ids"

    # The same day, as the register stood before the municipality began recording in ansvar (three
    # years ago, the demo's history says): nothing known yet.
    before = TEST_TODAY - timedelta(days=3 * 365 + 60)
    ask(browser, past.isoformat(), before.isoformat())
    rows = rows_of(browser, "#roles-asked")
    for r in held:
        why = rows[ROLE_LABEL[r["role"]]].find_elements("css selector", "td")[1].text
        assert why.startswith(f"Intet om rollen {ROLE_LABEL[r['role']]} den {dato(past)} var kendt"), why
        assert "det første, der dækker dagen, blev registreret" in why
    assert not UUID_TEXT.search(browser.text("#asked"))

    # The evidence to take away: the timeline as CSV, with names in it.
    href = browser.find("a[href$='evidence?format=csv']").get_attribute("href")
    status, kind, body = browser.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(async r => done([r.status, r.headers.get('content-type'), await r.text()]));", href)
    assert status == 200 and kind.startswith("text/csv"), (status, kind)
    assert held[0]["holder"]["name"] in body
