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

    Select(browser.find("#kind")).select_by_visible_text("Godkendelse")  # swapped in place by htmx
    _swapped(browser, "#kind-form #rationale")
    assert not browser.find_all("#period_from"), "only the approval's fields"
    rationale = "Browsertest: passer i budgettet, og IT har sagt ja til driften"
    browser.find("#rationale").send_keys(rationale)
    # A proposal still waiting for an answer, by its title on the form.
    choice = next(lbl for lbl in browser.find_all("#proposal-choices label") if "(Under vurdering)" in lbl.text)
    title = choice.text.rsplit(" (", 1)[0]
    choice.click()
    assert browser.find("#" + choice.get_attribute("for")).is_selected(), "the label ticks its box"
    send = browser.find("#decision-form button[type=submit]")
    Select(browser.find("#meeting_id")).select_by_index(1)  # the latest meeting (index 0: without a meeting)
    browser.submit(send)

    assert re.fullmatch(r"/ui/decisions/[0-9a-f-]{36}\?done=decided&after=\d+", browser.path), browser.path
    assert browser.notice() == "Beslutningen er registreret."
    assert browser.text("h1").startswith("Godkendelse")
    assert rationale in browser.text("main")
    assert f"Forslaget »{title}« blev godkendt." in browser.text("#did")
    assert site.names["council"] in browser.text("main"), "the deciders are named"

    browser.find("header nav a[href='/ui/decisions']").click()  # decided at the meeting: listed on its date
    newest = next(r for r in browser.find_all("#decision-list tbody tr") if rationale[:40] in r.text)
    assert "Godkendelse" in newest.text and title in newest.text

    newest.find_element("css selector", "a").click()
    browser.find("main ul a[href^='/ui/proposals/']").click()
    assert browser.text("h1") == title
    assert "Godkendt" in browser.text("main .tag"), "the proposal moved on with the decision"


def _swapped(browser, css: str) -> None:
    """Wait for htmx to have swapped in the kind's fields and settled (no request, swap or settle under way)."""
    idle = "return !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    browser.wait(lambda d: d.find_elements("css selector", css) and d.execute_script(idle), f"{css} swapped in")


def _set_date(browser, css: str, day) -> None:
    browser.driver.execute_script("document.querySelector(arguments[0]).value = arguments[1]", css, day.isoformat())


def _checked(browser, shot: str) -> None:
    browser.assert_accessible()
    assert not browser.console_errors(), f"console errors on {browser.path}"
    browser.full_shot(shot)


