"""The administration's pages over HTTP (issue 25): import, people, the org tree; each form runs
the API's command under the same rule, with its field names, and refuses bad input by field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.ui.test_pages import api_get, csrf_of, head, page, sign_in, town, visible  # noqa: F401 (the fixture)

DATA = Path(__file__).parent.parent / "data"
UUID_RE = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def upload(browser: Any, town: dict[str, Any], name: str) -> Any:
    form = page(browser, "/ui/import", town)
    content = (DATA / name).read_bytes()
    return browser.post("/ui/import", data={"csrf_token": csrf_of(form)}, files={"file": (name, content)})


def count(html: str, name: str) -> int:
    found = re.search(rf'id="count-{name}">(\d+)<', html)
    assert found, f"no count {name}"
    return int(found.group(1))


# ---------------------------------------------------------------------------------------------- import


@pytest.mark.parametrize("name", ["it-systemer.csv", "it-systemer.xlsx"])
def test_the_admin_imports_the_spreadsheet_dry_run_then_apply_then_apply_again_changes_nothing(town, name):
    browser = sign_in(town, "admin")
    before = head(town)
    dry = upload(browser, town, name)
    assert dry.status_code == 200, dry.text[:2000]
    text = visible(dry.text)
    assert "Prøvekørsel" in text and head(town) == before  # a dry run writes nothing
    problems = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>", dry.text)
    if count(dry.text, "systems"):  # the first file of the two creates systems; the second finds them
        assert problems, "the file's known problems are listed with row, column and cell"
        assert all(kind and not kind.isascii() or " " in kind for *_, kind in problems)  # in Danish words
        explained = re.findall(r'<td( lang="en")?>([^<]*)</td></tr>', dry.text.split('id="problems"', 1)[1])
        assert explained and not [text for english, text in explained if english], "every explanation in Danish"
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', dry.text)
    if sha is None:  # already imported (the other format of the same inventory): nothing to apply
        assert "intet at anvende" in text
        return
    applied = browser.post("/ui/import/apply", data={"csrf_token": csrf_of(dry.text), "sha256": sha.group(1),
                                                     "apply": "true"})
    assert applied.status_code == 201, applied.text[:2000]
    assert "Importen er anvendt" in visible(applied.text) and head(town) > before
    systems = api_get(town, "/systems", limit=1, q="Kvalitetsregistrering Socialpsykiatri")
    assert systems["items"], "the file's systems are in the register"
    after = head(town)
    again = browser.post("/ui/import/apply", data={"csrf_token": csrf_of(dry.text), "sha256": sha.group(1),
                                                   "apply": "true"})
    assert again.status_code == 200 and "importen ændrede intet" in visible(again.text)
    assert head(town) == after


def test_an_import_without_a_file_or_with_an_unknown_hash_names_the_field_in_danish(town):
    browser = sign_in(town, "admin")
    form = page(browser, "/ui/import", town)
    before = head(town)
    missing = browser.post("/ui/import", data={"csrf_token": csrf_of(form)}, files={"mapping": ("", b"")})
    assert missing.status_code == 422 and "Fil" in visible(missing.text)
    unknown = browser.post("/ui/import/apply", data={"csrf_token": csrf_of(form), "sha256": "0" * 64})
    assert unknown.status_code == 422 and "Filens fingeraftryk" in visible(unknown.text)
    assert "Import" in visible(unknown.text) and "Log ud" in unknown.text  # the menu and the person stay
    bad = browser.post("/ui/import", data={"csrf_token": csrf_of(form)}, files={"file": ("x.csv", b"\x00\xff" * 50)})
    assert bad.status_code < 500 and head(town) == before


# ---------------------------------------------------------------------------------------------- people


def a_unit(town: dict[str, Any]) -> str:
    return next(u["id"] for u in api_get(town, "/org-units")["items"] if u["level"] == "afdeling" and not u["dissolved_on"])


def register(browser: Any, town: dict[str, Any], name: str, **extra: str) -> str:
    form = page(browser, "/ui/people", town)
    response = browser.post("/ui/people", data={"csrf_token": csrf_of(form), "name": name, "org_unit_id": a_unit(town),
                                                "title": "specialkonsulent", **extra}, follow_redirects=False)
    assert response.status_code == 303, response.text[:2000]
    assert "Personen er registreret." in browser.get(response.headers["location"]).text
    return re.search(rf"/ui/people/({UUID_RE})", response.headers["location"]).group(1)


def test_the_admin_lands_on_the_administrations_pages_and_only_admins_see_them_in_the_menu(town):
    admin = sign_in(town, "admin")
    assert admin.get("/ui/", follow_redirects=False).headers["location"] == "/ui/people"
    html = page(admin, "/ui/people", town)
    for href in ("/ui/import", "/ui/people", "/ui/org"):
        assert f'href="{href}"' in html
    for who in ("council", "owner", "auditor"):
        theirs = page(sign_in(town, who), "/ui/me", town)
        assert 'href="/ui/import"' not in theirs and 'href="/ui/org"' not in theirs


def test_the_admin_registers_a_person_and_finds_them_by_name(town):
    admin = sign_in(town, "admin")
    person = register(admin, town, "Ulla Testesen", email="ulla.testesen@kommune.dk")
    assert api_get(town, f"/people/{person}")["name"] == "Ulla Testesen"
    found = page(admin, "/ui/people", town, q="testesen")
    assert f'href="/ui/people/{person}"' in found and "Ulla Testesen" in visible(found)


def test_the_admin_records_a_departure_and_the_person_can_no_longer_get_a_link(town):
    admin = sign_in(town, "admin")
    person = register(admin, town, "Bent Afgang")
    html = page(admin, f"/ui/people/{person}", town)
    day = town["clock"].today().isoformat()
    response = admin.post(f"/ui/people/{person}/departure", data={"csrf_token": csrf_of(html), "effective": day},
                          follow_redirects=False)
    assert response.status_code == 303, response.text[:2000]
    assert "Fratrædelsen er registreret." in admin.get(response.headers["location"]).text
    assert api_get(town, f"/people/{person}")["departed_on"] == day
    again = admin.post(f"/ui/people/{person}/departure", data={"csrf_token": csrf_of(html), "effective": day})
    assert again.status_code == 409 and "Dato" in visible(again.text)
    refused = admin.post(f"/ui/people/{person}/sign-in-link", data={"csrf_token": csrf_of(html)})
    assert refused.status_code == 422


def test_the_admin_erases_a_persons_details_with_its_basis(town):
    admin = sign_in(town, "admin")
    person = register(admin, town, "Gitte Glemmesen", email="gitte@kommune.dk")
    html = page(admin, f"/ui/people/{person}", town)
    before = head(town)
    missing = admin.post(f"/ui/people/{person}/erasure", data={"csrf_token": csrf_of(html), "basis": ""})
    assert missing.status_code == 422 and "Grundlag" in visible(missing.text) and head(town) == before
    response = admin.post(f"/ui/people/{person}/erasure", data={"csrf_token": csrf_of(html),
                                                                "basis": "Anmodning, sag 2031-117"}, follow_redirects=False)
    assert response.status_code == 303, response.text[:2000]
    shown = admin.get(response.headers["location"]).text
    assert "Gitte Glemmesen" not in shown and "slettet" in visible(shown)
    assert api_get(town, f"/people/{person}")["erased"] is True


def test_the_admin_issues_a_sign_in_link_and_it_signs_that_person_in_once(town):
    admin = sign_in(town, "admin")
    person = register(admin, town, "Lone Linksen")
    html = page(admin, f"/ui/people/{person}", town)
    response = admin.post(f"/ui/people/{person}/sign-in-link", data={"csrf_token": csrf_of(html), "roles": "council"})
    assert response.status_code == 200, response.text[:2000]
    link = re.search(r'id="sign-in-link" readonly value="([^"]+)"', response.text).group(1)
    path = link.split("ansvar.local", 1)[1]
    from litestar.testing import TestClient

    theirs = TestClient(town["app"], base_url="https://ansvar.local")
    first = theirs.get(path, follow_redirects=False)
    assert first.status_code == 303 and "/login" not in first.headers["location"]
    assert "Lone Linksen" in theirs.get("/ui/me", params={"after": head(town)}).text
    assert "Overblik" in theirs.get("/ui/me", params={"after": head(town)}).text  # acting for the council
    other = TestClient(town["app"], base_url="https://ansvar.local")
    second = other.get(path, follow_redirects=False)
    assert "error=code" in second.headers["location"]
    bad = admin.post(f"/ui/people/{person}/sign-in-link", data={"csrf_token": csrf_of(html), "roles": "emperor"})
    assert bad.status_code == 422 and "Adgang" in visible(bad.text)


def test_the_admin_corrects_a_person_from_their_page(town):
    admin = sign_in(town, "admin")
    person = register(admin, town, "Rasmus Retsen", email="rr@kommune.dk")
    html = page(admin, f"/ui/people/{person}", town)
    other = next(u["id"] for u in api_get(town, "/org-units")["items"]
                 if u["level"] == "team" and not u["dissolved_on"])
    response = admin.post(f"/ui/people/{person}/correction", data={
        "csrf_token": csrf_of(html), "name": "Rasmus Rettet", "email": "rasmus@kommune.dk", "title": "",
        "org_unit_id": other}, follow_redirects=False)
    assert response.status_code == 303, response.text[:2000]
    assert "Oplysningerne er rettet." in admin.get(response.headers["location"]).text
    shown = api_get(town, f"/people/{person}")
    assert (shown["name"], shown["email"], shown["title"], shown["org_unit_id"]) == (
        "Rasmus Rettet", "rasmus@kommune.dk", None, other)
    bad = admin.post(f"/ui/people/{person}/correction", data={"csrf_token": csrf_of(html), "email": "ikke en adresse"})
    assert bad.status_code == 422 and "E-mail" in visible(bad.text) and "Log ud" in bad.text


# ---------------------------------------------------------------------------------------------- the org tree


def test_the_admin_establishes_renames_moves_and_dissolves_an_org_unit(town):
    admin = sign_in(town, "admin")
    html = page(admin, "/ui/org", town)
    kommune = next(u for u in api_get(town, "/org-units")["items"] if u["level"] == "kommune")
    assert kommune["name"] in visible(html)
    response = admin.post("/ui/org", data={"csrf_token": csrf_of(html), "name": "Forvaltningen for Forsøg",
                                           "level": "forvaltning", "parent_id": kommune["id"]}, follow_redirects=False)
    assert response.status_code == 303, response.text[:2000]
    assert "Enheden er oprettet." in admin.get(response.headers["location"]).text
    unit = next(u for u in api_get(town, "/org-units")["items"] if u["name"] == "Forvaltningen for Forsøg")
    assert unit["parent_id"] == kommune["id"]
    wrong = admin.post("/ui/org", data={"csrf_token": csrf_of(html), "name": "Team under intet", "level": "kommune",
                                        "parent_id": unit["id"]})
    assert wrong.status_code == 422 and "Overordnet enhed" in visible(wrong.text)
    own = page(admin, f"/ui/org/{unit['id']}", town)
    renamed = admin.post(f"/ui/org/{unit['id']}/name", data={"csrf_token": csrf_of(own), "name": "Forsøgsforvaltningen"},
                         follow_redirects=False)
    assert renamed.status_code == 303 and "Enheden har fået nyt navn." in admin.get(renamed.headers["location"]).text
    assert api_get(town, f"/org-units/{unit['id']}")["name"] == "Forsøgsforvaltningen"
    assert "Forsøgsforvaltningen" in page(sign_in(town, "council"), "/ui/gaps", town)  # the cached tree too
    afdeling = a_unit(town)
    before = api_get(town, f"/org-units/{afdeling}")["parent_id"]
    moved = admin.post(f"/ui/org/{afdeling}/parent", data={"csrf_token": csrf_of(own), "parent_id": unit["id"]},
                       follow_redirects=False)
    assert moved.status_code == 303 and "Enheden er flyttet." in admin.get(moved.headers["location"]).text
    assert api_get(town, f"/org-units/{afdeling}")["parent_id"] == unit["id"] != before
    tree = page(admin, "/ui/org", town)  # the tree shows it under its new parent
    assert tree.index(f'id="unit-{unit["id"]}"') < tree.index(f'id="unit-{afdeling}"')
    back = admin.post(f"/ui/org/{afdeling}/parent", data={"csrf_token": csrf_of(own), "parent_id": before},
                      follow_redirects=False)
    assert back.status_code == 303
    day = town["clock"].today().isoformat()
    gone = admin.post(f"/ui/org/{unit['id']}/dissolution", data={"csrf_token": csrf_of(html), "effective": day},
                      follow_redirects=False)
    assert gone.status_code == 303
    assert api_get(town, f"/org-units/{unit['id']}")["dissolved_on"] == day
    refused = admin.post(f"/ui/org/{unit['id']}/name", data={"csrf_token": csrf_of(own), "name": "Efter lukning"})
    assert refused.status_code == 422 and "Organisatorisk enhed" in visible(refused.text)


# ---------------------------------------------------------------------------------------------- refusals and bad input


ADMIN_PAGES = ["/ui/import", "/ui/people", "/ui/org"]


@pytest.mark.parametrize("who", ["council", "owner", "auditor"])
def test_the_administrations_pages_refuse_everyone_else_with_a_danish_page(town, who):
    browser = sign_in(town, who)
    token = csrf_of(page(browser, "/ui/me", town))
    person = str(town["users"]["owner"])
    before = head(town)
    for path in [*ADMIN_PAGES, f"/ui/people/{person}", f"/ui/org/{a_unit(town)}"]:
        refused = browser.get(path, params={"after": head(town)})
        assert refused.status_code == 403 and "Det er kun for administratorer" in refused.text, path
    unit = a_unit(town)
    for path in ["/ui/people", f"/ui/people/{person}/departure", f"/ui/people/{person}/erasure",
                 f"/ui/people/{person}/sign-in-link", f"/ui/people/{person}/correction", "/ui/org",
                 f"/ui/org/{unit}/name", f"/ui/org/{unit}/parent", f"/ui/org/{unit}/dissolution", "/ui/import/apply"]:
        refused = browser.post(path, data={"csrf_token": token, "name": "x", "effective": "2030-01-01", "basis": "x"})
        assert refused.status_code == 403 and "text/html" in refused.headers["content-type"], path
    assert head(town) == before


BAD_VALUES = ["", "x" * 20_000, "\x00", "ikke-en-dato", "-1", "9" * 30, "00000000-0000-0000-0000-000000000000",
              "<script>", "2031-02-30", "9999-12-31"]


@pytest.mark.parametrize("value", BAD_VALUES)
def test_whatever_an_administration_form_is_sent_it_answers_without_a_500(town, value):
    admin = sign_in(town, "admin")
    token = csrf_of(page(admin, "/ui/people", town))
    person = str(town["users"]["owner"])
    unit = a_unit(town)
    forms = [
        ("/ui/people", {"name": "Navn", "org_unit_id": unit}, ["name", "org_unit_id", "title", "email"]),
        (f"/ui/people/{person}/erasure", {}, ["basis"]),
        (f"/ui/people/{person}/sign-in-link", {}, ["roles"]),
        (f"/ui/people/{person}/departure", {}, ["effective"]),
        (f"/ui/people/{person}/correction", {}, ["name", "email", "org_unit_id"]),
        ("/ui/org", {"name": "Enhed", "level": "team", "parent_id": unit}, ["name", "level", "parent_id"]),
        (f"/ui/org/{unit}/dissolution", {}, ["effective"]),
        (f"/ui/org/{unit}/name", {}, ["name"]),
        (f"/ui/org/{unit}/parent", {}, ["parent_id"]),
        ("/ui/import/apply", {}, ["sha256", "apply"]),
    ]
    for path, base, fields in forms:
        for field in fields:
            if path.endswith(("/erasure", "/departure", "/dissolution", "/correction", "/name")) and value in (
                    "9999-12-31", "<script>", "-1", "9" * 30, "ikke-en-dato", "2031-02-30"):
                continue  # a valid date, name or basis: it would be recorded (the owner must stay, the unit open)
            response = admin.post(path, data={"csrf_token": token, **base, field: value}, follow_redirects=False)
            assert response.status_code < 500, f"{path} {field}={value[:20]!r}: {response.status_code}"
            if value == "<script>" and response.status_code != 303:  # a valid title is recorded, and shown escaped
                assert "<script>" not in response.text.split("</head>", 1)[1], path
    files = admin.post("/ui/import", data={"csrf_token": token, "apply": value},
                       files={"file": ("x.csv", value.encode("utf-8", "replace"))})
    assert files.status_code < 500
