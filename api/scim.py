"""SCIM 2.0 at /scim/v2 (RFC 7643/7644), as Entra ID's provisioning speaks it: discovery, and
Users (create, get, list with a filter, replace, PATCH, delete). Only a SCIM credential
(`ansvar token issue --scim`) gets in, and it gets nowhere else. Every error is a SCIM error
(RFC 7644 §3.12, application/scim+json); the use case is domain/provisioning.py."""

from __future__ import annotations

import functools
from typing import Annotated, Any
from uuid import UUID

import anyio.to_thread
import msgspec
import structlog
from litestar import Request, Response, Router, delete, get, patch, post, put, route
from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.handlers import BaseRouteHandler
from litestar.params import QueryParameter

from api import scim_discovery as d
from api.scim_query import parse_filter, projected
from api.tenancy import enter, hub_of, runtime_of
from domain import errors as domain
from domain.provisioning import NoOrgUnit, Provisioning
from domain.scim_user import ENTERPRISE, USER, ScimError, invalid
from infra.phrasebook.en.problems import detail
from infra.phrasebook.en.scim_problems import scim_detail
from infra.scim_store import is_scim_secret

log = structlog.get_logger("ansvar.scim")
BASE = "/scim/v2"
MEDIA = "application/scim+json"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
DEFAULT_COUNT = 100



