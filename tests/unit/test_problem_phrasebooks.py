"""Every code a domain error is raised with has its English sentence (the API's `detail`, the
command line) and its Danish words (a page), and no raise site composes a sentence itself
(issue 26: one phrasebook per language)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path
from typing import Any, NamedTuple
from uuid import UUID

import pytest

from domain.errors import DomainError
from infra.phrasebook.da.problems import said
from infra.phrasebook.en.problems import SENTENCES, render
from tests.ui.test_error_pages import ENGLISH, ENUM_KEYS

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "api", "usecases", "infra", "projections", "ansvar")
CODE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
PLACEHOLDER = re.compile(r"\{[a-z_!]*\}")
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def error_classes() -> dict[str, type[DomainError]]:
    """Every domain error class by name, wherever it is declared."""
    for package in PACKAGES:
        for info in pkgutil.walk_packages(importlib.import_module(package).__path__, f"{package}."):
            importlib.import_module(info.name)
    found, todo = {"DomainError": DomainError}, [DomainError]
    while todo:
        for sub in todo.pop().__subclasses__():
            found[sub.__name__] = sub
            todo.append(sub)
    return found


def constructions() -> list[tuple[str, ast.Call, type[DomainError]]]:
    """Every call that makes a domain error in the project's code: (where, the call, its class)."""
    classes = error_classes()
    calls = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call):
                    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
                    if name in classes:
                        calls.append((f"{path.relative_to(ROOT)}:{node.lineno}", node, classes[name]))
    return calls


class Raised(NamedTuple):
    cls: type[DomainError]
    names: set[str]  # the parameters its raise sites give
    fields: set[str | None]  # the fields they name (None: one named at run time, or none)


def raised_codes() -> dict[str, Raised]:
    """Each code raised anywhere, with its class, parameters and fields."""
    codes: dict[str, Raised] = {}
    for _, call, cls in constructions():
        first = call.args[0] if call.args else None
        code = first.value if isinstance(first, ast.Constant) and first.value else cls.slug
        if not isinstance(code, str):
            continue
        field = next((k.value for k in call.keywords if k.arg == "field"), None)
        raised = codes.setdefault(code, Raised(cls, set(), set()))
        raised.names.update(k.arg for k in call.keywords if k.arg and k.arg != "field")
        raised.fields.add(field.value if isinstance(field, ast.Constant) else None)
    return codes


def composes(call: ast.Call) -> bool:
    """Whether a call makes its error from a sentence rather than from a code (a constant, or a code
    passed along) and parameters: an f-string, a joined text, another error's message. A field's
    path may be built."""
    first = call.args[0] if call.args else None
    plain = first is None or isinstance(first, ast.Name) or (
        isinstance(first, ast.Constant) and isinstance(first.value, str) and bool(CODE.fullmatch(first.value)))
    return len(call.args) > 1 or not plain or any(
        isinstance(k.value, ast.JoinedStr) and k.arg != "field" for k in call.keywords)


def test_no_raise_site_composes_a_sentence():
    assert [f"{where}: {ast.unparse(call)[:100]}" for where, call, _ in constructions() if composes(call)] == []


@pytest.mark.parametrize(("source", "composed"), [
    ('InvalidValue(f"{x} is too long", field="name")', True),
    ('InvalidValue("name is too long", field="name")', True),
    ("InvalidValue(str(exc), field='to')", True),
    ('Conflict("taken", reason=f"{a} has it")', True),
    ('InvalidValue("too-long", field=f"markers.{m}", limit=200)', False),
    ("SystemNotFound(id=system_id)", False),
])
def test_the_check_tells_a_sentence_from_a_code(source, composed):
    call = ast.parse(source).body[0].value
    assert isinstance(call, ast.Call) and composes(call) is composed


SAMPLES: dict[str, Any] = {
    "allowed": ["under_assessment", "withdrawn"], "others": ["council"], "missing": ["archive_duty", "sign_off"],
    "erasable": ["note"], "erasable_topics": ["ansvar.system.role_assigned.v1"], "unknown": ["Farve"],
    "current": "submitted", "attempted": "approved", "role": "systemejer", "level": "team", "parent_level": "team",
    "kind": "approval", "position": 7, "head": 5, "row": 3, "size": 9, "limit": 5, "times": 2, "status": 401,
    "tree_size": 4, "tree_from": 5, "tree_to": 4, "fact_position": 3, "lifecycle": "phasing_out",
    "field": "name", "message": "Expected `str` of length <= 200", "duty": "B",
}


