"""Every error a page can show is Danish (issue 26 part 3): each problem type in the API's map
(api/problems.py's handlers, every domain error's slug) sent through a page says what went wrong and
what to do, names fields by their Danish labels and things by their names, shows no UUID, no enum
key and no English, and keeps the menu and the signed-in person."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from typing import Any
from uuid import uuid4

import pytest
from litestar import get
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)

import api.problems
from api.problems import ServiceUnavailable
from api.ui import UI_HANDLERS
from domain.errors import DomainError
from domain.proposals import Status
from domain.vocabulary import AccessRole, Criticality, Lifecycle, OrgLevel, Role
from infra.phrasebook.da.problems import KNOWN
from projections.progress import ViewsBehind
from tests.ui.test_pages import UUID_TEXT, api_get, csrf_of, head, page, sign_in, town, visible  # noqa: F401

#: Words of English a Danish sentence never holds (none is also a Danish word).
ENGLISH = re.compile(r"\b(the|is|are|cannot|must|already|which|with|this|that|been|was|has|should|would|your|you|"
                     r"request|required|allowed|invalid|missing|found|token|retry|please|error|not|field|proposal|"
                     r"nobody|only|either|given|while|before|after|into|its)\b", re.IGNORECASE)
ENUM_KEYS = {str(v) for kind in (Status, Role, Lifecycle, Criticality, OrgLevel, AccessRole) for v in kind if "_" in str(v)}
ENUM_KEYS |= {"submitted", "approved", "under_assessment", "withdrawn", "in_operation", "archive_duty", "sign_off"}


def domain_error_classes() -> list[type[DomainError]]:
    """Every domain error, wherever it is declared (domain/, api/, infra/, ansvar/)."""
    for package in ("domain", "api", "infra", "ansvar"):
        for info in pkgutil.walk_packages(importlib.import_module(package).__path__, f"{package}."):
            if not info.name.startswith(("api.ui", "ansvar.cli")):
                importlib.import_module(info.name)
    found, todo = [], [DomainError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += cls.__subclasses__()
    return found


def http_slugs() -> set[str]:
    """The problem types api/problems.py answers with besides the domain's."""
    source = inspect.getsource(api.problems)
    return set(re.findall(r'problem\(\s*request,\s*[^,]+,\s*"([a-z-]+)"', source)) | set(
        re.findall(r'"([a-z]+-error)"', source))


