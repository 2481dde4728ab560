"""Signing in and out of the pages: a token from `ansvar token issue` pasted into a form, a
one-time link from `ansvar serve --demo`, or the identity provider (api/ui/oidc.py). Each ends in
`begin_session`, which verifies nothing itself: the caller has already established who it is."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote

import anyio.to_thread
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect, Template

from api.tenancy import enter, hub_of
from api.ui import UI_HANDLERS
from api.ui.oidc_client import installation_client, signing_in
from api.ui.session import (
    CSRF_FIELD,
    LOGIN_COOKIE,
    PREFIX,
    SESSION_COOKIE,
    ended_cookie,
    enter_cookie,
    is_ui,
    login_token,
    same,
    session_cookie,
    store,
)
from infra.settings import Settings
from infra.tokens import InvalidToken, TokenVerifier
from infra.ui_sessions import CODE_TTL, SESSION_TTL

STATIC = Path(__file__).parent / "static"
_ASSETS = {"htmx.min.js": "text/javascript; charset=utf-8", "ansvar.css": "text/css; charset=utf-8"}
Next = Annotated[str | None, Parameter(max_length=500, pattern=r"^[^\x00]*$")]
#: The municipality a sign-in at an identity provider is for (many municipalities). Checked against
#: the slug pattern by the handler (which looks at 41 characters at most), so that anything else,
#: however long, ends on the sign-in page with the one failure message rather than a 400.
Kommune = str | None


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a page of ours, never another site (no open redirect)."""
    target = target or ""
    path = unquote(target.split("?")[0])
    if not is_ui(path) or "\\" in target or "/." in path or any(ord(c) < 32 for c in target):
        return PREFIX + "/"
    return target


async def begin_session(request: Request, person_id: Any, roles: frozenset[str], target: str | None) -> Response[Any]:
    session_id, session = await anyio.to_thread.run_sync(store(request).start, person_id, roles)
    response: Response[Any] = Redirect(safe_next(target), status_code=303)
    response.set_cookie(session_cookie(request, session_id, int(SESSION_TTL.total_seconds())))
    response.delete_cookie(LOGIN_COOKIE, path=PREFIX)
    return response


def chosen_of(municipalities: list[tuple[str, str]], slug: str | None) -> tuple[str, str] | None:
    """The listed municipality `slug` names, if any (nothing else is told about a slug), with its
    name in the genitive (Danish: `Aarhus Kommunes`, but `Hals'`)."""
    found = next((m for m in municipalities if m[0] == slug), None)
    if found is None:
        return None
    return found[0], found[1] + ("'" if found[1][-1:].lower() in ("s", "x", "z") else "s")


class SignInController(Controller):
    path = "/ui"
    include_in_schema = False
    exception_handlers = UI_HANDLERS

    @get("/login", operation_id="uiLoginForm")
    async def form(self, request: Request, settings: Settings, next: Next = None, error: str | None = None,  # noqa: A002
                   kommune: Kommune = None) -> Template:
        """The sign-in page: the identity provider, or a token from `ansvar token issue`. With many
        municipalities, the list of those whose own provider signs in here (`?kommune=SLUG` picks one)."""
        token, cookie = login_token(request)
        municipalities = await signing_in(request) if hub_of(request) is not None else []
        chosen = chosen_of(municipalities, kommune)
        messages = {"code": f"Linket er brugt eller udløbet: et engangslink virker én gang og i {CODE_TTL.seconds // 60} minutter.",
                    "token": "Tokenet kunne ikke godkendes.",
                    "csrf": "Formularen var udløbet. Prøv igen.", "oidc": "Log-ind hos identitetsudbyderen mislykkedes."}
        response = Template(
            template_name="login.html", status_code=401 if error else 200, headers={"Cache-Control": "no-store"},
            context={"login_csrf": token, "csrf_field": CSRF_FIELD, "next": safe_next(next), "nav": [], "me": None,
                     "error": messages.get(error or ""), "code_expired": error == "code", "detail": None,
                     "oidc": installation_client(settings) is not None or bool(municipalities),
                     "municipalities": municipalities, "chosen": chosen,
                     "local": bool(settings.auth.secret)},
        )
        if cookie is not None:
            response.set_cookie(cookie)
        return response

    @post("/login", operation_id="uiLogin")
    async def login(self, request: Request, verifier: TokenVerifier) -> Response[Any]:
        """Sign in with a token: it is verified once and exchanged for a session; it never reaches a page."""
        form = await request.form()
        target = form.get("next")
        if not same(form.get(CSRF_FIELD), request.cookies.get(LOGIN_COOKIE)):
            return Redirect(f"{PREFIX}/login?error=csrf", status_code=303)
        token = str(form.get("token") or "").strip()
        try:
            principal = await anyio.to_thread.run_sync(verifier.verify, token) if token else None
        except InvalidToken:
            principal = None
        if principal is None or (hub_of(request) is not None and (
                principal.tenant is None or await enter(request, principal.tenant) is None)):
            return Redirect(f"{PREFIX}/login?error=token", status_code=303)
        return await begin_session(request, principal.person_id, principal.roles, target)

    @get("/login/code", operation_id="uiLoginCode")
    async def code(self, request: Request, code: Annotated[str, Parameter(max_length=200)], next: Next = None) -> Response[Any]:  # noqa: A002
        """Sign in with a one-time link (`ansvar serve --demo` prints one per demo person)."""
        code = await enter_cookie(request, code) or ""  # with many municipalities: `<slug>.<code>`
        found = await anyio.to_thread.run_sync(store(request).redeem, code) if code else None
        if found is None:
            return Redirect(f"{PREFIX}/login?error=code", status_code=303)
        return await begin_session(request, found[0], found[1], next)

    @post("/logout", operation_id="uiLogout")
    async def logout(self, request: Request) -> Response[Any]:
        """Sign out: the session ends on the server, not only in the browser."""
        session_id = await enter_cookie(request, request.cookies.get(SESSION_COOKIE))
        found = await anyio.to_thread.run_sync(store(request).find, session_id) if session_id else None
        if found is not None:
            form = await request.form()
            if not same(form.get(CSRF_FIELD), found.csrf):  # another site cannot sign a person out
                return Redirect(f"{PREFIX}/", status_code=303)
            await anyio.to_thread.run_sync(store(request).end, session_id)
        response: Response[Any] = Redirect(f"{PREFIX}/login", status_code=303)
        response.set_cookie(ended_cookie(request))
        return response

    @get("/static/{name:str}", operation_id="uiAsset")
    async def asset(self, name: str) -> Response[bytes]:
        """The pages' own files (htmx and the style sheet), served from the package: no CDN."""
        if name not in _ASSETS:
            raise NotFoundException(f"no file {name}")
        return Response((STATIC / name).read_bytes(), media_type=_ASSETS[name],
                        headers={"Cache-Control": "public, max-age=3600"})


@get("/", operation_id="uiRoot", include_in_schema=False)
async def root() -> Redirect:
    """A browser that asks for the root is sent to the pages."""
    return Redirect(PREFIX + "/", status_code=302)
