"""The rules a request is held to that a JSON Schema cannot state, documented on each operation.

A request can be well formed and still refused with a 422: an id that names nothing, `after` past
the end of the log, a cursor this API did not hand out, an `Idempotency-Key` sent before with another
body, a rule between two fields. Each operation's 422 answer lists its rules in words and, as
`x-rules`, as the problem `type` and the `field` each names, so that a client (and the Schemathesis
run in tests/fault) can tell a documented refusal from a disagreement between document and server.
Anything else a well-formed request is refused for is a limit the document must state
(api/openapi_constraints.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar.openapi.spec import OpenAPIResponse, Schema

#: (problem slug, field, the rule in words); the field is what the problem names in `field`.
Rule = tuple[str, str, str]

AFTER: Rule = ("invalid-value", "after", "`after` must not be past the end of the log (a position this server recorded)")
CURSOR: Rule = ("invalid-value", "cursor", "`cursor` must be a `next_cursor` this API handed out")
KNOWN_AT: Rule = ("invalid-value", "known_at", "`known_at` must be a real time or day (no month 13), within the calendar")
REUSED_KEY: Rule = ("idempotency-key-reused", "Idempotency-Key",
                    "an `Idempotency-Key` sent before with another body or to another operation is refused")
PERIOD: Rule = ("invalid-period", "effective_to", "`effective_to` must be after `effective_from`")

#: Body fields naming an org unit, which may be dissolved, or a person, who may have left (domain/commands.py).
UNITS = {"org_unit_id", "parent_id"}
PEOPLE = {"person_id", "to_person_id", "proposer_id", "responsible_id", "operations_owner_id", "confirmed_claim_id"}

#: Rules between fields, or about what exists, that only the operation knows.
BY_OPERATION: dict[str, list[Rule]] = {
    "recordDecision": [
        ("invalid-value", "decided_by", "a decision is made by a meeting (`meeting_id`) or by named people (`decided_by`)"),
        ("invalid-value", "rationale", "a decision needs its rationale"),
        ("invalid-value", "subjects", "the subjects fit the kind (a decommissioning is about one system, an approval "
                                      "or a prioritisation about proposals only), none twice"),
        ("invalid-value", "responsible_id", "a decommission decision names who carries it out"),
        ("invalid-value", "period_from", "a prioritisation is for a period: `period_from` is required"),
        ("invalid-value", "period_to", "`period_to` must be after `period_from`"),
        ("invalid-value", "priorities", "only a prioritisation has priorities; they rank each proposal once, 1, 2, ... n"),
        ("invalid-value", "confirmed_claim_id", "an ownership ruling confirms one claim"),
        ("invalid-value", "operations_owner_id", "only an approval names who takes a system into operation"),
    ],
    "holdMeeting": [("invalid-value", "agenda", "`agenda` lists each proposal once")],
    "getConsistencyProof": [("invalid-value", "from", "`from` must not be larger than `to` (or the tree now)"),
                            ("invalid-value", "to", "`to` must not be larger than the log")],
    "getInclusionProof": [("invalid-value", "tree_size", "`tree_size` must not be larger than the log, nor below `position`")],
    "listDecisions": [("invalid-value", "decided_to", "`decided_to` must not be before `decided_from`")],
    "importInventory": [
        ("unreadable-spreadsheet", "file", "`file` must be CSV text or an XLSX workbook"),
        ("no-recognisable-header", "file", "`file` must have a header row naming the system column and two more"),
        ("invalid-value", "mapping", "`mapping` must be a JSON object of column names"),
        ("invalid-field", "file", "`file` is a file part: its Content-Disposition names a filename"),
        ("invalid-field", "mapping", "`mapping` is a file part: its Content-Disposition names a filename"),
    ],
    "syncKitos": [
        ("invalid-value", "roles", "`roles` maps KITOS role names to ansvar roles"),
        ("invalid-value", "ANSVAR_KITOS_URL", "the server must be configured for KITOS (ANSVAR_KITOS_URL and account)"),
    ],
    "eraseText": [("invalid-value", "position", "the event at `position` must hold an erasable text in that `field`")],
    "getAuditPack": [("invalid-value", "from", "`from` must not be after `at`: the period runs up to the balance date")],
    "establishOrgUnit": [("invalid-value", "parent_id", "a unit sits under a parent of a higher level (a forvaltning"
                                                        " under a kommune, an afdeling under a forvaltning, ...)")],
    "moveOrgUnit": [("invalid-value", "parent_id", "the new parent is of a higher level than the unit")],
    "correctPerson": [
        ("invalid-value", "name", "give at least one of `name`, `email`, `title` and `org_unit_id` to correct"),
    ],
    "mergePerson": [("invalid-value", "into", "`into` names another person than the one merged")],
    "completeImplementation": [
        ("invalid-value", "system_id", "give either `system_id` (an existing system) or `system` (a new one)"),
    ],
}


@dataclass
class RefusalResponse(OpenAPIResponse):
    """A 422 answer that also lists its rules as `x-rules` (an OpenAPI specification extension)."""

    rules: list[dict[str, str]] | None = field(default=None, metadata={"alias": "x-rules"})


def rules_for(operation: Any, method: str, components: dict[str, Any]) -> list[Rule]:
    """The operation's rules: those its parameters and body imply, and those it has of its own."""
    rules: list[Rule] = []
    names = {p.name for p in operation.parameters or []}
    rules += [rule for name, rule in (("after", AFTER), ("cursor", CURSOR), ("known_at", KNOWN_AT)) if name in names]
    if method in ("post", "put", "patch", "delete"):
        rules.append(REUSED_KEY)
        rules += [("org-unit-dissolved", name, f"the org unit `{name}` names must not be dissolved")
                  for name in sorted(names & UNITS)]
    body = _body_properties(operation, components)
    for name, schema in body.items():
        if _is_reference(schema, components):
            rules.append(("unknown-reference", name, f"`{name}` must name one that exists"))
            if name in UNITS:
                rules.append(("org-unit-dissolved", name, f"`{name}` must name an org unit not dissolved"))
            elif name in PEOPLE:
                rules.append(("person-departed", name, f"`{name}` must name a person who has not left"))
    if {"effective_from", "effective_to"} <= set(body):
        rules.append(PERIOD)
    return rules + BY_OPERATION.get(operation.operation_id or "", [])