def exceptions(town: dict[str, Any]) -> list[tuple[str, Exception]]:
    """One raised exception per problem type (several for the types whose words depend on their members)."""
    proposal = api_get(town, "/proposals", status="submitted")["items"][0]["id"]
    some = uuid4()
    extras: dict[str, dict[str, Any]] = {
        "illegal-transition": {"proposal_id": proposal, "current": "submitted", "attempted": "approved",
                               "allowed": ["under_assessment", "withdrawn"]},
        "decommissioning-step": {"current": "proposed", "allowed": ["decided"], "attempted": "sign_off"},
        "decommissioning-incomplete": {"missing": ["archive_duty", "contracts_ended", "sign_off"], "current": "decided"},
        "claim-already-answered": {"claim_id": str(some), "current": "confirmed"},
        "handover-already-answered": {"offer_id": str(some), "current": "accepted"},
    }
    raised: list[tuple[str, Exception]] = []
    for cls in domain_error_classes():
        extra = extras.get(cls.slug, {})
        raised.append((cls.slug, cls(field="to_person_id", id=str(some), **extra)))
    from domain.errors import InvalidValue
    from infra.idempotency import CommitUnknown

    for code, field, extra in [
        ("request-refused", "rank_" + proposal, {"message": "Expected `int`, got `str`"}),
        ("rationale-missing", "rationale", {}), ("level-under-level", "parent_id", {"level": "team", "parent_level": "team"}),
        ("date-out-of-range", "effective_from", {"given": "1000-01-01", "earliest": "2000-01-01", "latest": "2099-12-31"}),
        ("unknown-parameter", "frobnicate", {"allowed": ["after"]}), ("subject-twice", "subjects", {}),
        ("not-valid", "no_such_field", {"given": str(some)}), ("nothing-to-correct", "name", {}),
        ("not-a-choice", "status", {"allowed": ["submitted", "approved"]}),
    ]:
        raised.append(("invalid-value", InvalidValue(code, field=field, **extra)))
    raised.append(("illegal-transition", next(e for s, e in raised if s == "illegal-transition").__class__(
        proposal_id=proposal, current="rejected", attempted="revise", allowed=[])))
    validation = [
        [{"message": "Object missing required field `rationale`", "key": "data", "source": "body"}],
        [{"message": "Invalid enum value 'sideways' - at `$.kind`", "key": "data", "source": "body"}],
        [{"message": "Invalid RFC3339 encoded date - at `$.decided_on`", "key": "data", "source": "body"}],
        [{"message": "Expected `uuid`, got `str` - at `$.to_person_id`", "key": "data", "source": "body"}],
        [{"message": "Expected `str` of length <= 200 - at `$.name`", "key": "data", "source": "body"}],
    ]
    raised += [("invalid-field", ValidationException(extra=v)) for v in validation]
    raised += [
        ("malformed-request", ValidationException(extra=[{"message": "JSON is malformed", "key": "data", "source": "body"}])),
        ("malformed-request", RecursionError("too deep")),
        ("malformed-request", UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")),
        ("not-found", NotFoundException(f"no route for {some}")),
        ("forbidden", PermissionDeniedException("GET /ui/gaps is for the council. Your token lets you act as owner",
                                                extra={"refusal": "rule", "allowed_roles": ["auditor", "council"],
                                                       "held_roles": ["owner"], "for_holders": False})),
        ("forbidden", PermissionDeniedException("read only", extra={"refusal": "auditor_writes", "allowed_roles": [],
                                                                    "held_roles": ["auditor"], "for_holders": True})),
        ("forbidden", PermissionDeniedException(f"person {some} left on 2026-01-02: their access has ended",
                                                extra={"refusal": "departed", "left_on": "2026-01-02"})),
        ("forbidden", PermissionDeniedException("the form was sent without its CSRF token", extra={"refusal": "csrf"})),
        ("forbidden", PermissionDeniedException("not allowed")),
        ("body-too-large", HTTPException(status_code=413, detail="Request Entity Too Large")),
        ("header-too-large", HTTPException(status_code=431, detail="header too large", extra={"field": "cookie"})),
        ("client-error", HTTPException(status_code=405, detail="Method Not Allowed")),
        ("server-error", HTTPException(status_code=502, detail="Bad Gateway")),
        ("unavailable", ServiceUnavailable("the database is not reachable")),
        ("views-behind", ViewsBehind(10**9, 5, 5.0)),
        ("internal-error", RuntimeError(f"bug near {some}")),
        ("commit-unknown", CommitUnknown(f"lost the answer for {some}", keyed=True)),
    ]
    return raised


@pytest.fixture(scope="module")
def raising(town):
    """A page under /ui, open to any person signed in, that raises the exception it is given by
    number, as a page's handler would."""
    from api.access import ACCESS, ANY_PERSON

    table = exceptions(town)
    ACCESS["testRaise"] = ANY_PERSON

    @get("/ui/test-raise/{n:int}", operation_id="testRaise", exception_handlers=UI_HANDLERS, sync_to_thread=False)
    def raise_it(n: int) -> None:
        raise table[n][1]

    town["app"].register(raise_it)
    yield table
    del ACCESS["testRaise"]


def test_every_problem_type_of_the_api_has_its_own_danish_words(town, raising):
    types = {cls.slug for cls in domain_error_classes()} | http_slugs() | {"invalid-field", "invalid-value"}
    assert types - KNOWN == set(), "a problem type the pages would say only in general words"
    assert types <= {slug for slug, _ in raising} | {"unauthenticated"}, "the test raises every type"


def test_every_problem_on_a_page_is_danish_with_the_menu_and_the_person(town, raising):
    browser = sign_in(town, "council")
    me = api_get(town, f"/people/{town['users']['council']}")["name"]
    for n, (slug, exc) in enumerate(raising):
        response = browser.get(f"/ui/test-raise/{n}", headers={"referer": "/ui/decisions/new"})
        assert 400 <= response.status_code < 600 and "text/html" in response.headers["content-type"], slug
        main = response.text.split('<main id="indhold"', 1)[1].split("</main>", 1)[0]
        text = visible(main.split(">", 1)[1])
        if slug == "internal-error":
            text = re.sub(r"nummer i driftens log: \w+", "", text)
        assert 'aria-label="Hovedmenu"' in response.text and me in response.text, f"{slug}: the menu and the person"
        said = re.search(r'role="alert" data-problem="([a-z-]+)">(.*?)</div>', main, re.S)
        assert said and said.group(1) == slug, f"{slug}: answered as {said and said.group(1)}"
        assert len(visible(said.group(2)).split()) >= 6, f"{slug}: what went wrong and what to do: {text}"
        assert not UUID_TEXT.search(text) and 'lang="en"' not in main, f"{slug}: {text}"
        assert not ENGLISH.search(text), f"{slug}: English in {text!r}"
        assert not [k for k in ENUM_KEYS if k in text], f"{slug}: an enum key in {text!r}"


def test_a_page_signed_out_is_sent_to_sign_in_not_shown_a_problem(town, raising):
    from litestar.testing import TestClient

    table_index = len(raising)
    raising.append(("unauthenticated", NotAuthorizedException("no session")))
    anonymous = TestClient(town["app"], base_url="https://ansvar.local")
    response = anonymous.get(f"/ui/test-raise/{table_index}", follow_redirects=False)
    assert response.status_code in (302, 303) and "/ui/login" in response.headers["location"]


def test_approving_a_submitted_proposal_names_it_and_says_which_steps_it_can_make(town):
    browser = sign_in(town, "council")
    form = page(browser, "/ui/decisions/new", town)
    proposal = api_get(town, "/proposals", status="submitted")["items"][0]
    before = head(town)
    response = browser.post("/ui/decisions", data={
        "csrf_token": csrf_of(form), "kind": "approval", "rationale": "Godt forslag", "subjects[0].kind": "proposal",
        "subjects[0].id": proposal["id"], "decided_on": town["clock"].today().isoformat()})
    text = visible(response.text)
    assert response.status_code == 409 and head(town) == before
    assert f"Forslaget »{proposal['title']}« er indsendt, så det kan ikke blive godkendt nu." in text
    assert "Herfra kan forslaget blive under vurdering eller trukket tilbage" in text
    assert not UUID_TEXT.search(text) and not ENGLISH.search(text)


def test_a_prioritisation_without_a_rank_names_the_rank_field_by_its_label(town):
    browser = sign_in(town, "council")
    form = page(browser, "/ui/decisions/new", town)
    proposal = api_get(town, "/proposals", status="under_assessment")["items"][0]["id"]
    response = browser.post("/ui/decisions", data={
        "csrf_token": csrf_of(form), "kind": "prioritisation", "rationale": "Rækkefølge",
        "priorities[0].proposal_id": proposal, "priorities[0].rank": "først",
        "period_from": town["clock"].today().isoformat()})
    text = visible(response.text)
    assert response.status_code == 422 and "Ret feltet Rang" in text and "rank" not in text
    assert not UUID_TEXT.search(text)


def test_an_owner_opening_the_gaps_reads_who_they_are_for_in_danish_with_the_menu_kept(town):
    browser = sign_in(town, "owner")
    response = browser.get("/ui/gaps", params={"after": head(town)})
    text = visible(response.text)
    assert response.status_code == 403
    assert "Det er kun for revisorer og porteføljerådets medlemmer; du er logget ind som ejer." in text
    assert 'aria-label="Hovedmenu"' in response.text and "Mine systemer" in text
    assert not ENGLISH.search(text.split("Det lykkedes ikke", 1)[1])
