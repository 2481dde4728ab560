"""The administration's page of likely duplicates (issue 27 part 2): records that look like one
person by the spelling rule, each pair with both records and the evidence, merged with one
confirmation (a form with the API's field `into` and the session's CSRF token)."""

from __future__ import annotations

from typing import Any

from tests.api.client import bearer
from tests.ui.test_pages import UUID_TEXT, csrf_of, head, page, sign_in, town, visible  # noqa: F401 (the fixture)


def api_post(town: dict[str, Any], path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = town["client"].post(path, json=body, headers={"Authorization": bearer()})
    assert response.status_code == 201, response.text
    return response.json()


def test_the_admin_sees_a_likely_duplicate_with_its_evidence_and_merges_it_with_one_confirmation(town):
    unit = town["client"].get("/org-units", headers={"Authorization": bearer()}).json()["items"][0]["id"]
    named = api_post(town, "/people", {"name": "Åse Kjærgaard-Møller", "org_unit_id": unit, "title": "teamleder"})["id"]
    mailed = api_post(town, "/people", {"name": "aase.kjaergaard.moeller@demo.dk", "org_unit_id": unit,
                                        "email": "aase.kjaergaard.moeller@demo.dk"})["id"]
    browser = sign_in(town, "admin")
    assert "/ui/people/duplicates" in page(browser, "/ui/people", town)  # linked from the people page
    html = page(browser, "/ui/people/duplicates", town)
    text = visible(html)
    assert "Åse Kjærgaard-Møller" in text and "aase.kjaergaard.moeller@demo.dk" in text
    assert "staver navnet «Åse Kjærgaard-Møller»" in text and "teamleder" in text  # both records, and why
    assert not UUID_TEXT.search(text), "people are named, not shown by id"
    form = html.split(f'action="/ui/people/{mailed}/merge"', 1)[1].split("</form>", 1)[0]
    assert f'name="into" value="{named}"' in form

    before = head(town)
    refused = browser.post(f"/ui/people/{mailed}/merge", data={"into": named}, follow_redirects=False)
    assert refused.status_code == 403 and head(town) == before  # no CSRF token: nothing written
    merged = browser.post(f"/ui/people/{mailed}/merge", data={"into": named, "csrf_token": csrf_of(html)},
                          follow_redirects=False)
    assert merged.status_code == 303, merged.text[:2000]
    after = browser.get(merged.headers["location"])
    assert "lagt sammen" in visible(after.text) and "aase.kjaergaard.moeller@demo.dk" not in visible(after.text)
    shown = town["client"].get(f"/people/{mailed}", headers={"Authorization": bearer()}, params={"after": head(town)})
    assert shown.json()["merged_into"] == named
    record = page(browser, f"/ui/people/{mailed}", town)
    assert f'href="/ui/people/{named}"' in record.split('id="merged-into"', 1)[1].split("</p>", 1)[0]

    again = browser.post(f"/ui/people/{mailed}/merge", data={"into": named, "csrf_token": csrf_of(after.text)})
    assert again.status_code == 409, again.text[:2000]


def test_the_page_and_the_merge_are_the_admins(town):
    for who in ("council", "owner"):
        browser = sign_in(town, who)
        assert browser.get("/ui/people/duplicates").status_code == 403
