"""A SCIM refusal's `detail` in English (domain/scim_user.py's ScimError: a code and its
parameters), for the identity provider's logs: the one place these sentences live."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog

from domain.scim_user import ScimError

log = structlog.get_logger(__name__)

_ONLY_EQ = "only 'attribute eq value' filters are supported"

SENTENCES: dict[str, str] = {
    # the User and its attributes
    "body-not-user": "the body must be a JSON object (a SCIM User)",
    "body-not-json": "the body is not JSON",
    "user-name-missing": "userName is required and must be a non-empty string",
    "user-name-too-long": "userName is longer than {limit} characters",
    "user-name-removed": "userName is required and cannot be removed",
    "email-without-value": "every emails entry needs a value",
    "not-a-boolean": "{where} must be a boolean, not {given}",
    "not-a-string": "{where} must be a string, not {given}",
    "not-an-object": "{where} must be an object",
    "user-not-found": "no User with id {id!r}",
    "user-name-taken": "a User with userName {user_name!r} exists already",
    "version-mismatch": "the User is at version {version}, not {if_match}",
    "not-a-version": "If-Match {tag!r} is not a version of this User",
    "no-such-department": "no org unit named {department!r} (as far as the views know)",
    "no-org-unit-at-all": "there is no org unit to place people in: establish the kommune first",
    # PATCH
    "body-not-patch": "the body must be a JSON object (a PatchOp)",
    "operations-missing": "Operations must be a non-empty list",
    "operation-not-object": "each operation must be an object",
    "unknown-op": "op must be add, replace or remove, not {given}",
    "path-not-string": "path must be a string",
    "remove-without-path": "remove needs a path",
    "op-without-value": "{op} needs a value",
    "op-value-not-object": "{op} without a path needs an object as its value",
    "path-names-schema": "path {path!r} names a schema, not an attribute",
    "path-names-nothing": "path {path!r} names no attribute of a User",
    "filter-needs-sub": "path {path!r}: a filter needs a multi-valued attribute and a sub-attribute",
    "only-eq-filters": "path {path!r}: " + _ONLY_EQ,
    "no-sub-attributes": "path {path!r}: {attr} has no sub-attributes",
    "no-such-sub-attribute": "path {path!r} names no such sub-attribute",
    # searching and the service's own resources
    "body-not-search": "the body must be a SearchRequest object",
    "wrong-type": "{name} has the wrong type",
    "not-an-integer": "{name} must be an integer, not {given!r}",
    "no-resource-type": "no resource type {name!r}",
    "no-schema": "no schema {urn!r}",
    "not-served": "{path} is not served here: only Users (no Groups, Bulk or /Me)",
    "unreadable-filter": "the filter cannot be read: {reason}",
    "filter-not-eq": 'only attr eq "value" filters are supported',
    "filter-one-comparison": 'only one attr eq "value" comparison is supported (no and/or/not)',
    "filter-operator": "the {operator} operator is not supported; use eq",
    "filter-attribute": "filtering on {attr} is not supported (userName, externalId, emails.value, id)",
    "filter-string": "{attr} compares with a string",
}


def render(code: str, params: Mapping[str, Any]) -> str:
    """The sentence for `code`; KeyError for a code without one or a parameter it lacks."""
    sentence = SENTENCES[code]
    if code == "not-an-object" and params.get("given") is not None:
        sentence += ", not {given}"
    return sentence.format_map(params)


def scim_detail(error: ScimError) -> str:
    try:
        return render(error.code, error.params)
    except (KeyError, IndexError, ValueError):
        log.warning("a SCIM refusal's code has no English sentence", code=error.code)
        return error.code
