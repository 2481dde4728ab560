"""The register to browse, in a real browser: an auditor filters it from the form, pages through it,
and takes it away as of a past date; the file holds what was asked. The lists pass axe-core at a
desktop's and a phone's width, where the columns that matter stay visible."""

from __future__ import annotations

import base64
import io
import os
import re
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # slow: a served demo and Chromium; not in ./dev fast

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def shots(screenshots: Path) -> Path:
    """Where this file's screenshots go: $ANSVAR_REGISTER_SHOTS, else beside the others."""
    path = Path(os.environ.get("ANSVAR_REGISTER_SHOTS") or screenshots)
    path.mkdir(parents=True, exist_ok=True)
    return path


def choose(browser, css: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(browser.find(css)).select_by_value(value)


def fetched(browser, href: str) -> tuple[int, str, str, bytes]:
    """The file behind a link, fetched by the page itself (its session cookie): status, type, name, bytes."""
    status, kind, disposition, data = browser.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(async r => { const b = new Uint8Array(await r.arrayBuffer()); let s = '';"
        " for (const x of b) s += String.fromCharCode(x);"
        " done([r.status, r.headers.get('content-type'), r.headers.get('content-disposition'), btoa(s)]); });", href)
    return status, kind, disposition, base64.b64decode(data)


def checked(browser) -> None:
    browser.assert_accessible()
    width = browser.driver.execute_script("return [document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1], f"{browser.path} scrolls sideways: {width}"


def test_an_auditor_filters_the_register_and_exports_it_as_of_a_past_date(browser, site, shots):
    browser.sign_in("auditor")
    browser.find("header nav a[href='/ui/systems']").click()
    choose(browser, "#criticality", "critical")
    choose(browser, "#lifecycle", "in_operation")
    past = site.clock.today() - timedelta(days=400)
    browser.driver.execute_script("document.getElementById('at').value = arguments[0]", past.isoformat())
    browser.driver.execute_script("document.getElementById('known_at').value = arguments[0]",
                                  site.clock.today().isoformat())
    browser.submit(browser.find("form.filters button[type=submit]"))
    asked = parse_qs(urlsplit(browser.path).query)
    assert asked["criticality"] == ["critical"] and asked["lifecycle"] == ["in_operation"]
    assert asked["at"] == [past.isoformat()] and asked["known_at"] == [site.clock.today().isoformat()]
    # The form shows what was asked, and the list is what the API answers for it.
    assert browser.find("#criticality option[value=critical]").is_selected()
    shown = [a.text for a in browser.find_all("#system-list tbody td:first-child a")]
    sweep = site.api("auditor", "/accountability", at=past.isoformat(), known_at=site.clock.today().isoformat(),
                     role="systemejer", limit=50_000)["items"]
    critical = {s["id"]: s["name"] for s in site.api("auditor", "/systems", criticality="critical", limit=500)["items"]}
    assert shown and set(shown) <= set(critical.values())
    holder_of = {i["system_id"]: (i["holders"][0]["person_name"] if i["holders"] else None) for i in sweep}
    rows = {r.find_element("css selector", "td a").text: r.find_elements("css selector", "td")[1].text
            for r in browser.find_all("#system-list tbody tr")}
    for system_id, name in critical.items():
        if name in rows:
            assert rows[name] == (holder_of.get(system_id) or "ingen"), name
    checked(browser)
    browser.full_shot("register-desktop")
    browser.driver.save_screenshot(str(shots / "register-desktop.png"))

    # The export of exactly this: as of the past date, as the record stood then.
    href = browser.find("a[href*='/ui/exports/register'][href*='format=xlsx']").get_attribute("href")
    status, kind, disposition, content = fetched(browser, href)
    assert status == 200 and "spreadsheetml" in kind
    assert f'filename="ansvar-register-{site.clock.today().isoformat()}.xlsx"' in disposition
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet.title == f"Register {site.clock.today():%d-%m-%Y}"
    rows_in_file = [list(r) for r in sheet.iter_rows(values_only=True)]
    header_at = next(i for i, r in enumerate(rows_in_file) if r[0] == "Systemnavn")
    front = {r[0]: r[1] for r in rows_in_file[:header_at] if r[0]}
    assert front["Kritikalitet"] == "Kritisk" and front["Livscyklus"] == "I drift"
    assert front["Dato (at)"] == datetime.combine(past, datetime.min.time())
    assert front["Som registreret (known_at)"].startswith(f"{site.clock.today().isoformat()} 23:59:59")
    assert front["Logens størrelse"] > 0 and front["Logens rodhash"]
    assert sheet.freeze_panes == f"A{header_at + 2}"
    data = rows_in_file[header_at + 1:]
    header = rows_in_file[header_at]
    if not browser.find_all("a[rel=next]"):
        assert sorted(r[0] for r in data) == sorted(shown)
    else:  # every page's systems, not only the first page's
        assert len(data) > len(shown) and set(shown) <= {r[0] for r in data}
    owner = header.index("Systemejer")
    by_name = {v: k for k, v in critical.items()}
    for r in data:
        expected = holder_of.get(by_name[r[0]])
        assert r[owner] == expected or (expected is None and (r[owner] or "Ubesat").startswith("Ubesat")), r[0]
    assert not UUID_TEXT.search(" ".join(str(c) for r in data for c in r if c is not None))


def test_the_lists_keep_what_matters_at_a_phones_width(browser, site, shots):
    browser.sign_in("council")
    browser.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    browser.open("/ui/systems?sort=criticality&page=2")
    checked(browser)
    row = browser.find("#system-list tbody tr")
    cells = row.find_elements("css selector", "td")
    assert [c.is_displayed() for c in cells] == [True, True, True, False, False], "name, Systemejer, criticality"
    inside = browser.driver.execute_script(
        "const t = document.getElementById('system-list'); return [t.scrollWidth, t.parentElement.clientWidth]")
    assert inside[0] <= inside[1], f"the register's table is wider than the phone: {inside}"
    assert browser.find("nav.paging a[aria-current=page]").text == "2"
    browser.full_shot("register-phone")
    browser.driver.save_screenshot(str(shots / "register-phone.png"))
    browser.open("/ui/gaps?page=2")
    checked(browser)
    assert browser.driver.execute_script(
        "const t = document.getElementById('gap-list'); return t.scrollWidth <= t.parentElement.clientWidth")
    browser.full_shot("gaps-phone")
    browser.driver.save_screenshot(str(shots / "gaps-phone.png"))
    browser.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.open("/ui/gaps?page=2")
    checked(browser)
    browser.driver.save_screenshot(str(shots / "gaps-desktop.png"))
    browser.driver.delete_all_cookies()
    browser.sign_in("admin")
    browser.open("/ui/people?status=present")
    checked(browser)
    browser.driver.save_screenshot(str(shots / "people-desktop.png"))
    browser.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    browser.open("/ui/people?page=2")
    checked(browser)
    browser.full_shot("people-phone")
    browser.driver.save_screenshot(str(shots / "people-phone.png"))