def test_a_member_proposes_the_council_assesses_meets_prioritises_rules_and_reads_the_minutes(browser, site):
    # A member submits a proposal from the pipeline's page.
    browser.sign_in("owner")
    browser.find("header nav a[href='/ui/proposals']").click()
    browser.find("main a.button[href='/ui/proposals/new']").click()
    _checked(browser, "council-proposal-new")
    browser.find("#title").click()  # the page has its focus back after the full-page capture
    title = "Browsertest: sensorer i plejeboliger"
    browser.find("#title").send_keys(title)
    browser.find("#problem").send_keys("Natholdet går runder for at se, om beboerne sover")
    browser.find("label[for=purpose-citizen_quality]").click()
    Select(browser.find("#category")).select_by_visible_text("Borgerservice")
    browser.find("label[for=change-transformation]").click()
    browser.find("label[for=driver-it]").click()
    browser.find("#benefits\\.text").send_keys("Færre forstyrrede nætter")
    for marker in ("user_involvement", "organisational_anchoring", "benefit_realisation", "use_of_data"):
        browser.find(f"#markers\\.{marker}").send_keys("Afklaret med plejecentrene")
    browser.submit(browser.find("#proposal-form button[type=submit]"))
    assert browser.notice() == "Forslaget er indsendt."
    assert browser.text("h1") == title and browser.text("main .tag") == "Indsendt"
    proposal = browser.path.split("/ui/proposals/")[1].split("?")[0]
    submitted = site.api("owner", f"/proposals/{proposal}")
    assert submitted["proposer_id"] == str(site.users["owner"]) and submitted["purposes"] == ["citizen_quality"]
    assert submitted["change_kind"] == "transformation" and submitted["driver"] == "it"
    assert browser.find_all("#form-withdrawal") and not browser.find_all("#form-assessment")

    # The council takes it up for assessment.
    browser.driver.delete_all_cookies()
    browser.sign_in("council")
    browser.open(f"/ui/proposals/{proposal}")
    browser.submit(browser.find("#form-assessment button"))
    assert browser.notice() == "Forslaget er taget op til vurdering."
    assert browser.text("main .tag") == "Under vurdering"
    _checked(browser, "council-proposal")

    # It holds a meeting: today, its member signed in checked, with a quorum, the proposal on its agenda.
    browser.find("header nav a[href='/ui/meetings']").click()
    _checked(browser, "council-meetings")
    browser.find("main a.button[href='/ui/meetings/new']").click()
    _checked(browser, "council-meeting-new")
    browser.find("#held_on").click()
    assert browser.find(f"#a-{site.users['council']}").is_selected()
    browser.find("label[for=quorum-yes]").click()
    browser.find(f"label[for=g-{proposal}]").click()
    browser.submit(browser.find("#meeting-form button[type=submit]"))
    assert browser.notice() == "Mødet er registreret."
    meeting = browser.path.split("/ui/meetings/")[1].split("?")[0]
    held = site.api("council", f"/meetings/{meeting}")
    assert held["quorum"] is True and [a["title"] for a in held["agenda"]] == [title]

    # At the meeting it prioritises: the new proposal first, for a period.
    browser.open("/ui/decisions/new")
    Select(browser.find("#kind")).select_by_visible_text("Prioritering")
    _swapped(browser, "#kind-form #ranks")
    assert not browser.find_all("#proposal-choices"), "ranks, not ticks"
    _checked(browser, "council-decide-prioritisation")
    browser.find("#rationale").send_keys("Velfærdsteknologi først i 2031")
    Select(browser.find("#meeting_id")).select_by_value(meeting)
    browser.find(f"#rank-{proposal}").send_keys("1")
    today = site.clock.today()
    _set_date(browser, "#period_from", today)
    _set_date(browser, "#period_to", today.replace(year=today.year + 1))
    browser.submit(browser.find("#decision-form button[type=submit]"))
    assert browser.notice() == "Beslutningen er registreret."
    did = browser.text("#did")
    assert f"Nr. 1: {title}." in did and "Prioriteringen gælder for perioden fra" in did
    _checked(browser, "council-decision-prioritisation")

    # It rules on a waiting claim, from the overview, at the same meeting.
    browser.open("/ui/")
    browser.find("#krav ~ .table-wrap a[href*='kind=ownership_ruling']").click()
    confirmed = browser.find("input[name=confirmed_claim_id]:checked").get_attribute("value")
    _checked(browser, "council-decide-ruling")
    browser.find("#rationale").send_keys("Fagafdelingen kender systemet bedst")
    Select(browser.find("#meeting_id")).select_by_value(meeting)
    browser.submit(browser.find("#decision-form button[type=submit]"))
    did = browser.text("#did")
    assert "Bekræftet: kravet fra" in did and " har rollen " in did
    ruling = site.api("council", browser.path.split("?")[0].replace("/ui", ""))
    assert ruling["confirmed_claim_id"] == confirmed and ruling["meeting_id"] == meeting

    # And reads the minutes: both decisions, in names, and the log's size when they were taken.
    browser.find(f"main a[href='/ui/meetings/{meeting}']").click()
    minutes = browser.text("#minutes")
    assert "Prioritering" in minutes and "Afgørelse om ejerskab" in minutes and f"Nr. 1: {title}." in minutes
    agenda = browser.text("#agenda")
    assert title in agenda and "Prioriteret" in agenda and "Prioritering" in agenda
    assert site.names["council"] in browser.text("#attendees")
    assert re.search(r"havde hændelsesloggen \d+ hændelser", browser.text("main"))
    assert browser.text("#minutes-checkpoint").splitlines()[1].isdigit()
    _checked(browser, "council-meeting")


def test_the_council_pages_fit_a_phone(browser, site):
    from tests.browser.test_accessibility import PHONE

    browser.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    try:
        browser.sign_in("council")

        def fits(shot: str) -> None:
            width = browser.driver.execute_script("return [document.documentElement.scrollWidth, innerWidth]")
            assert width[0] <= width[1], f"{browser.path} scrolls sideways on a phone: {width}"
            _checked(browser, shot)

        meeting = site.api("council", "/meetings")["items"][-1]["id"]
        proposal = site.api("council", "/proposals", status="in_implementation")["items"]
        decided = site.api("council", "/decisions", kind="ownership_ruling", limit=200)["items"][-1]["id"]
        pages = [("/ui/proposals/new", "phone-proposal-new"), ("/ui/meetings", "phone-meetings"),
                 ("/ui/meetings/new", "phone-meeting-new"), (f"/ui/meetings/{meeting}", "phone-meeting"),
                 ("/ui/decisions/new?kind=prioritisation", "phone-decide-prioritisation"),
                 ("/ui/decisions/new?kind=approval", "phone-decide-approval"), (f"/ui/decisions/{decided}", "phone-decision")]
        if proposal:
            pages.append((f"/ui/proposals/{proposal[0]['id']}", "phone-proposal-completion"))
        for path, shot in pages:
            browser.open(path)
            fits(shot)
    finally:
        browser.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