def scim(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(msgspec.json.encode(content), status_code=status, media_type=MEDIA, headers=headers)


def error(status: int, detail: str, scim_type: str | None = None) -> Response:
    body: dict[str, Any] = {"schemas": [ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    headers = {"WWW-Authenticate": 'Bearer realm="scim"'} if status == 401 else None
    return scim(body, status, headers)


def _on_scim(request: Request, exc: ScimError) -> Response:
    return error(exc.status, scim_detail(exc), exc.scim_type)


def _on_domain(request: Request, exc: domain.DomainError) -> Response:
    said = detail(exc)
    if isinstance(exc, domain.NotFound):
        return error(404, said)
    if isinstance(exc, domain.Conflict):
        return error(409, said, "uniqueness")
    if isinstance(exc, domain.Forbidden):
        return error(403, said)
    return error(400, said, "invalidValue")


def _on_http(request: Request, exc: HTTPException) -> Response:
    scim_type = "invalidSyntax" if exc.status_code == 400 else None
    return error(exc.status_code, str(exc.detail), scim_type)


def _on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("scim request failed", error=type(exc).__name__)
    return error(500, "the request could not be completed; nothing was recorded if the answer is lost, retry")


async def authenticate(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """The router's guard: a SCIM credential, and only one, gets in."""
    scheme, _, secret = (connection.headers.get("authorization") or "").strip().partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise NotAuthorizedException("no bearer credential: send Authorization: Bearer <SCIM credential>")
    secret = await _enter_tenant(connection, secret)
    if not is_scim_secret(secret):
        raise NotAuthorizedException("only a SCIM credential ('ansvar token issue --scim') may use /scim/v2")
    store = runtime_of(connection).extras["scim_store"]
    credential = store.trusted(secret) or await anyio.to_thread.run_sync(store.credential, secret)
    if credential is None:
        raise NotAuthorizedException("the SCIM credential is not valid (revoked, or issued anew since)")
    connection.scope["scim_credential"] = credential
    structlog.contextvars.bind_contextvars(scim_credential=str(credential))


async def _enter_tenant(connection: ASGIConnection, secret: str) -> str:
    """With many municipalities a SCIM credential is `<slug>:<secret>` (as `ansvar token issue --scim
    --tenant SLUG` prints it): the secret is then checked against that municipality's credentials only."""
    if hub_of(connection) is None:
        return secret
    slug, _, rest = secret.partition(":")
    if not is_scim_secret(rest):
        raise NotAuthorizedException("only a SCIM credential ('ansvar token issue --scim --tenant SLUG') may use /scim/v2")
    if await enter(connection, slug) is None:
        raise NotAuthorizedException("the SCIM credential is not valid (revoked, or issued anew since)")
    return rest


def _provisioning(request: Request) -> Provisioning:
    return runtime_of(request).extras["provisioning"]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + BASE


async def _body(request: Request) -> Any:
    raw = await request.body()
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError:
        raise invalid("body-not-json", "invalidSyntax") from None


def _version(request: Request) -> int | None:
    tag = request.headers.get("if-match")
    if not tag or tag.strip() == "*":
        return None
    digits = tag.strip().removeprefix("W/").strip('"')
    if not digits.isdigit():
        raise ScimError(412, "not-a-version", tag=tag)
    return int(digits)


def resource(user: dict[str, Any], base: str) -> dict[str, Any]:
    attrs = user["attributes"]
    out: dict[str, Any] = {"schemas": [USER, ENTERPRISE] if ENTERPRISE in attrs else [USER], "id": str(user["id"])}
    out.update(attrs)
    out["meta"] = {
        "resourceType": "User", "created": _instant(user["created_at"]), "lastModified": _instant(user["modified_at"]),
        "location": f"{base}/Users/{user['id']}", "version": f'W/"{user["version"]}"',
    }
    return out


def _instant(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _answer(outcome: Any, request: Request, status: int = 200) -> Response:
    res = resource(outcome.user, _base(request))
    return scim(res, status, {"ETag": res["meta"]["version"], "Location": res["meta"]["location"]})


async def _settled(request: Request, position: int | None) -> None:
    # A departure or return answers once the views show it: the gap is visible when Entra ID hears back.
    if position:
        await runtime_of(request).reads.caught_up(position)


@get("/ServiceProviderConfig", operation_id="scimServiceProviderConfig", include_in_schema=False)
async def service_provider_config(request: Request) -> Response:
    """What this SCIM service supports."""
    return scim(d.service_provider_config(_base(request)))


@get("/ResourceTypes", operation_id="scimResourceTypes", include_in_schema=False)
async def resource_types(request: Request) -> Response:
    """The resource types served: User."""
    found = d.resource_types(_base(request))
    return scim(d.list_response(found, len(found), 1))


@get("/ResourceTypes/{name:str}", operation_id="scimResourceType", include_in_schema=False)
async def resource_type(request: Request, name: str) -> Response:
    """One resource type."""
    found = [r for r in d.resource_types(_base(request)) if r["id"] == name]
    if not found:
        raise ScimError(404, "no-resource-type", name=name)
    return scim(found[0])


@get("/Schemas", operation_id="scimSchemas", include_in_schema=False)
async def schemas(request: Request) -> Response:
    """The schemas of the attributes kept."""
    found = d.schemas(_base(request))
    return scim(d.list_response(found, len(found), 1))


@get("/Schemas/{urn:str}", operation_id="scimSchema", include_in_schema=False)
async def schema(request: Request, urn: str) -> Response:
    """One schema."""
    found = [s for s in d.schemas(_base(request)) if s["id"] == urn]
    if not found:
        raise ScimError(404, "no-schema", urn=urn)
    return scim(found[0])


@get("/Users", operation_id="scimListUsers", include_in_schema=False)
async def list_users(
    request: Request, filter_: Annotated[str | None, QueryParameter(name="filter")] = None,
    start_index: Annotated[str | None, QueryParameter(name="startIndex")] = None,
    count: Annotated[str | None, QueryParameter(name="count")] = None,
    attributes: str | None = None, excluded: Annotated[str | None, QueryParameter(name="excludedAttributes")] = None,
    sort_by: Annotated[str | None, QueryParameter(name="sortBy")] = None,
    sort_order: Annotated[str | None, QueryParameter(name="sortOrder")] = None,
) -> Response:
    """Users, oldest first, optionally filtered; paged by startIndex (1-based) and count."""
    return await _search(request, filter_, start_index, count, attributes, excluded)


@post("/Users/.search", operation_id="scimSearchUsers", include_in_schema=False, status_code=200)
async def search_users(request: Request) -> Response:
    """The same query as GET /Users, sent as a SearchRequest (RFC 7644 §3.4.3)."""
    body = await _body(request)
    if not isinstance(body, dict):
        raise invalid("body-not-search", "invalidSyntax")
    fields = {k.lower(): v for k, v in body.items()}
    for name in ("sortby", "sortorder"):
        fields.pop(name, None)  # sorting is not supported: the order is the users' creation order
    texts = {}
    for name in ("filter", "startindex", "count", "attributes", "excludedattributes"):
        value = fields.get(name)
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        if value is not None and not isinstance(value, (str, int)) or isinstance(value, bool):
            raise invalid("wrong-type", name=name)
        texts[name] = None if value is None else str(value)
    return await _search(request, texts["filter"], texts["startindex"], texts["count"], texts["attributes"],
                         texts["excludedattributes"])


async def _search(request: Request, filter_: str | None, start_index: str | None, count: str | None,
                  attributes: str | None, excluded: str | None) -> Response:
    start = max(1, _integer(start_index, "startIndex", 1))
    size = min(max(0, _integer(count, "count", DEFAULT_COUNT)), d.MAX_RESULTS)
    column, value = parse_filter(filter_) if filter_ else (None, None)
    store = runtime_of(request).extras["scim_store"]
    if column == "id" and value is None:
        total, users = 0, []
    else:
        total, users = await anyio.to_thread.run_sync(store.search, column, value, start, size)
    base = _base(request)
    return scim(d.list_response([projected(resource(u, base), attributes, excluded) for u in users], total, start))


def _integer(text: str | None, name: str, default: int) -> int:
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise invalid("not-an-integer", name=name, given=text[:20]) from None


@post("/Users", operation_id="scimCreateUser", include_in_schema=False)
async def create_user(request: Request) -> Response:
    """A User: a person, found among those registered or registered now."""
    body = await _body(request)
    create = functools.partial(_provisioning(request).create, body, request.scope["scim_credential"],
                               _request_id(request))
    try:
        outcome = await anyio.to_thread.run_sync(create)
    except NoOrgUnit:  # the unit may be established and not yet in the views: once they have it, again
        reads = runtime_of(request).reads
        await reads.caught_up(await reads.log_head())
        outcome = await anyio.to_thread.run_sync(functools.partial(create, views_current=True))
    await _settled(request, outcome.position)
    return _answer(outcome, request, 201)


@get("/Users/{user_id:str}", operation_id="scimGetUser", include_in_schema=False)
async def get_user(request: Request, user_id: str, attributes: str | None = None,
                   excluded: Annotated[str | None, QueryParameter(name="excludedAttributes")] = None) -> Response:
    """One User."""
    user = await anyio.to_thread.run_sync(_provisioning(request).get, _id(user_id))
    res = resource(user, _base(request))
    return scim(projected(res, attributes, excluded), 200, {"ETag": res["meta"]["version"]})


@put("/Users/{user_id:str}", operation_id="scimReplaceUser", include_in_schema=False)
async def replace_user(request: Request, user_id: str) -> Response:
    """The User replaced whole; active false records a departure, true again ends it."""
    body = await _body(request)
    outcome = await anyio.to_thread.run_sync(_provisioning(request).replace, _id(user_id), body,
                                             request.scope["scim_credential"], _request_id(request), _version(request))
    await _settled(request, outcome.position)
    return _answer(outcome, request)


@patch("/Users/{user_id:str}", operation_id="scimPatchUser", include_in_schema=False)
async def patch_user(request: Request, user_id: str) -> Response:
    """Add, replace or remove attributes (RFC 7644 §3.5.2, and Entra ID's dialect)."""
    body = await _body(request)
    outcome = await anyio.to_thread.run_sync(_provisioning(request).patch, _id(user_id), body,
                                             request.scope["scim_credential"], _request_id(request), _version(request))
    await _settled(request, outcome.position)
    return _answer(outcome, request)


@delete("/Users/{user_id:str}", operation_id="scimDeleteUser", include_in_schema=False, status_code=204)
async def delete_user(request: Request, user_id: str) -> None:
    """The User is gone: the person's departure is recorded today (unless they had left)."""
    outcome = await anyio.to_thread.run_sync(_provisioning(request).delete, _id(user_id),
                                             request.scope["scim_credential"], _request_id(request))
    await _settled(request, outcome.position)


@post("/.search", operation_id="scimSearch", include_in_schema=False, status_code=200)
async def search(request: Request) -> Response:
    """A search from the root: Users are all there is to search."""
    return await search_users.fn(request)


@route("/{rest:path}", http_method=["GET", "POST", "PUT", "PATCH", "DELETE"], operation_id="scimUnknown",
       include_in_schema=False)
async def unknown(request: Request, rest: str) -> Response:
    """Anything else under /scim/v2 (Groups, Bulk, /Me: not supported) is a SCIM 404."""
    raise ScimError(404, "not-served", path=f"{BASE}{rest}")


def _id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise ScimError(404, "user-not-found", id=text[:64]) from None


def _request_id(request: Request) -> str | None:
    return request.scope.get("state", {}).get("request_id")


router = Router(
    path=BASE,
    route_handlers=[service_provider_config, resource_types, resource_type, schemas, schema, list_users, search_users, search, create_user,
                    get_user, replace_user, patch_user, delete_user, unknown],
    guards=[authenticate],
    exception_handlers={ScimError: _on_scim, domain.DomainError: _on_domain, HTTPException: _on_http,
                        Exception: _on_unexpected},
)
