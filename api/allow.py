"""`Allow` on the automatic OPTIONS answer names every method of the path.

Litestar builds that answer when it first meets a path; when a second controller adds a method to
the same path (GET /meetings from one, POST /meetings from another), the path's route is rebuilt but
keeps the first answer, which names only the first controller's methods (found by Schemathesis on
/systems, /org-units, /meetings and /systems/{id}/decommissioning).
"""

from __future__ import annotations

from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.types import Scope


def methods_by_path(app: Litestar) -> dict[str, bytes]:
    """Each HTTP path's `Allow` value: its methods, as the route that serves the path knows them."""
    return {route.path_format: ", ".join(sorted(route.methods)).encode()
            for route in app.routes if isinstance(route, HTTPRoute)}


def is_automatic_options(scope: Scope) -> bool:
    """Whether the request is the OPTIONS answer Litestar makes (api/context.py's middleware puts
    `Allow` with every method of the path on it)."""
    handler = scope.get("route_handler")
    return scope["method"] == "OPTIONS" and getattr(handler, "handler_name", None) == "options_handler"
