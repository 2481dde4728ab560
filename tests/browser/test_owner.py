"""A system owner at work in the browser: their roles, re-confirming one, offering one to a
colleague found by name who accepts it, and claiming a role on a system found in the register.

The tests share one demo, so each changes something no other test reads: the attestation is on
the owner's Systemejer role, the handover on another of their roles, the claim on a system they
hold nothing on."""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.support.ui import Select

from api.ui.words import dato
from infra.phrasebook.da.labels import ROLE_LABEL
from domain.periods import after
from tests.story import TEST_TODAY

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # slow: a served demo and Chromium; not in ./dev fast


def my_roles(browser) -> dict[tuple[str, str], object]:
    """The rows of 'Det har jeg ansvaret for', by (system, role)."""
    rows = {}
    for row in browser.find_all("#my-roles tbody tr"):
        cells = row.find_elements("css selector", "td")
        if len(cells) == 5:
            rows[(cells[0].text, cells[1].text)] = row
    return rows


def test_an_owner_sees_the_roles_they_hold_and_reconfirms_as_systemejer(browser, site):
    held = site.api("owner", "/me")["responsibilities"]["holds"]
    browser.sign_in("owner")
    assert browser.path == "/ui/me", "an owner lands on their own systems, not the council's overview"

    rows = my_roles(browser)
    assert set(rows) == {(h["system_name"], ROLE_LABEL[h["role"]]) for h in held}, "the page lists what they hold"
    system = next(h["system_name"] for h in held if h["role"] == "systemejer")

    button = rows[(system, "Systemejer")].find_element("css selector", "button")
    assert button.accessible_name == f"Bekræft Systemejer for {system}", "the button says what it confirms"
    browser.submit(button)

    assert re.fullmatch(r"/ui/me\?done=attested&after=\d+", browser.path), browser.path
    assert browser.notice() == "Bekræftet. Tak."
    due = my_roles(browser)[(system, "Systemejer")].find_elements("css selector", "td")[3].text
    assert due == dato(after(TEST_TODAY, site.settings.gap_policy.attestation_days)), "next due a year from today"


def test_an_owner_hands_a_role_over_to_a_colleague_found_by_name(browser, site):
    held = site.api("owner", "/me")["responsibilities"]["holds"]
    role = next(h for h in held if h["role"] != "systemejer")  # not the one the attestation test uses
    colleague = site.names["admin"]
    last = colleague.split(" ", 1)[1]
    browser.sign_in("owner")

    my_roles(browser)[(role["system_name"], ROLE_LABEL[role["role"]])].find_element(
        "css selector", "a[href*='/handover']").click()
    form_path = browser.path
    assert browser.text("h1") == f"Overdrag {ROLE_LABEL[role['role']]} for {role['system_name']}"

    browser.find("#q").send_keys(last[:4].lower())  # part of the surname, as one remembers it
    option = browser.wait(
        lambda d: next((lbl for lbl in d.find_elements("css selector", "#people label")
                        if lbl.text.startswith(colleague + ",")), False),
        "the live search did not list the colleague")
    assert browser.path == form_path, "found as one types (htmx), without sending the search form"
    option.click()
    browser.submit(browser.find("main form[method=post] button[type=submit]"))

    # An offer: the role stays the owner's until the colleague accepts
    assert re.fullmatch(rf"/ui/systems/{role['system_id']}\?done=handover_offered&after=\d+", browser.path), browser.path
    assert browser.notice().startswith("Overdragelsen er tilbudt")
    label = ROLE_LABEL[role["role"]]
    row = next(r for r in browser.find_all("#roles-today tbody tr") if r.find_element("css selector", "th").text == label)
    assert f"Overdragelse til {colleague} fra {dato(TEST_TODAY)} venter på svar" in row.text, "the offer beside the holder"
    browser.find("header nav a[href='/ui/me']").click()
    assert (role["system_name"], label) in my_roles(browser), "still theirs until it is accepted"
    assert f"{role['system_name']}, {label} til {colleague}" in browser.text("#my-offers")

    # The colleague accepts it on their own page
    browser.sign_in("admin", then="/ui/me")
    accept = browser.find(f"button[aria-label='Tag imod {label} for {role['system_name']}']")
    browser.submit(accept)
    assert re.fullmatch(r"/ui/me\?done=handover_accepted&after=\d+", browser.path), browser.path
    assert browser.notice() == "Du har taget imod rollen."
    browser.open(f"/ui/systems/{role['system_id']}")
    row = next(r for r in browser.find_all("#roles-today tbody tr") if r.find_element("css selector", "th").text == label)
    assert colleague in row.find_elements("css selector", "td")[0].text, "the system page names the colleague"
    assert f"{colleague} har rollen fra {dato(TEST_TODAY)}" in row.text, "and says since when, and why"

    browser.sign_in("owner", then="/ui/me")
    assert (role["system_name"], label) not in my_roles(browser), "no longer theirs"


def test_an_owner_claims_a_role_on_a_system_found_in_the_register(browser, site):
    system = "Kø- og bookingsystem"
    held = site.api("owner", "/me")["responsibilities"]["holds"]
    assert system not in {h["system_name"] for h in held}
    browser.sign_in("owner")

    browser.find("header nav a[href='/ui/systems']").click()
    browser.find("#q").send_keys("bookingsystem")
    browser.submit(browser.find("form[role=search] button"))
    assert browser.path == "/ui/systems?q=bookingsystem"
    browser.find("#system-list").find_element("link text", system).click()
    assert browser.text("h1") == system

    claim = browser.find("details")
    assert claim.get_attribute("open") is not None, "open for someone with no role here"
    Select(browser.find("#claim-role")).select_by_visible_text("Dataejer")
    browser.find("#statement").send_keys("Jeg står for borgernes bookingdata i Jobcentret")
    browser.submit(claim.find_element("css selector", "button[type=submit]"))

    assert browser.notice() == "Dit krav er registreret; porteføljerådet svarer."
    assert "Dataejer: Afventer svar" in browser.text("main")

    browser.find("header nav a[href='/ui/me']").click()
    assert f"{system}, Dataejer: venter på svar" in browser.text("#open-claims")
