"""Every limit the server enforces on a request, written into the OpenAPI document, in one place.

msgspec enforces `Meta` constraints on bodies and Litestar's `Parameter` constraints on query, path
and header parameters. Litestar's document drops every constraint whose value is zero (`ge=0`
became no minimum: `/log/checkpoint?after=-1` was schema-valid and refused) and puts the limits of
an optional value beside its `oneOf` instead of on the branch they bind. Here the limits are read
again from where they are enforced (msgspec's own JSON Schema for bodies; the handler's signature
for parameters) and set on the branch of the value they limit.
"""

from __future__ import annotations

from typing import Any

import msgspec
import msgspec.inspect as mi
from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.openapi.spec import Reference, Schema
from litestar.params import KwargDefinition

from domain.periods import EARLIEST, LATEST

#: JSON Schema keyword -> the attribute of Litestar's `Schema` that writes it.
_LIMITS = {
    "minimum": "minimum", "maximum": "maximum", "exclusiveMinimum": "exclusive_minimum",
    "exclusiveMaximum": "exclusive_maximum", "multipleOf": "multiple_of", "minLength": "min_length",
    "maxLength": "max_length", "pattern": "pattern", "minItems": "min_items", "maxItems": "max_items",
}
#: Parameter(...) keyword -> JSON Schema keyword.
_PARAMETER_LIMITS = {
    "ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum", "multiple_of": "multipleOf",
    "min_length": "minLength", "max_length": "maxLength", "pattern": "pattern", "min_items": "minItems",
    "max_items": "maxItems",
}


#: The years of domain/periods.py's range (1900 to 9998): every business date a command takes is in it.
BUSINESS_DATE = r"^(?:19[0-9]{2}|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-"
assert (EARLIEST.isoformat(), LATEST.isoformat()) == ("1900-01-01", "9998-12-31"), "BUSINESS_DATE names other years"


def document_limits(app: Litestar) -> None:
    """Write the enforced limits of every request body and parameter into the app's document."""
    openapi = app.plugins.get(OpenAPIPlugin).provide_openapi()
    components = (openapi.components.schemas if openapi.components else None) or {}
    bodies, parameters = _request_types(app)
    _, enforced = msgspec.json.schema_components(bodies, ref_template="#/components/schemas/{name}")
    strict = _refusing_unknown_fields(bodies)
    for name, schema in enforced.items():
        documented = components.get(name)
        if isinstance(documented, Schema):
            if name in strict:
                documented.additional_properties = False
            for field, limits in (schema.get("properties") or {}).items():
                target = (documented.properties or {}).get(field)
                if not isinstance(target, Schema):
                    continue
                enforced_limits = _value_branch(limits)
                if _value_branch_format(limits) == "date":  # commands refuse dates outside domain/periods.py
                    enforced_limits["pattern"] = BUSINESS_DATE
                if enforced_limits:
                    _limit(target, enforced_limits)
    for item in (openapi.paths or {}).values():
        for method in ("get", "post", "put", "patch", "delete"):
            operation = getattr(item, method, None)
            for parameter in (operation.parameters or []) if operation is not None else []:
                if isinstance(parameter.schema, Schema):
                    _limit(parameter.schema, parameters.get((operation.operation_id, parameter.param_in, parameter.name), {}))


def _refusing_unknown_fields(bodies: list[Any]) -> set[str]:
    """The names of the Structs, at any depth of a body, that refuse a field they do not have."""
    strict: set[str] = set()
    seen: set[int] = set()

    def walk(t: mi.Type) -> None:
        if id(t) in seen:
            return
        seen.add(id(t))
        if isinstance(t, mi.StructType):
            if t.forbid_unknown_fields:
                strict.add(t.cls.__name__)
            for f in t.fields:
                walk(f.type)
        for attribute in ("types", "item_type", "key_type", "value_type", "item_types"):
            inner = getattr(t, attribute, None)
            for each in inner if isinstance(inner, tuple) else [inner] if inner is not None else []:
                walk(each)

    for t in mi.multi_type_info(bodies):
        walk(t)
    return strict


def _value_branch_format(schema: dict[str, Any]) -> str | None:
    alternatives = [s for s in schema.get("anyOf", schema.get("oneOf", [])) if s.get("type") != "null"]
    return (alternatives[0] if len(alternatives) == 1 else schema).get("format")


def _request_types(app: Litestar) -> tuple[list[Any], dict[tuple[str, str, str], dict[str, Any]]]:
    """The Struct types of the request bodies, and each parameter's limits by (operation id, place, name)."""
    bodies: list[Any] = []
    parameters: dict[tuple[str, str, str], dict[str, Any]] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            signature = handler.parsed_fn_signature.parameters
            data = signature.get("data")
            if data is not None and isinstance(data.annotation, type) and issubclass(data.annotation, msgspec.Struct):
                bodies.append(data.annotation)
            for name, field in signature.items():
                kwarg = field.kwarg_definition
                if name == "data" or not isinstance(kwarg, KwargDefinition):
                    continue
                place, named = _place(kwarg, name, route.path_parameters)
                limits = _enforced_by_msgspec(field.raw)
                limits.update({_PARAMETER_LIMITS[k]: v for k in _PARAMETER_LIMITS if (v := getattr(kwarg, k, None)) is not None})
                if limits:
                    parameters[(handler.operation_id, place, named)] = limits
    return bodies, parameters


def _place(kwarg: KwargDefinition, name: str, path_parameters: Any) -> tuple[str, str]:
    if getattr(kwarg, "header", None):
        return "header", kwarg.header  # type: ignore[attr-defined]
    if getattr(kwarg, "cookie", None):
        return "cookie", kwarg.cookie  # type: ignore[attr-defined]
    if name in path_parameters:
        return "path", name
    return "query", getattr(kwarg, "query", None) or getattr(kwarg, "name", None) or name


def _enforced_by_msgspec(annotation: Any) -> dict[str, Any]:
    try:
        schema = msgspec.json.schema(annotation)
    except (TypeError, ValueError):
        return {}
    return _value_branch(schema)


def _value_branch(schema: dict[str, Any]) -> dict[str, Any]:
    """The limits of the one non-null alternative (`T | None`), or of the schema itself."""
    alternatives = [s for s in schema.get("anyOf", schema.get("oneOf", [])) if s.get("type") != "null"]
    if len(alternatives) == 1:
        schema = alternatives[0]
    limits = {k: v for k, v in schema.items() if k in _LIMITS}
    if isinstance(schema.get("items"), dict) and (items := _value_branch(schema["items"])):
        limits["items"] = items
    return limits


def _limit(schema: Schema, limits: dict[str, Any]) -> None:
    """Set `limits` on the branch of `schema` that holds a value (not its null), and take the limits
    Litestar put beside a `oneOf` onto that branch."""
    target = schema
    branches = [b for b in (schema.one_of or []) if not (isinstance(b, Schema) and b.type == "null")]
    if len(branches) == 1 and isinstance(branches[0], Schema):
        target = branches[0]
        for attribute in (*_LIMITS.values(), "enum"):
            if getattr(schema, attribute) is not None:
                if getattr(target, attribute) is None:
                    setattr(target, attribute, getattr(schema, attribute))
                setattr(schema, attribute, None)
    elif len(branches) == 1:
        return  # a reference: its component carries its own limits
    for keyword, value in limits.items():
        if keyword == "items":
            if isinstance(target.items, Schema) and not isinstance(target.items, Reference):
                _limit(target.items, value)
            continue
        setattr(target, _LIMITS[keyword], value)
