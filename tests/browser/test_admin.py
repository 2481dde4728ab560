"""The administrator at work in the browser: landing on the administration's pages, importing the
municipality's spreadsheet from the page (the dry run's report, then one button), and correcting a
person. The import is applied to the shared demo and adds systems other tests find by name, so this
module runs after them."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # slow: a served demo and Chromium; not in ./dev fast
RUNS_LAST = True  # the import changes the shared demo's register (conftest.py runs this module last)

SPREADSHEET = Path(__file__).parent.parent / "data" / "it-systemer.xlsx"


def test_the_admin_imports_the_spreadsheet_from_the_page_and_applies_it_once(browser, site):
    browser.sign_in("admin")
    assert browser.path == "/ui/people", "an administrator lands on the administration's pages"
    menu = [a.text for a in browser.find_all("nav[aria-label=Hovedmenu] a")]
    assert {"Import", "Personer", "Organisation"} <= set(menu)

    browser.open("/ui/import")
    browser.assert_accessible()
    browser.find("#file").send_keys(str(SPREADSHEET))
    browser.submit(browser.find("form[enctype] button[type=submit]"))

    report = browser.text("#report")
    assert "Prøvekørsel: it-systemer.xlsx" in report
    assert int(browser.text("#rows-read")) > 200
    problems = browser.find_all("#problems tbody tr")
    assert problems, "the spreadsheet's known problems are listed"
    row, column, cell, kind = (c.text for c in problems[0].find_elements("css selector", "td")[:4])
    assert row.isdigit() and column and cell and kind, "each problem names its row, column, cell and what it is"
    browser.assert_accessible()
    browser.shot("admin-import-dry-run")

    browser.submit(browser.find("form[action='/ui/import/apply'] button"))
    assert "Importen er anvendt" in browser.notice()
    position = int(browser.text("#report").split("position ")[1].split(")")[0])
    assert position > 0

    browser.open("/ui/import")  # the same file again: nothing left to apply
    browser.find("#file").send_keys(str(SPREADSHEET))
    browser.submit(browser.find("form[enctype] button[type=submit]"))
    assert "der er intet at anvende" in browser.text("#report")
    assert not browser.find_all("form[action='/ui/import/apply']")


def test_the_admin_corrects_a_persons_title_from_their_page(browser, site):
    browser.sign_in("admin")
    owner = site.users["owner"]
    browser.open(f"/ui/people?q={site.names['owner'].split(' ')[-1]}")
    browser.find(f"a[href='/ui/people/{owner}']").click()
    browser.assert_accessible()
    title = browser.find("#title")
    title.clear()
    title.send_keys("Teamleder, rettet")
    browser.submit(browser.find("form[action$='/correction'] button"))
    assert browser.notice() == "Oplysningerne er rettet."
    assert site.api("admin", f"/people/{owner}")["title"] == "Teamleder, rettet"
