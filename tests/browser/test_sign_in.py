"""Signing in and out in the browser: the one-time link, the token form, and signing out."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # slow: a served demo and Chromium; not in ./dev fast


def test_a_one_time_link_signs_in_once(browser, site):
    link = site.sign_in_link("council")

    browser.driver.get(link)

    assert browser.path == "/ui/", "the link leads to the council's overview, without the code in the address"
    assert site.names["council"] in browser.text("header .who")

    # The same link again, from a browser that is not signed in: it is spent.
    browser.driver.delete_all_cookies()
    browser.driver.get(link)
    assert browser.path == "/ui/login?error=code"
    assert "Linket er brugt eller udløbet" in browser.text("main [role=alert]")
    assert not browser.find_all("header nav"), "nobody is signed in"


def test_the_token_form_signs_in_and_returns_to_the_page_asked_for(browser, site):
    browser.open("/ui/systems")
    assert browser.path.startswith("/ui/login?next="), "a page asked for signed out leads to sign-in"

    browser.paste("#token", site.token("auditor"))
    browser.submit(browser.find("main form button[type=submit]"))

    assert browser.path == "/ui/systems", "after signing in, the page that was asked for"
    assert site.names["auditor"] in browser.text("header .who")
    assert "revisor" in browser.text("header .who")
    assert site.token("auditor")[:20] not in browser.driver.page_source, "the token never reaches a page"


def test_a_wrong_token_is_refused_with_a_message(browser, site):
    browser.open("/ui/login")
    browser.find("#token").send_keys("not-a-token")
    browser.submit(browser.find("main form button[type=submit]"))

    assert browser.path.startswith("/ui/login?error=token")
    assert "Tokenet kunne ikke godkendes" in browser.text("main [role=alert]")


def test_signing_out_ends_the_session_on_the_server(browser, site):
    browser.sign_in("council")
    browser.open("/ui/gaps")
    cookie = browser.driver.get_cookie("ansvar_session")
    assert cookie and cookie["httpOnly"], "the session cookie is HttpOnly"

    browser.submit(browser.find("header form button[type=submit]"))  # "Log ud"
    assert browser.path == "/ui/login"

    browser.driver.back()  # the page seen before: not from a cache, not signed in
    assert browser.path.startswith("/ui/login?next=")
    assert site.names["council"] not in browser.text("body")
    browser.driver.refresh()
    assert browser.path.startswith("/ui/login")

    # The old cookie, put back (as someone who copied it would): the session has ended for good.
    browser.driver.add_cookie({k: cookie[k] for k in ("name", "value", "path", "httpOnly")})
    browser.open("/ui/gaps")
    assert browser.path.startswith("/ui/login?next=")
