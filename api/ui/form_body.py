"""A form as the API request's JSON body, by the request type's own shape.

A field's name is its JSON path: `title`; `benefits.text` for an object's field; a list of values
repeats the name (`purposes`, `attendee_ids`); a list of objects numbers its items
(`priorities[0].proposal_id`, `priorities[0].rank`). An empty field is a field not given (its
default, or the API's "required" refusal), and an item that carries only one of the several
fields its type requires is a row the person left blank (a proposal not ranked, a box not
ticked) and is left out. The body is then converted by `convert`, so a form is refused by field
exactly as the API refuses the same JSON.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from msgspec import inspect as mi

from domain.errors import InvalidValue

_STEP = re.compile(r"^([A-Za-z_]\w*)(?:\[(\d{1,3})\])?$")


def _fields(t: mi.Type) -> dict[str, mi.Field]:
    t = _plain(t)
    return {f.encode_name: f for f in t.fields} if isinstance(t, mi.StructType) else {}


def _plain(t: mi.Type) -> mi.Type:
    """The type without its `| None` (and without a description or title it is annotated with)."""
    if isinstance(t, mi.Metadata):
        return _plain(t.type)
    if isinstance(t, mi.UnionType):
        rest = [x for x in t.types if not isinstance(x, mi.NoneType)]
        return rest[0] if len(rest) == 1 else t
    return t


def _is_list(t: mi.Type) -> bool:
    return isinstance(_plain(t), (mi.ListType, mi.SetType, mi.FrozenSetType, mi.VarTupleType))


def _item(t: mi.Type) -> mi.Type:
    return _plain(t).item_type  # type: ignore[attr-defined, no-any-return]


def body_of(pairs: list[tuple[str, str]], type_: type, skip: tuple[str, ...] = ("csrf_token",)) -> dict[str, Any]:
    """The JSON body the form's (name, value) pairs make for the API's request type `type_`.
    Names the type does not know are kept as given, so that the conversion refuses them by name."""
    root = mi.type_info(type_)
    pairs = _numbered(pairs, root)
    body: dict[str, Any] = {}
    numbered: dict[tuple[int, str], tuple[dict[str, Any], str, mi.Type]] = {}
    for name, raw in pairs:
        value = raw.strip()
        if name in skip or not value:
            continue
        here, t, steps = body, root, name.split(".")
        for depth, step in enumerate(steps):
            match = _STEP.match(step)
            known = _fields(t).get(match.group(1)) if match else None
            last = depth == len(steps) - 1
            if match is None or known is None:
                here[name if depth == 0 else step] = value  # unknown: refused by name on conversion
                break
            key, index, t = match.group(1), match.group(2), known.type
            if index is not None and _is_list(t):
                items = here.setdefault(key, {})
                if not isinstance(items, dict):
                    break
                numbered.setdefault((id(here), key), (here, key, t))
                here, t = items.setdefault(int(index), {}), _item(t)
                if last:
                    break
                continue
            if last:
                if _is_list(t):
                    here.setdefault(key, []).append(value)
                else:
                    here[key] = value
            else:
                here = here.setdefault(key, {})
                if not isinstance(here, dict):
                    break
    for parent, key, t in numbered.values():
        required = [f.encode_name for f in _fields(_item(t)).values() if f.required]
        rows = [parent[key][i] for i in sorted(parent[key])]
        parent[key] = [r for r in rows if not (len(required) > 1 and len(r) == 1)]
    return body


def _numbered(pairs: list[tuple[str, str]], root: mi.Type) -> list[tuple[str, str]]:
    """Items of a list of objects sent as parallel repeated names (`subjects.kind`, `subjects.id`,
    `subjects.kind`, ...) numbered by their order (`subjects[0].kind`, ...), blanks counted."""
    seen: dict[str, int] = {}
    out = []
    for name, value in pairs:
        head, _, rest = name.partition(".")
        known = _fields(root).get(head)
        if rest and known is not None and _is_list(known.type) and _fields(_item(known.type)):
            n = seen[name] = seen.get(name, -1) + 1
            name = f"{head}[{n}].{rest}"
        out.append((name, value))
    return out


def bool_of(value: str | None) -> bool | None:
    """A yes/no radio's value as the API's boolean (`true`/`false`); None when not chosen."""
    return {"true": True, "false": False}.get((value or "").strip().lower())


_NAMED = re.compile(r"(?:required field|unknown field) `([^`]+)`")
_AT = re.compile(r" - at `\$((?:\.[A-Za-z_]\w*|\[\d+\])*)`")


def convert(body: dict[str, Any], type_: type) -> Any:
    """The body as the API's request type, or InvalidValue naming the field by its path without
    item numbers (`benefits.text`, `priorities.rank`), as the form's labels name it."""
    try:
        return msgspec.convert(body, type_, strict=False)
    except msgspec.ValidationError as exc:
        text = str(exc)
        at, named = _AT.search(text), _NAMED.search(text)
        path = [p for p in re.split(r"[.\[\]]", at.group(1) if at else "") if p and not p.isdigit()]
        if named:
            path.append(named.group(1))
        raise InvalidValue("request-refused", field=".".join(path) or None, message=text) from None
