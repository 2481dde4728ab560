"""A SCIM 2.0 User (RFC 7643 §4.1, with the enterprise extension of §4.3) as ansvar keeps it:
the attributes it publishes in /Schemas, read leniently (attribute names in any case, Entra ID's
string booleans) and checked strictly (a wrong type is a SCIM error, never half a change), and
PATCH (RFC 7644 §3.5.2) applied as a pure function to the stored attributes.

Pure: no HTTP, no storage. `ScimError` carries the status and `scimType` the API answers with."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

#: The attributes kept, by their canonical spelling; a dict holds the sub-attributes of a complex one.
CORE: dict[str, Any] = {
    "userName": str, "externalId": str, "displayName": str, "title": str, "active": bool,
    "name": {"formatted": str, "familyName": str, "givenName": str},
    "emails": [{"value": str, "type": str, "primary": bool}],
}
EXTENSION: dict[str, Any] = {"department": str, "manager": {"value": str, "displayName": str}}
_READ_ONLY = {"id", "meta", "schemas", "groups"}


class ScimError(Exception):
    """A refusal as the SCIM protocol answers it (status, scimType), with a code and its parameters:
    the English `detail` is made from them (infra/phrasebook/en/scim_problems.py)."""

    def __init__(self, status: int, code: str, scim_type: str | None = None, **params: object) -> None:
        super().__init__(code)
        self.status, self.code, self.scim_type, self.params = status, code, scim_type, params

    def __str__(self) -> str:
        given = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.code} ({given})" if given else self.code


def invalid(code: str, scim_type: str = "invalidValue", **params: object) -> ScimError:
    return ScimError(400, code, scim_type, **params)


@dataclass(frozen=True)
class UserFacts:
    """What ansvar takes from a User: who the person is, and whether they are still here."""

    user_name: str
    external_id: str | None
    name: str
    email: str | None
    title: str | None
    active: bool | None  # None: not given (a PUT without it leaves the person as they are)
    department: str | None
    manager: str | None


def facts(attrs: dict[str, Any]) -> UserFacts:
    name = attrs.get("name") or {}
    given = " ".join(p for p in (name.get("givenName"), name.get("familyName")) if p)
    emails = attrs.get("emails") or []
    chosen = next((e for e in emails if e.get("primary")), None) or next(
        (e for e in emails if (e.get("type") or "").lower() == "work"), None) or (emails[0] if emails else None)
    email = chosen.get("value") if chosen else None
    if email is None and "@" in attrs["userName"]:
        email = attrs["userName"]  # Entra ID's userName is the user principal name, an address
    ext = attrs.get(ENTERPRISE) or {}
    return UserFacts(
        user_name=attrs["userName"], external_id=attrs.get("externalId"),
        name=(attrs.get("displayName") or name.get("formatted") or given or attrs["userName"]).strip(),
        email=email, title=attrs.get("title"), active=attrs.get("active"),
        department=ext.get("department"), manager=(ext.get("manager") or {}).get("value"),
    )


def read_user(body: Any) -> dict[str, Any]:
    """A whole User as sent to POST or PUT: its known attributes, canonical, type-checked."""
    if not isinstance(body, dict):
        raise invalid("body-not-user", "invalidSyntax")
    attrs: dict[str, Any] = {}
    for key, value in body.items():
        if key.lower() == ENTERPRISE.lower():
            if not isinstance(value, dict):
                raise invalid("not-an-object", where=ENTERPRISE)
            ext = {k: v for k, v in ((_canonical(EXTENSION, k), v) for k, v in value.items()) if k and v is not None}
            attrs[ENTERPRISE] = {k: _typed(EXTENSION[k], v, k) for k, v in ext.items()}
            continue
        if key.lower().startswith(USER.lower() + ":"):
            key = key[len(USER) + 1:]
        canonical = _canonical(CORE, key)
        if canonical is not None and value is not None:
            attrs[canonical] = _typed(CORE[canonical], value, canonical)
    return checked(attrs)


def checked(attrs: dict[str, Any]) -> dict[str, Any]:
    user_name = attrs.get("userName")
    if not isinstance(user_name, str) or not user_name.strip():
        raise invalid("user-name-missing")
    attrs["userName"] = user_name.strip()
    if len(attrs["userName"]) > 256:
        raise invalid("user-name-too-long", limit=256)
    for email in attrs.get("emails") or []:
        if not email.get("value"):
            raise invalid("email-without-value")
    if attrs.get(ENTERPRISE) == {}:
        del attrs[ENTERPRISE]
    return attrs


def _canonical(schema: dict[str, Any], key: str) -> str | None:
    lowered = key.lower()
    return next((k for k in schema if k.lower() == lowered), None)


def _typed(kind: Any, value: Any, where: str) -> Any:
    """`value` as the attribute's type; Entra ID sends booleans as "True"/"False"."""
    if kind is bool:
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if isinstance(value, bool):
            return value
        raise invalid("not-a-boolean", where=where, given=_shown(value))
    if kind is str:
        if isinstance(value, str):
            return value
        raise invalid("not-a-string", where=where, given=_shown(value))
    if isinstance(kind, list):
        items = value if isinstance(value, list) else [value]
        return [_typed(kind[0], item, where) for item in items]
    if not isinstance(value, dict):
        raise invalid("not-an-object", where=where, given=_shown(value))
    out = {}
    for key, sub in value.items():
        canonical = _canonical(kind, key)
        if canonical is not None and sub is not None:
            out[canonical] = _typed(kind[canonical], sub, f"{where}.{canonical}")
    return out


