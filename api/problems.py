"""Every error becomes RFC 9457 problem+json here, and nowhere else.

400: the body is not JSON or not an object. 404: unknown resource in the path. 409: the
command conflicts with the current state. 422: a field is missing, of the wrong type, or has a
value the domain refuses (the problem names it). 503: the database or the views are not
available. Nothing a client sends produces a 500.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

import structlog
from litestar import Request, Response
from litestar.exceptions import (
    ClientException,
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from domain import errors as domain
from infra.phrasebook.en.problems import detail as in_english
from infra.idempotency import CommitUnknown
from projections.progress import ViewsBehind

log = structlog.get_logger(__name__)

MEDIA_TYPE = "application/problem+json"
_DOMAIN_STATUS: list[tuple[type[domain.DomainError], int]] = [
    (domain.UpstreamRefused, 502),
    (domain.NotFound, 404),
    (domain.Conflict, 409),
    (domain.Forbidden, 403),
    (domain.InvalidValue, 422),
    (domain.DomainError, 422),
]
_FIELD_IN_MESSAGE = re.compile(r"(?:required field|unknown field) `([^`]+)`")
_PATH_IN_MESSAGE = re.compile(r" - at `\$((?:\.[A-Za-z_][\w]*|\[\d+\])+)`")


class ServiceUnavailable(Exception):
    """The database or the views could not answer in time; the client may retry."""

    def __init__(self, detail: str, retry_after: int = 1) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after


def problem(
    request: Request, status: int, slug: str, title: str, detail: str,
    errors: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response[dict[str, Any]]:
    body = problem_body(status, slug, title, detail, request.url.path)
    if errors:
        body["errors"] = errors
    # Extension members never replace the standard ones.
    body.update({k: v for k, v in (extra or {}).items() if v is not None and k not in body})
    request_id = request.scope.get("state", {}).get("request_id")
    if request_id:
        body["request_id"] = request_id
    return Response(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def problem_body(status: int, slug: str, title: str, detail: str, instance: str) -> dict[str, Any]:
    """The standard members; also what the HTTP server answers for a request it cannot parse (api/server.py)."""
    return {"type": f"/problems/{slug}", "title": title, "status": status, "detail": detail, "instance": instance}


def _pointer(field: str) -> str:
    return "#/" + field.strip(".").replace(".", "/").replace("[", "/").replace("]", "")


def on_domain_error(request: Request, exc: domain.DomainError) -> Response[dict[str, Any]]:
    """The error's type and title from its class, its detail from the English phrasebook, and its
    code (where finer than the type) and parameters as extension members, for clients and pages."""
    status = next(code for cls, code in _DOMAIN_STATUS if isinstance(exc, cls))
    detail = in_english(exc)
    errors = [{"pointer": _pointer(exc.field), "detail": detail}] if exc.field else None
    code = exc.code if exc.code != exc.slug else None
    return problem(request, status, exc.slug, exc.title, detail, errors,
                   extra={"field": exc.field, "code": code, **exc.params})


def on_validation(request: Request, exc: ValidationException) -> Response[dict[str, Any]]:
    errors: list[dict[str, str]] = []
    malformed = False
    if not exc.extra and (absent := _MISSING_PARAMETER.match(str(exc.detail))):
        source, field = absent.groups()
        detail = f"{field} is required (a {source} parameter)"
        return problem(request, 422, "invalid-field", "A field is missing or invalid", detail,
                       [{"pointer": _pointer(field), "detail": detail, "source": source}],
                       extra={"field": field, "missing": [field]})
    for item in exc.extra if isinstance(exc.extra, list) else []:
        message, key, source = str(item.get("message", "")), item.get("key") or "", item.get("source") or ""
        path = _PATH_IN_MESSAGE.search(message)
        named = _FIELD_IN_MESSAGE.search(message)
        if path:
            field, message = path.group(1).lstrip("."), message[: path.start()]
        elif named:
            field = named.group(1)
        elif key == "data" and source == "body":
            malformed = True
            field = ""
        else:
            field = key
        if "missing required field" in message:
            errors += [{"pointer": _pointer(f), "detail": f"{f} is required", "source": "body"} for f in _missing(request)]
            if errors:
                continue
        errors.append({"pointer": _pointer(field) if field else "#", "detail": _in_words(field, message),
                       "source": source or "body"})
    if malformed and len(errors) == 1:
        required = _required_fields(request)
        if _body(request) in (b"", None) and required:
            detail = f"the request needs a JSON body; it has none. Required: {', '.join(required)}"
            errors = [{"pointer": _pointer(f), "detail": f"{f} is required", "source": "body"} for f in required]
            return problem(request, 400, "malformed-request", "The request body is malformed", detail, errors,
                           extra={"required": required})
        return problem(request, 400, "malformed-request", "The request body is malformed", errors[0]["detail"], errors)
    first = next((e for e in errors if e["pointer"] != "#"), None)
    field = first["pointer"][2:].replace("/", ".") if first else None
    detail = f"{field}: {first['detail']}" if first else "the request is invalid"
    missing = [e["pointer"][2:] for e in errors if e["detail"].endswith(" is required")]
    if len(missing) > 1:
        detail = f"required fields are missing: {', '.join(missing)}"
    return problem(request, 422, "invalid-field", "A field is missing or invalid", detail, errors,
                   extra={"field": field, "missing": missing or None})


#: Litestar's words for a required parameter left out (it gives no `extra` then).
_MISSING_PARAMETER = re.compile(r"Missing required (query|header|cookie|path) parameter '([^']+)'")


def _in_words(field: str, message: str) -> str:
    """msgspec's message, said as the person sending the request needs it: which values a choice
    allows, which form a date takes."""
    if "matching regex" in message and "\\x00-" in message:
        return (f"{message}: a control character (U+0000 to U+001F, U+007F to U+009F) is not allowed; a multi-line"
                " text may hold tabs and line breaks; a name or text is not blank")
    if message.startswith("Invalid enum value") and (allowed := choices_for(field)):
        return f"{message}: {field.split('.')[-1]} is one of {', '.join(allowed)}"
    if "RFC3339 encoded date" in message and "datetime" not in message:
        return f"{message}: a date is written YYYY-MM-DD, e.g. 2026-03-31"
    if "RFC3339 encoded datetime" in message:
        return f"{message}: a time is written YYYY-MM-DDTHH:MM:SS with its offset, e.g. 2026-03-31T12:00:00+02:00"
    return message


def choices_for(field: str) -> list[str]:
    """The values a field that is a choice allows (domain/vocabulary.py and the council's words)."""
    from domain.council import DecisionKind, SubjectKind
    from domain.decommissioning import ArchiveDuty
    from domain.proposals import ChangeKind, Driver, ProblemCategory, Purpose, Status
    from domain.vocabulary import Criticality, Lifecycle, OrgLevel, Role

    name = re.sub(r"\[\d+\]$", "", field.split(".")[-1])
    kinds = {"criticality": Criticality, "lifecycle": Lifecycle, "role": Role, "level": OrgLevel, "status": Status,
             "category": ProblemCategory, "change_kind": ChangeKind, "driver": Driver, "purposes": Purpose,
             "purpose": Purpose, "duty": ArchiveDuty}
    if name == "kind":
        kind = SubjectKind if "subjects" in field else DecisionKind
    else:
        kind = kinds.get(name)
    return [k.value for k in kind] if kind else []


def _body(request: Request) -> bytes | None:
    from litestar.utils.scope.state import ScopeState

    body = ScopeState.from_scope(request.scope).body
    return body if isinstance(body, bytes) else None


def _required_fields(request: Request) -> list[str]:
    """The fields the route's body type requires (a msgspec Struct's fields without defaults)."""
    handler = request.scope.get("route_handler")
    data = getattr(handler, "parsed_fn_signature", None) and handler.parsed_fn_signature.parameters.get("data")
    struct = getattr(data, "annotation", None)
    fields, defaults = getattr(struct, "__struct_fields__", ()), getattr(struct, "__struct_defaults__", ())
    return list(fields[: len(fields) - len(defaults)])


def _missing(request: Request) -> list[str]:
    """Every required field the body leaves out (msgspec names only the first)."""
    import msgspec

    try:
        sent = msgspec.json.decode(_body(request) or b"{}")
    except msgspec.DecodeError:
        return []
    return [f for f in _required_fields(request) if isinstance(sent, dict) and f not in sent]


def on_http(request: Request, exc: HTTPException) -> Response[dict[str, Any]]:
    status = exc.status_code
    if isinstance(exc, NotFoundException):
        return problem(request, 404, "not-found", "No such resource", str(exc.detail))
    if isinstance(exc, NotAuthorizedException):
        return problem(
            request, 401, "unauthenticated", "A valid bearer token is required", str(exc.detail),
            headers={"WWW-Authenticate": 'Bearer realm="ansvar"'},
        )
    if isinstance(exc, PermissionDeniedException):
        return problem(request, 403, "forbidden", "Not allowed for the acting person", str(exc.detail),
                       extra=exc.extra if isinstance(exc.extra, dict) else None)
    if status == 413:
        return problem(request, 413, "body-too-large", "The request body is too large", str(exc.detail))
    if status == 431:
        field = exc.extra.get("field") if isinstance(exc.extra, dict) else None
        return problem(request, 431, "header-too-large", "A request header is too large", str(exc.detail),
                       extra={"field": field})
    if isinstance(exc, ClientException) and status == 400:
        return problem(request, 400, "malformed-request", "The request body is malformed", str(exc.detail))
    slug = "client-error" if status < 500 else "server-error"
    return problem(request, status, slug, HTTPStatus(status).phrase, str(exc.detail), headers=exc.headers)


def on_unavailable(request: Request, exc: ServiceUnavailable) -> Response[dict[str, Any]]:
    return problem(
        request, 503, "unavailable", "The service cannot answer right now; retry", exc.detail,
        headers={"Retry-After": str(exc.retry_after)},
    )


def on_commit_unknown(request: Request, exc: CommitUnknown) -> Response[dict[str, Any]]:
    log.warning("a command's commit is unknown: the database went away during it", keyed=exc.keyed)
    return problem(
        request, 503, "commit-unknown", "The database failed during this command; whether it was recorded is unknown",
        exc.detail, headers={"Retry-After": "2"},
    )


def on_views_behind(request: Request, exc: ViewsBehind) -> Response[dict[str, Any]]:
    return problem(
        request, 503, "views-behind", "The views have not caught up with that position yet; retry", str(exc),
        headers={"Retry-After": "1"}, extra={"position": exc.position, "reached": exc.reached},
    )


def on_undecodable(request: Request, exc: UnicodeDecodeError) -> Response[dict[str, Any]]:
    # Litestar decodes form fields as UTF-8 and lets the error through (found by Schemathesis). A form
    # part without a filename is such a field: when the part is found, the problem names it.
    if field := _undecodable_part(exc):
        detail = f"{field} is sent without a filename, so it is read as text, and it is not UTF-8: send it as a file"
        return problem(request, 422, "invalid-field", "A field is missing or invalid", detail,
                       [{"pointer": _pointer(field), "detail": detail, "source": "body"}], extra={"field": field})
    return problem(request, 400, "malformed-request", "The request body is malformed", "a field is not valid UTF-8 text")


def _undecodable_part(exc: UnicodeDecodeError) -> str | None:
    """The name of the multipart part Litestar could not decode: the form is streamed, not kept, so
    the part is the one its parser was reading when the error rose (its `segment`)."""
    trace = exc.__traceback__
    while trace is not None:
        segment = trace.tb_frame.f_locals.get("segment")
        if trace.tb_frame.f_code.co_filename.endswith("_multipart.py") and isinstance(getattr(segment, "name", None), str):
            return segment.name
        trace = trace.tb_next
    return None


def on_too_deep(request: Request, exc: RecursionError) -> Response[dict[str, Any]]:
    # A small body nested a thousand levels deep exhausted the decoder's recursion (found by a tester).
    return problem(request, 400, "malformed-request", "The request body is malformed",
                   "the body nests too deep to read: no request of this API nests more than a few levels")


def on_unexpected(request: Request, exc: Exception) -> Response[dict[str, Any]]:
    if _is_database_outage(exc):
        log.warning("database unavailable", error=str(exc))
        return on_unavailable(request, ServiceUnavailable("the database is not reachable"))
    log.exception("unhandled error", exc_info=exc)
    return problem(
        request, HTTP_500_INTERNAL_SERVER_ERROR, "internal-error", "Internal error",
        "the server failed; the request id identifies it in the logs",
    )


def _is_database_outage(exc: BaseException) -> bool:
    from eventsourcing.persistence import InterfaceError, OperationalError

    names = {c.__module__.split(".")[0] for c in type(exc).__mro__}
    if isinstance(exc, (InterfaceError, OperationalError, ConnectionError, OSError, TimeoutError)):
        return True
    if "asyncpg" in names:
        import asyncpg
        from asyncpg.exceptions import (
            InternalClientError,
            OperatorInterventionError,
            QueryCanceledError,
        )

        if isinstance(exc, QueryCanceledError):
            return False  # a statement timeout says something about the query, not the database
        # A backend terminated under the pool (pg_terminate_backend, a restart) surfaces as
        # AdminShutdownError (57P01) on the query it killed, and as InternalClientError ("cannot
        # switch to state") on a pooled connection it left half-open: both were 500s.
        return isinstance(exc, (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, asyncpg.CannotConnectNowError,
                                OperatorInterventionError, InternalClientError))
    if "psycopg" in names or "psycopg_pool" in names:
        import psycopg
        import psycopg_pool

        return isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError, psycopg_pool.PoolTimeout))
    return False


HANDLERS = {
    domain.DomainError: on_domain_error,
    ValidationException: on_validation,
    HTTPException: on_http,
    ServiceUnavailable: on_unavailable,
    CommitUnknown: on_commit_unknown,
    ViewsBehind: on_views_behind,
    UnicodeDecodeError: on_undecodable,
    RecursionError: on_too_deep,
    Exception: on_unexpected,
}
