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
