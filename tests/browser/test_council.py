"""The portfolio council at work in the browser: the overview's figures, a gap list, and a
decision recorded through the form that then stands in the decision log."""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.support.ui import Select

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # slow: a served demo and Chromium; not in ./dev fast


def test_the_overview_shows_figures_and_a_count_leads_to_its_list(browser, site):
    browser.sign_in("council")
    assert browser.path == "/ui/"

    total = int(browser.text("#fig-gaps"))
    by_rule = {a.get_attribute("data-rule"): int(a.text) for a in browser.find_all("#gaps-by-rule a[data-rule]")}
    assert total > 0 and total == sum(by_rule.values()), "the headline is the sum of the rules' counts"
    api = site.api("council", "/responsibility-gaps", limit=10_000)
    assert total == len(api["items"]), "the page counts what the API lists for the same day"
    for figure in ("#fig-unowned", "#fig-overdue", "#fig-due", "#fig-claims"):
        assert re.fullmatch(r"\d+", browser.text(figure)), figure

    # The council clicks the count of one rule (one that fits on a page of the list).
    rule = next(r for r, n in by_rule.items() if 0 < n <= 100)
    row = browser.find(f'#gaps-by-rule a[data-rule="{rule}"]').find_element("xpath", "ancestor::tr")
    label = row.find_element("css selector", "th").text
    row.find_element("css selector", "a").click()

    assert browser.path == f"/ui/gaps?rule={rule}"
    assert Select(browser.find("#rule")).first_selected_option.text == label
    rows = browser.find_all("#gap-list tbody tr")
    assert len(rows) == by_rule[rule]
    assert {r.find_elements("css selector", "td")[1].text for r in rows} == {label}
    assert all(r.find_element("css selector", "td a").get_attribute("href") for r in rows), "each names its system"


def test_the_council_records_an_approval_and_it_stands_in_the_log(browser, site):
    browser.sign_in("council")
    browser.open("/ui/decisions")
    browser.find("main a.button[href='/ui/decisions/new']").click()
    assert browser.path == "/ui/decisions/new"

    Select(browser.find("#kind")).select_by_visible_text("Godkendelse")
    rationale = "Browsertest: passer i budgettet, og IT har sagt ja til driften"
    browser.find("#rationale").send_keys(rationale)
    # A proposal still waiting for an answer, by its title on the form.
    choice = next(lbl for lbl in browser.find_all("fieldset label[for^='p-']") if "(Under vurdering)" in lbl.text)
    title = choice.text.rsplit(" (", 1)[0]
    choice.click()
    assert browser.find("#" + choice.get_attribute("for")).is_selected(), "the label ticks its box"
    send = browser.find("main form button[type=submit]")
    Select(browser.find("#meeting_id")).select_by_index(1)  # the latest meeting (index 0: without a meeting)
    browser.submit(send)

    assert re.fullmatch(r"/ui/decisions/[0-9a-f-]{36}\?done=decided&after=\d+", browser.path), browser.path
    assert browser.notice() == "Beslutningen er registreret."
    assert browser.text("h1").startswith("Godkendelse")
    assert rationale in browser.text("main")
    assert title in [a.text for a in browser.find_all("main ul a[href^='/ui/proposals/']")]
    assert site.names["council"] in browser.text("main"), "the deciders are named"

    browser.find("header nav a[href='/ui/decisions']").click()
    newest = browser.find("#decision-list tbody tr")
    assert "Godkendelse" in newest.text and title in newest.text and rationale[:40] in newest.text

    newest.find_element("css selector", "a").click()
    browser.find("main a[href^='/ui/proposals/']").click()
    assert browser.text("h1") == title
    assert "Godkendt" in browser.text("main .tag"), "the proposal moved on with the decision"
