"""The web pages (issue 16): server-rendered under /ui, on the API's read store and commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import structlog
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Request, Response
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from api.tenancy import runtime_of, tenant_of
from api.ui import words
from api.ui.session import redirect_to_login

log = structlog.get_logger("ansvar.ui")
TEMPLATES = Path(__file__).parent / "templates"


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(words.FILTERS)
    return env


def template_config() -> TemplateConfig:
    env = environment()
    return TemplateConfig(engine=JinjaTemplateEngine.from_environment(env))


def on_ui_error(request: Request, exc: Exception) -> Response[Any]:
    """A page's failure as a page: signed out goes to sign-in; anything else shows, in Danish, the
    problem the API would have answered (its status, what went wrong, what to do, the fields by label)."""
    from api.problems import HANDLERS, on_unexpected

    if isinstance(exc, NotAuthorizedException):
        return redirect_to_login(request)
    handler = next((HANDLERS[k] for k in type(exc).__mro__ if k in HANDLERS), on_unexpected)
    problem = handler(request, exc)
    body = problem.content if isinstance(problem.content, dict) else {}
    return problem_page(request, body, problem.status_code, problem.headers)


def problem_page(request: Request, problem: dict[str, Any], status: int, headers: Any = None) -> Template:
    """The error page for a problem (a problem+json body): Danish words from the phrasebook, the menu
    and the signed-in person kept. Every page that shows a problem shows it through this."""
    from infra.phrasebook.da.problems import said

    kept = {k: v for k, v in dict(headers or {}).items() if k.lower() in ("retry-after", "www-authenticate")}
    return Template(
        template_name="error.html", status_code=status, headers={**kept, "Cache-Control": "no-store"},
        context={"said": said(problem, _name_of(request)), "status": status,
                 "reference": problem.get("request_id") if status == 500 else None,
                 "back": request.headers.get("referer") or "/ui/", **_signed_in(request)},
    )


def _name_of(request: Request) -> Any:
    """A thing's name by its kind and id, for a problem's words: read synchronously from the write
    side (an aggregate by its key, a person's directory row), as the command that failed just did."""
    from uuid import UUID

    portfolio = getattr(_runtime(request), "portfolio", None)

    def name_of(kind: str, thing_id: Any) -> str | None:
        try:
            key = UUID(str(thing_id))
        except ValueError:
            return None
        if portfolio is None:
            return None
        try:
            if kind == "person":
                found = portfolio.directory.get(key) if portfolio.directory is not None else None
                return None if not found or found.get("erased_at") else found.get("name")
            thing = portfolio.repository.get(key)
        except Exception:  # noqa: BLE001 - a name is a courtesy: without it the sentence names the kind of thing
            return None
        name = getattr(thing, "name", None) or (getattr(thing, "content", None) or {}).get("title")
        return str(name) if name else None

    return name_of


def _runtime(request: Request) -> Any:
    """The request's running parts, or None when it has none (an error before any municipality was chosen)."""
    try:
        return runtime_of(request)
    except NotFoundException:
        return None


def _signed_in(request: Request) -> dict[str, Any]:
    """The menu and the signed-in person, so that a failed form's page keeps them."""
    from api.ui.menu import display_name, menu
    from api.ui.session import SESSION_COOKIE, session_of
    from infra.tokens import Principal

    principal, session = request.scope.get("user"), session_of(request)
    if not isinstance(principal, Principal):  # no route matched (a malformed id): the cookie says who it is
        sessions, session_id = getattr(_runtime(request), "ui_sessions", None), request.cookies.get(SESSION_COOKIE)
        if session_id and tenant_of(request) is not None:  # many municipalities: `<slug>.<session id>`
            session_id = session_id.partition(".")[2]
        session = sessions.find(session_id) if sessions is not None and session_id else None
        if session is None:
            return {"me": None, "nav": []}
        principal = Principal(session.person_id, session.roles)
    runtime = _runtime(request)
    directory = getattr(getattr(runtime, "portfolio", None), "directory", None)
    found = directory.get(principal.person_id) if directory is not None else None  # one row by key, synchronous
    return {"me": principal, "nav": menu(principal), "my_name": display_name(found), "path": request.url.path,
            "csrf": session.csrf if session else "", "csrf_field": "csrf_token"}


def on_app_error(api_handler: Any) -> Any:
    """An error raised before any page's handler ran (no route matched, e.g. `/ui/systems/abc`):
    a page under /ui gets the HTML error page, the API its problem+json."""

    def handle(request: Request, exc: Exception) -> Response[Any]:
        from api.ui.session import is_ui

        if is_ui(request.url.path):
            return on_ui_error(request, exc)
        return api_handler(request, exc)

    return handle


def _handlers() -> dict[Any, Any]:
    from api.problems import HANDLERS

    # Every key the API maps, so that none of its (more specific) handlers answers a page in JSON.
    return {**{key: on_ui_error for key in HANDLERS}, Exception: on_ui_error}


UI_HANDLERS = _handlers()
