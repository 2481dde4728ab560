"""What a SCIM query asks for: `filter` (one `eq` on userName, externalId, emails.value or id, read
by scim2-filter-parser) and `attributes` / `excludedAttributes` (RFC 7644 §3.4.2)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from scim2_filter_parser.lexer import SCIMLexer
from scim2_filter_parser.parser import SCIMParser

from domain.scim_user import ENTERPRISE, USER, invalid

#: filter attribute (lower case) -> the store's column, and whether the value compares in any case
_FILTERABLE = {"username": ("user_name_key", True), "externalid": ("external_id", False),
               "emails.value": ("email_key", True), "emails": ("email_key", True), "id": ("id", False)}


def parse_filter(text: str) -> tuple[str, Any]:
    """`attr eq "value"` on userName, externalId, emails(.value) or id: (column, value)."""
    try:
        tree = SCIMParser().parse(SCIMLexer().tokenize(text))
    except Exception as exc:  # the parser raises plain exceptions of its own for any malformed text
        raise invalid("unreadable-filter", "invalidFilter", reason=str(exc)) from None
    expr, negated = tree.expr, tree.negated
    if type(expr).__name__ == "Filter" and expr.namespace is not None and not negated:
        namespace, inner = expr.namespace.attr_name, expr.expr.expr
        if type(inner).__name__ == "AttrExpr" and inner.attr_path.attr_name.lower() == "value":
            expr = inner
            attr = f"{namespace}.value"
        else:
            raise invalid("filter-not-eq", "invalidFilter")
    elif type(expr).__name__ == "AttrExpr" and not negated:
        path = expr.attr_path
        attr = path.attr_name + (f".{path.sub_attr.value}" if path.sub_attr is not None else "")
    else:
        raise invalid("filter-one-comparison", "invalidFilter")
    if expr.value.lower() != "eq":
        raise invalid("filter-operator", "invalidFilter", operator=expr.value)
    found = _FILTERABLE.get(attr.lower())
    if found is None:
        raise invalid("filter-attribute", "invalidFilter", attr=attr)
    value = expr.comp_value.value
    if not isinstance(value, str):
        raise invalid("filter-string", "invalidFilter", attr=attr)
    column, any_case = found
    if column == "id":
        try:
            return column, UUID(value)
        except ValueError:
            return column, None
    return column, value.lower() if any_case else value


def projected(res: dict[str, Any], attributes: str | None, excluded: str | None) -> dict[str, Any]:
    """`attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5), to the top-level attribute."""
    def names(text: str) -> set[str]:
        out = set()
        for item in text.split(","):
            item = item.strip()
            for urn in (ENTERPRISE, USER):
                if item.lower().startswith(urn.lower() + ":"):
                    item = ENTERPRISE if urn == ENTERPRISE else item[len(urn) + 1:]
            out.add(item.split(".")[0].lower())
        return out
    always = {"id", "schemas", "meta"}
    if attributes:
        wanted = names(attributes) | always
        return {k: v for k, v in res.items() if k.lower() in wanted}
    if excluded:
        dropped = names(excluded) - always
        return {k: v for k, v in res.items() if k.lower() not in dropped}
    return res
