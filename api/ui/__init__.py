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
        context={"problem": body, "fields": fields, "me": getattr(request, "user", None) if "user" in request.scope else None,
                 "nav": [], "back": request.headers.get("referer") or "/ui/"},
    )


def _handlers() -> dict[Any, Any]:
    from api.problems import HANDLERS

    # Every key the API maps, so that none of its (more specific) handlers answers a page in JSON.
    return {**{key: on_ui_error for key in HANDLERS}, Exception: on_ui_error}


UI_HANDLERS = _handlers()
