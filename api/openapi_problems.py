"""Documents, on every operation at once, the problem+json answers that api/problems.py gives,
and the `Idempotency-Key` header that api/idempotency.py honours on every command.

Litestar documents only the success answer (and its own 400 shape), so without this the
OpenAPI document promised less than the API does: a client generated from it, or Schemathesis,
saw every 404/409/422/503 as undocumented.
"""

from __future__ import annotations

from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.openapi.spec import (
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Parameter,
    Reference,
    Schema,
)

from api.access import ACCESS, PUBLIC
from api.openapi_rules import document, rules_for
from api.problems import MEDIA_TYPE

_PROBLEM = Schema(
    type=OpenAPIType.OBJECT,
    required=["type", "title", "status", "detail"],
    properties={
        "type": Schema(type=OpenAPIType.STRING, description="A stable URI reference naming the kind of problem."),
        "title": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER),
        "detail": Schema(type=OpenAPIType.STRING),
        "instance": Schema(type=OpenAPIType.STRING),
        "field": Schema(type=OpenAPIType.STRING, description="The offending field, when there is one."),
        "request_id": Schema(type=OpenAPIType.STRING),
        "errors": Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(
                type=OpenAPIType.OBJECT,
                properties={
                    "pointer": Schema(type=OpenAPIType.STRING),
                    "detail": Schema(type=OpenAPIType.STRING),
                    "source": Schema(type=OpenAPIType.STRING),
                },
            ),
        ),
    },
    description="RFC 9457 problem details; further members may be present.",
)
_REASONS = {
    "400": "The body is not JSON, or not an object.",
    "401": "No valid bearer token (see the `bearer` security scheme).",
    "403": "The token's person may not do this, or not for that person or role (the problem says why).",
    "404": "No resource with that id.",
    "409": "The command conflicts with the current state (or a retry with its key is still in flight).",
    "413": "The body is too large.",
    "431": "A header is longer than any this API reads (16 kB).",
    "422": "A field is missing, of the wrong type, or has a value that is not accepted (the problem names it).",
    "503": "The database or the views cannot answer right now; retry after `Retry-After` seconds.",
}
_UNSAFE = ("post", "put", "patch", "delete")
#: Operations that answer 404 for a query parameter or body field naming what is not there (a log position).
_NOT_FOUND_BY_QUERY = {"getLogCheckpoint", "getInclusionProof", "eraseText"}
IDEMPOTENCY_HEADER = "Idempotency-Key"


def _problem(status: str) -> OpenAPIResponse:
    headers = None
    if status == "503":
        headers = {"Retry-After": OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING), description="Seconds.")}
    return OpenAPIResponse(
        description=_REASONS[status],
        content={MEDIA_TYPE: OpenAPIMediaType(schema=Reference("#/components/schemas/Problem"))},
        headers=headers,
    )


def document_problems(app: Litestar) -> None:
    """Add the problem answers (and the idempotency header on commands) to every operation."""
    openapi = app.plugins.get(OpenAPIPlugin).provide_openapi()
    assert openapi.components is not None
    components = openapi.components.schemas = {**(openapi.components.schemas or {}), "Problem": _PROBLEM}
    strict = _bodies_refusing_unknown_fields(app)
    for path, item in (openapi.paths or {}).items():
        for method in ("get", "post", "put", "patch", "delete"):
            operation = getattr(item, method, None)
            if operation is None:
                continue
            if operation.operation_id == "health":  # it answers while the process runs; a header it cannot take is the one refusal
                operation.responses = {**(operation.responses or {}), "431": _problem("431")}
                continue
            statuses = ["400", "422", "431", "503"]
            if not ACCESS.get(operation.operation_id or "", PUBLIC).public:  # a public operation needs no token
                statuses += ["401", "403"]
            if "{" in path or operation.operation_id in _NOT_FOUND_BY_QUERY:
                statuses.append("404")
            if method in _UNSAFE:
                statuses += ["409", "413"]
                operation.parameters = [*(operation.parameters or []), _idempotency_parameter()]
            if operation.operation_id in strict:
                _refuse_additional_properties(operation, components)
            responses = dict(operation.responses or {})
            for status in statuses:
                if status == "503" and "503" in responses:
                    continue  # an operation that documents its own 503 body (readiness) keeps it
                responses[status] = _problem(status)
            responses["422"] = document(responses["422"], rules_for(operation, method, components))
            operation.responses = responses


def _idempotency_parameter() -> Parameter:
    return Parameter(
        name=IDEMPOTENCY_HEADER, param_in="header", required=False,
        schema=Schema(type=OpenAPIType.STRING, min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$"),
        description=(
            "A key the client chooses per command (a UUID is good). A retry with the same key and body gets the "
            "first answer and records nothing twice; the same key with another body is a 422."
        ),
    )


def _bodies_refusing_unknown_fields(app: Litestar) -> set[str]:
    """Operation ids whose request body is a Struct with `forbid_unknown_fields`."""
    strict = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            data = handler.parsed_fn_signature.parameters.get("data")
            config = getattr(getattr(data, "annotation", None), "__struct_config__", None)
            if config is not None and config.forbid_unknown_fields:
                strict.add(handler.operation_id)
    return strict


def _refuse_additional_properties(operation: object, components: dict) -> None:
    # The Structs refuse unknown fields with a 422; the document has to say so, or a client
    # (and Schemathesis) reads the schema as allowing them.
    body = getattr(operation, "request_body", None)
    for media in (body.content or {}).values() if body is not None else ():
        ref = getattr(media.schema, "ref", None)
        if ref and ref.startswith("#/components/schemas/") and ref.split("/")[-1] in components:
            components[ref.split("/")[-1]].additional_properties = False
        elif isinstance(media.schema, Schema):
            media.schema.additional_properties = False
