"""The web pages (issue 16): server-rendered under /ui, on the API's read store and commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import structlog
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Request, Response
from litestar.exceptions import NotAuthorizedException
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

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
    """A page's failure as a page: signed out goes to sign-in; anything else shows the problem the
    API would have answered (its status, title and the field it names)."""
    from api.problems import HANDLERS, on_unexpected

    if isinstance(exc, NotAuthorizedException):
        return redirect_to_login(request)
    handler = next((HANDLERS[k] for k in type(exc).__mro__ if k in HANDLERS), on_unexpected)
    problem = handler(request, exc)
    body = problem.content if isinstance(problem.content, dict) else {}
    fields = [e.get("field") for e in body.get("errors", []) if isinstance(e, dict) and e.get("field")]
    if body.get("field"):
        fields.insert(0, body["field"])
    return Template(
        template_name="error.html", status_code=problem.status_code, headers={"Cache-Control": "no-store"},
        context={"problem": body, "fields": fields, "labels": words.FIELD_LABEL,
                 "back": request.headers.get("referer") or "/ui/", **_signed_in(request)},
    )


def _signed_in(request: Request) -> dict[str, Any]:
    """The menu and the signed-in person, so that a failed form's page keeps them."""
    from api.ui.menu import display_name, menu
    from api.ui.session import SESSION_COOKIE, session_of
    from infra.tokens import Principal

    principal, session = request.scope.get("user"), session_of(request)
    if not isinstance(principal, Principal):  # no route matched (a malformed id): the cookie says who it is
        sessions, session_id = request.app.state.get("ui_sessions"), request.cookies.get(SESSION_COOKIE)
        session = sessions.find(session_id) if sessions is not None and session_id else None
        if session is None:
            return {"me": None, "nav": []}
        principal = Principal(session.person_id, session.roles)
    runtime = request.app.state.get("runtime")
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