def sample(name: str, cls: type[DomainError] = DomainError) -> Any:
    if name == "allowed" and cls.slug == "decommissioning-step":
        return ["decided"]
    if name == "current":
        return {"decommissioning-step": "proposed", "claim-already-answered": "confirmed",
                "handover-already-answered": "accepted", "decommissioning-incomplete": "decided"}.get(cls.slug, "submitted")
    if name in SAMPLES:
        return SAMPLES[name]
    if name == "id" or name.endswith(("_id", "_into", "_by", "decided")):
        return str(UUID(int=7))
    if name.endswith(("_on", "_from", "_to", "earliest", "latest", "today")) or name in ("on", "given"):
        return "2026-03-01"
    return "Hjemmepleje"


@pytest.fixture(scope="module")
def codes() -> dict[str, Raised]:
    return raised_codes()


def test_every_raised_code_has_an_english_sentence(codes):
    for code, (cls, names, fields) in sorted(codes.items()):
        params = {n: sample(n, cls) for n in names}
        sentence = render(code, {"field": next(iter(fields - {None}), "name"), **params})
        assert sentence and not PLACEHOLDER.search(sentence), (code, sentence)
        assert not sentence.startswith(code), (code, sentence)


def test_every_english_sentence_is_raised_somewhere(codes):
    passed_along = {"kept-changing", "records-kept-changing", "details-kept-changing", "events-kept-changing"}
    generic = {raised.cls.slug for raised in codes.values()} | {"domain-error", "conflict", "invalid-value", "forbidden",
                                                         "already-done", "upstream-refused", "file-too-large",
                                                         "unreadable-spreadsheet", "concurrent-change"}
    assert set(SENTENCES) - set(codes) - passed_along - generic == set(), "a sentence no error is raised with"


def test_every_raised_code_has_danish_words_without_ids_or_braces(codes):
    from api.problems import _DOMAIN_STATUS

    for code, (cls, names, fields) in sorted(codes.items()):
        status = next(s for c, s in _DOMAIN_STATUS if issubclass(cls, c))
        params = {n: sample(n, cls) for n in names}
        for field in fields:
            problem = {"type": f"/problems/{cls.slug}", "status": status, "field": field, "code": code,
                       "detail": render(code, {"field": field or "name", **params}), **params}
            words = said(problem, lambda kind, id: None)
            text = f"{words.what} {words.todo}"
            assert words.what and words.todo and not PLACEHOLDER.search(text), (code, field, text)
            assert not UUID_TEXT.search(text) and not ENGLISH.search(text), (code, field, text)
            assert not [k for k in ENUM_KEYS if k in text], (code, field, text)


def test_an_error_without_a_sentence_says_its_title():
    from infra.phrasebook.en.problems import detail

    assert detail(DomainError("no-such-code-anywhere")) == DomainError.title
    assert "no-such-code-anywhere" in str(DomainError("no-such-code-anywhere", x=1))


def scim_refusals() -> list[tuple[str, ast.Call, Any]]:
    """Every SCIM refusal made in the project's code (ScimError and its kinds take the status first,
    `invalid` the code), with the code it is made with (an AST node, to check it is a constant)."""
    made = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                    at = {"ScimError": 1, "NoOrgUnit": 1, "invalid": 0}.get(node.func.id)
                    if at is not None and ("scim" in path.name or path.name == "provisioning.py"):
                        code = node.args[at] if len(node.args) > at else None
                        made.append((f"{path.relative_to(ROOT)}:{node.lineno}", node, code))
    return made


def test_every_scim_refusal_is_a_code_with_an_english_sentence():
    from infra.phrasebook.en.scim_problems import render as scim_render

    refusals = [(where, code) for where, _, code in scim_refusals() if code is not None]
    assert len(refusals) > 40, "the check finds the refusals"
    composed = [where for where, code in refusals
                if not (isinstance(code, ast.Name) or isinstance(code, ast.Constant) and CODE.fullmatch(str(code.value)))]
    assert composed == []
    for where, call, code in scim_refusals():
        if isinstance(code, ast.Constant):
            params = {k.arg: "userName" for k in call.keywords if k.arg}
            sentence = scim_render(code.value, params)
            assert sentence and not PLACEHOLDER.search(sentence), (where, sentence)