def _shown(value: Any) -> str:
    return type(value).__name__ if isinstance(value, (dict, list)) else repr(value)[:40]


# PATCH ------------------------------------------------------------------------------------------

_PATH = re.compile(r'^(?P<attr>[A-Za-z][\w$-]*)(?:\[(?P<filter>[^\]]+)\])?(?:\.(?P<sub>[A-Za-z][\w$-]*))?$')
_VALUE_FILTER = re.compile(r'^\s*(?P<attr>\w+)\s+eq\s+(?P<value>"(?:[^"\\]|\\.)*"|true|false)\s*$', re.IGNORECASE)


def patched(attrs: dict[str, Any], body: Any) -> dict[str, Any]:
    """The User after a PatchOp, all operations or none (a copy; `attrs` is untouched)."""
    if not isinstance(body, dict):
        raise invalid("body-not-patch", "invalidSyntax")
    ops = next((v for k, v in body.items() if k.lower() == "operations"), None)
    if not isinstance(ops, list) or not ops:
        raise invalid("operations-missing", "invalidSyntax")
    result = copy.deepcopy(attrs)
    for op in ops:
        if not isinstance(op, dict):
            raise invalid("operation-not-object", "invalidSyntax")
        fields = {k.lower(): v for k, v in op.items()}
        verb = fields.get("op")
        if not isinstance(verb, str) or verb.lower() not in ("add", "replace", "remove"):
            raise invalid("unknown-op", "invalidSyntax", given=_shown(verb))
        path = fields.get("path")
        if path is not None and not isinstance(path, str):
            raise invalid("path-not-string", "invalidPath")
        if verb.lower() == "remove":
            if not path:
                raise ScimError(400, "remove-without-path", "noTarget")
            _remove(result, path)
        elif "value" not in fields:
            raise invalid("op-without-value", op=verb)
        elif not path:
            if not isinstance(fields["value"], dict):
                raise invalid("op-value-not-object", op=verb)
            for key, value in fields["value"].items():
                _set(result, key, value, verb.lower())
        else:
            _set(result, path, fields["value"], verb.lower())
    return checked(result)


def _split(path: str) -> tuple[dict[str, Any], dict[str, Any], str, str | None, str | None]:
    """(the schema, the container to change, attribute, filter, sub-attribute) of a path."""
    container_schema, key = CORE, path
    for urn, schema in ((ENTERPRISE, EXTENSION), (USER, CORE)):
        if path.lower().startswith(urn.lower() + ":"):
            container_schema, key = schema, path[len(urn) + 1:]
            break
        if path.lower() == urn.lower():
            raise invalid("path-names-schema", "invalidPath", path=path)
    match = _PATH.match(key)
    attr = _canonical(container_schema, match.group("attr")) if match else None
    if match is None or attr is None:
        raise ScimError(400, "path-names-nothing", "invalidPath", path=path)
    return container_schema, {}, attr, match.group("filter"), match.group("sub")