def document(response: OpenAPIResponse, rules: list[Rule]) -> RefusalResponse:
    words = "; ".join(text for _, _, text in rules)
    description = f"{response.description} Rules the schema cannot state: {words}." if rules else response.description
    return RefusalResponse(
        description=description, headers=response.headers, content=response.content, links=response.links,
        rules=[{"type": f"/problems/{slug}", "field": name, "rule": text} for slug, name, text in rules] or None,
    )


def _body_properties(operation: Any, components: dict[str, Any]) -> dict[str, Any]:
    body = getattr(operation, "request_body", None)
    for media in (body.content or {}).values() if body is not None else ():
        schema = _resolve(media.schema, components)
        if isinstance(schema, Schema):
            return dict(schema.properties or {})
    return {}


def _resolve(schema: Any, components: dict[str, Any]) -> Any:
    ref = getattr(schema, "ref", None)
    return components.get(ref.split("/")[-1]) if ref else schema


def _is_reference(schema: Any, components: dict[str, Any]) -> bool:
    """A uuid, a list of uuids, or an optional one: an id the command looks up."""
    schema = _resolve(schema, components)
    if not isinstance(schema, Schema):
        return False
    for branch in schema.one_of or [schema]:
        branch = _resolve(branch, components)
        if isinstance(branch, Schema) and (branch.format == "uuid" or _is_reference(branch.items, components)):
            return True
    return False
