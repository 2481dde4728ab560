"""Every page in the browser against WCAG 2.1 A and AA (axe-core: no serious or critical
violation), by keyboard (the skip link first, focus always visible), and at a phone's width;
with screenshots of the main pages (conftest.py says where they go)."""

from __future__ import annotations

from datetime import timedelta

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # slow: a served demo and Chromium; not in ./dev fast

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}


def checked(browser, shot: str | None = None) -> None:
    """The page as it is now: no blocking axe violation, nothing broken in the console."""
    browser.assert_accessible()
    assert not browser.console_errors(), f"console errors on {browser.path}"
    if shot:
        browser.full_shot(shot)


def test_every_page_passes_axe(browser, site):
    browser.open("/ui/login")
    checked(browser)

    browser.sign_in("council")
    checked(browser, "overview")
    browser.find("#fig-gaps").click()
    checked(browser)  # gaps
    browser.find("header nav a[href='/ui/systems']").click()
    checked(browser)  # the register
    browser.find("#q").send_keys("Momentum")
    browser.submit(browser.find("form[role=search] button"))
    checked(browser)  # a search's answer
    browser.find("#system-list").find_element("link text", "Jobcentersystem (Momentum)").click()
    browser.driver.execute_script("document.getElementById('at').value = arguments[0]",
                                  (site.clock.today() - timedelta(days=438)).isoformat())
    browser.find("#known_at").send_keys(site.clock.today().isoformat())
    browser.submit(browser.find("form[action$='#asof'] button[type=submit]"))
    assert browser.find_all("#roles-asked")
    checked(browser, "system")
    browser.find("header nav a[href='/ui/proposals']").click()
    checked(browser)
    browser.find("#proposal-list tbody a").click()
    checked(browser)  # a proposal
    browser.find("header nav a[href='/ui/decisions']").click()
    checked(browser)
    browser.find("#decision-list tbody a").click()
    checked(browser)  # a decision
    browser.open("/ui/decisions/new")
    checked(browser, "decision-form")
    browser.open("/ui/")
    browser.find("#krav ~ .table-wrap a[href*='kind=ownership_ruling']").click()
    assert browser.find_all("input[name=confirmed_claim_id]:checked")
    checked(browser)  # the ruling on a waiting claim
    browser.open("/ui/systems/00000000-0000-4000-8000-000000000000")
    assert "Det lykkedes ikke" in browser.text("h1")
    checked(browser)  # the error page

    browser.driver.delete_all_cookies()
    browser.sign_in("owner")
    checked(browser, "me")
    browser.find("#my-roles a[href*='/handover?role=systemejer']").click()
    checked(browser)  # the handover form
    browser.find("#q").send_keys("jens")  # the live search's answer, swapped in by htmx
    browser.wait(lambda d: d.find_elements("css selector", "#people fieldset input[type=radio]"))
    checked(browser, "handover")


def test_the_skip_link_comes_first_and_focus_is_always_visible(browser, site):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    def focused() -> dict:
        return browser.driver.execute_script("""
            const e = document.activeElement, s = getComputedStyle(e), r = e.getBoundingClientRect();
            return {tag: e.tagName, id: e.id, cls: e.className, text: e.textContent.trim().slice(0, 40),
                    outline: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor,
                    shadow: s.boxShadow, visible: r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0
                                               && r.right <= innerWidth && r.bottom <= innerHeight};
        """)

    def tab() -> dict:
        ActionChains(browser.driver).send_keys(Keys.TAB).perform()
        return focused()

    def shows_focus(f: dict) -> bool:
        return f["visible"] and f["outline"] != "none" and f["width"] >= 2

    for who, path in ((None, "/ui/login"), ("council", "/ui/"), ("owner", "/ui/me")):
        if who:
            browser.sign_in(who)
        else:
            browser.open(path)
        assert browser.path == path
        first = tab()
        assert first["cls"] == "skip" and first["text"] == "Spring til indholdet", f"first Tab stop on {path}: {first}"
        assert shows_focus(first), f"the skip link shows when focused, with a visible outline: {first}"
        ActionChains(browser.driver).send_keys(Keys.ENTER).perform()
        assert focused()["id"] == "indhold", "the skip link moves focus to the content"
        after = tab()
        assert after["tag"] in ("A", "BUTTON", "INPUT", "SELECT", "TEXTAREA", "SUMMARY"), after
        assert shows_focus(after), f"the next stop in the content shows its focus too: {after}"
        for _ in range(8):  # and so on through the page, until focus leaves it
            stop = tab()
            if stop["tag"] == "BODY":
                break
            assert stop["outline"] != "none" and stop["width"] >= 2, f"focus shows on {path}: {stop}"
        browser.driver.delete_all_cookies()


def test_the_pages_fit_a_phone(browser, site):
    browser.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    browser.sign_in("council")

    def fits() -> None:
        width = browser.driver.execute_script("return [document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1], f"{browser.path} scrolls sideways on a phone: {width}"
        checked(browser)

    assert browser.driver.execute_script("return innerWidth") == PHONE["width"]
    fits()
    browser.shot("mobile-overview")
    browser.full_shot("mobile-overview-full")
    browser.open("/ui/systems?q=Sygedagpenge")
    browser.find("#system-list").find_element("link text", "Sygedagpengesystem").click()
    browser.driver.execute_script("document.getElementById('at').value = arguments[0]",
                                  (site.clock.today() - timedelta(days=286)).isoformat())
    browser.submit(browser.find("form[action$='#asof'] button[type=submit]"))
    fits()
    header = browser.find("#roles-asked tbody th")
    assert header.aria_role == "rowheader", "stacked on a phone, the role table is still a table to a screen reader"
    browser.full_shot("mobile-system")
    browser.open("/ui/decisions/new")
    fits()
    browser.full_shot("mobile-decision-form")