def _container(attrs: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    return attrs.setdefault(ENTERPRISE, {}) if schema is EXTENSION else attrs


def _set(attrs: dict[str, Any], path: str, value: Any, verb: str) -> None:
    if path.lower() == ENTERPRISE.lower():  # a value object keyed by the extension's URN
        if not isinstance(value, dict):
            raise invalid("not-an-object", where=ENTERPRISE)
        for key, sub in value.items():
            if key.lower() != "schemas":
                _set(attrs, f"{ENTERPRISE}:{key}", sub, verb)
        return
    schema, _, attr, value_filter, sub = _split(path)
    container = _container(attrs, schema)
    kind = schema[attr]
    if value_filter is not None:
        if not isinstance(kind, list) or sub is None:
            raise invalid("filter-needs-sub", "invalidPath", path=path)
        if _VALUE_FILTER.match(value_filter) is None:
            raise ScimError(400, "only-eq-filters", "invalidFilter", path=path)
        items = container.setdefault(attr, [])
        chosen = [i for i in items if _matches(i, value_filter, path)]
        if not chosen:  # Entra ID adds emails[type eq "work"].value this way
            condition = _VALUE_FILTER.match(value_filter)
            chosen = [{condition.group("attr"): _literal(condition.group("value"))}]  # type: ignore[union-attr]
            items.append(chosen[0])
        for item in chosen:
            item[_sub(kind[0], sub, path)] = _typed(kind[0][_sub(kind[0], sub, path)], value, path)
        return
    if sub is not None:
        if not isinstance(kind, dict):
            raise invalid("no-sub-attributes", "invalidPath", path=path, attr=attr)
        name = _sub(kind, sub, path)
        container.setdefault(attr, {})[name] = _typed(kind[name], value, path)
        return
    typed = _typed(kind, value, attr) if value is not None else None
    if isinstance(kind, list) and verb == "add" and typed is not None:
        container[attr] = [*(container.get(attr) or []), *typed]
    elif isinstance(kind, dict) and verb == "add" and typed is not None:
        container[attr] = {**(container.get(attr) or {}), **typed}
    elif typed is None:
        container.pop(attr, None)
    else:
        container[attr] = typed


def _remove(attrs: dict[str, Any], path: str) -> None:
    if path.lower() == ENTERPRISE.lower():
        attrs.pop(ENTERPRISE, None)
        return
    schema, _, attr, value_filter, sub = _split(path)
    if schema is CORE and attr == "userName":
        raise invalid("user-name-removed", "mutability")
    container = _container(attrs, schema)
    if value_filter is not None:
        items = container.get(attr) or []
        keep = [i for i in items if not _matches(i, value_filter, path)]
        if sub is None:
            container[attr] = keep
        else:
            for item in items:
                if item not in keep:
                    item.pop(_sub(schema[attr][0], sub, path), None)
        if not container.get(attr):
            container.pop(attr, None)
        return
    if sub is not None:
        inner = container.get(attr)
        if isinstance(inner, dict):
            inner.pop(_sub(schema[attr], sub, path), None)
            if not inner:
                container.pop(attr)
        return
    container.pop(attr, None)


def _sub(kind: Any, sub: str, path: str) -> str:
    name = _canonical(kind, sub) if isinstance(kind, dict) else None
    if name is None:
        raise ScimError(400, "no-such-sub-attribute", "invalidPath", path=path)
    return name


def _matches(item: dict[str, Any], value_filter: str, path: str) -> bool:
    condition = _VALUE_FILTER.match(value_filter)
    if condition is None:
        raise ScimError(400, "only-eq-filters", "invalidFilter", path=path)
    wanted = _literal(condition.group("value"))
    have = next((v for k, v in item.items() if k.lower() == condition.group("attr").lower()), None)
    if isinstance(wanted, str) and isinstance(have, str):
        return have.lower() == wanted.lower()
    return have == wanted


def _literal(text: str) -> Any:
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
