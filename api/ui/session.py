"""Signing in to the web pages: the session cookie, the principal it stands for, and the CSRF
token every form carries.

The cookie holds only a random session id (infra/ui_sessions.py stores its hash): HttpOnly,
SameSite=Lax, path /ui, and Secure when the page was served over https. The API's bearer tokens
never reach a page: a token pasted into the sign-in form is verified once and exchanged for a
session. Every POST under /ui must carry the session's CSRF token (`csrf_token`), compared in
constant time by `csrf_guard`; the sign-in form, which comes before any session, carries a
double-submit token of its own.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

import anyio.to_thread
from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler

from api.tenancy import enter, hub_of, runtime_of, tenant_of
from infra.tokens import Principal
from infra.ui_sessions import SessionStore, UiSession

PREFIX = "/ui"
SESSION_COOKIE = "ansvar_session"
LOGIN_COOKIE = "ansvar_login"  # the sign-in form's double-submit CSRF token
CSRF_FIELD = "csrf_token"
_STATE_KEY = "ui_session"


def is_ui(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def store(connection: ASGIConnection) -> SessionStore:
    return runtime_of(connection).ui_sessions  # type: ignore[no-any-return]


async def enter_cookie(connection: ASGIConnection, value: str | None) -> str | None:
    """The session id a cookie holds. With many municipalities it is `<slug>.<session id>`: the
    session is then looked for in that municipality's store alone, which is opened for the request."""
    if not value:
        return None
    if hub_of(connection) is None:
        return value
    slug, _, session_id = value.partition(".")
    if not session_id or await enter(connection, slug) is None:
        return None
    return session_id


async def principal_from_session(connection: ASGIConnection) -> Principal:
    """The person a page request is from, by its session cookie (NotAuthorized without one)."""
    session_id = await enter_cookie(connection, connection.cookies.get(SESSION_COOKIE))
    if not session_id:
        raise NotAuthorizedException("not signed in")
    found = await anyio.to_thread.run_sync(store(connection).find, session_id)
    if found is None:
        raise NotAuthorizedException("the session has ended; sign in again")
    connection.scope.setdefault("state", {})[_STATE_KEY] = found
    tenant = tenant_of(connection)
    return Principal(found.person_id, found.roles, tenant=tenant.slug if tenant is not None else None)


def session_of(connection: ASGIConnection) -> UiSession | None:
    return connection.scope.get("state", {}).get(_STATE_KEY)


def secure(request: Request) -> bool:
    """Whether cookies get Secure: served over https, or behind a proxy that ends TLS for a public
    address that is https (ANSVAR_PUBLIC_URL)."""
    settings = request.app.state.get("settings")
    public = settings.oidc.public_url if settings is not None else None
    return request.url.scheme == "https" or bool(public and public.startswith("https://"))


def session_cookie(request: Request, session_id: str, max_age: int) -> Cookie:
    tenant = tenant_of(request)
    value = session_id if tenant is None else f"{tenant.slug}.{session_id}"
    return Cookie(key=SESSION_COOKIE, value=value, path=PREFIX, httponly=True, samesite="lax",
                  secure=secure(request), max_age=max_age)


def ended_cookie(request: Request) -> Cookie:
    return Cookie(key=SESSION_COOKIE, value="", path=PREFIX, httponly=True, samesite="lax", secure=secure(request),
                  max_age=0)


def login_token(request: Request) -> tuple[str, Cookie | None]:
    """The sign-in form's CSRF token: the one its cookie already holds, or a new one and its cookie."""
    given = request.cookies.get(LOGIN_COOKIE)
    if given and 20 <= len(given) <= 100:
        return given, None
    token = secrets.token_urlsafe(24)
    return token, Cookie(key=LOGIN_COOKIE, value=token, path=PREFIX, httponly=True, samesite="strict",
                         secure=secure(request), max_age=3600)


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


async def csrf_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Every POST under /ui made with a session carries that session's CSRF token."""
    if connection.scope.get("method") in ("GET", "HEAD", "OPTIONS"):
        return
    session = session_of(connection)
    if session is None:
        return  # a bearer token, or the public sign-in forms (which check their own)
    form = await _form(connection)
    if not same(form.get(CSRF_FIELD), session.csrf):
        raise PermissionDeniedException("the form was sent without its CSRF token (or with another session's);"
                                        " reload the page and send it again", extra={"refusal": "csrf"})


async def _form(connection: ASGIConnection) -> dict[str, Any]:
    request = connection if isinstance(connection, Request) else Request(connection.scope, connection.receive)
    form = await request.form()
    return {k: form.get(k) for k in form}


def redirect_to_login(request: Request) -> Response[Any]:
    from urllib.parse import quote

    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET" or not is_ui(target):
        target = PREFIX + "/"
    response: Response[Any] = Response(content=b"", status_code=303,
                                       headers={"Location": f"{PREFIX}/login?next={quote(target, safe='')}"})
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return response
