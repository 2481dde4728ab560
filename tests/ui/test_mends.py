"""What trying the pages as a new user found (issue 25, part 6): the oldest waiting claims first, a
used or expired link that says how to get a new one, and a malformed id answered with a page."""

from __future__ import annotations

import re
import sqlite3
from datetime import date

from babel.dates import get_month_names
from litestar.testing import TestClient

from tests.ui.test_pages import head, page, sign_in, town, visible  # noqa: F401 (the fixture)

MONTHS = [get_month_names("wide", locale="da_DK")[m] for m in range(1, 13)]


def danish_date(text: str) -> date:
    day, month, year = re.fullmatch(r"(\d+)\. (\w+) (\d{4})", text.strip()).groups()
    return date(int(year), MONTHS.index(month) + 1, int(day))


def test_the_overview_lists_the_oldest_waiting_claims_by_the_day_they_were_made(town):
    html = page(sign_in(town, "council"), "/ui/", town)
    section = html.split('id="krav"', 1)[1].split("</table>", 1)[0]
    shown = [danish_date(d) for d in re.findall(r"<td>(\d+\. \w+ \d{4})</td>", section)]
    with sqlite3.connect(town["app"].state.settings.database.path) as db:
        made = sorted(date.fromisoformat(str(r[0])[:10])
                      for r in db.execute("SELECT made_on FROM claims WHERE status = 'open'"))
    assert len(made) > len(shown) > 0, "the demo has more claims waiting than the overview lists"
    assert shown == made[: len(shown)]  # the oldest, oldest first
    assert f"De ældste {len(shown)} af {len(made)}" in visible(html)


def test_a_used_link_leads_to_a_page_that_says_how_to_get_a_new_one(town):
    code = town["runtime"].ui_sessions.issue_code(town["users"]["owner"], ())
    first = TestClient(town["app"], base_url="https://ansvar.local")
    assert first.get(f"/ui/login/code?code={code}", follow_redirects=False).status_code == 303
    again = TestClient(town["app"], base_url="https://ansvar.local").get(f"/ui/login/code?code={code}")
    text = visible(again.text)
    assert again.status_code == 401 and "brugt eller udløbet" in text
    assert "Bed en administrator om et nyt engangslink" in text and "/ui/people" in text


def test_a_malformed_id_gets_a_danish_page_with_the_menu_and_the_api_still_answers_json(town):
    browser = sign_in(town, "council")
    for path in ("/ui/systems/abc", "/ui/decisions/abc", "/ui/proposals/123"):
        response = browser.get(path)
        assert response.status_code == 404 and "text/html" in response.headers["content-type"], path
        assert "Det, du bad om, findes ikke." in response.text and "Log ud" in response.text and 'href="/ui/gaps"' in response.text
    api = town["client"].get("/systems/abc")
    assert api.headers["content-type"].startswith("application/") and "json" in api.headers["content-type"]
