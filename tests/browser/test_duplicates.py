"""The administrator merges a likely duplicate in the browser: the page of likely duplicates shows
both records and the evidence, passes axe, and merges with one button (issue 27 part 2)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # slow: a served demo and Chromium; not in ./dev fast


def test_the_admin_merges_a_likely_duplicate_with_one_button(browser, site):
    portfolio = site.runtime.portfolio
    unit = portfolio.person(site.users["owner"]).org_unit_id
    named = portfolio.register_person("Bjørk Ærø-Hansen", unit, "konsulent", None).id
    portfolio.register_person("bjoerk.aeroe-hansen@demo.dk", unit, None, "bjoerk.aeroe-hansen@demo.dk")
    site.caught_up()

    browser.sign_in("admin")
    browser.find("a[href='/ui/people/duplicates']").click()
    assert browser.path == "/ui/people/duplicates"
    browser.assert_accessible()
    text = browser.text("main")
    assert "Bjørk Ærø-Hansen" in text and "bjoerk.aeroe-hansen@demo.dk" in text and "konsulent" in text
    browser.submit(browser.find(f"form[action$='/merge'] input[name=into][value='{named}'] ~ button"))
    assert "lagt sammen" in browser.notice()
    assert "bjoerk.aeroe-hansen@demo.dk" not in browser.text("main")
    browser.assert_accessible()
    browser.driver.execute_cdp_cmd(  # at a phone's width the page still reads
        "Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
    browser.open("/ui/people/duplicates")
    browser.assert_accessible()
