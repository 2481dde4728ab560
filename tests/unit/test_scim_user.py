"""A SCIM User read and PATCHed as the identity providers send them (domain/scim_user.py): pure."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.scim_user import ENTERPRISE, ScimError, facts, patched, read_user

BASE = {"userName": "Karen.Holm@roskilde.dk", "externalId": "obj-1", "active": True,
        "name": {"givenName": "Karen", "familyName": "Holm"},
        "emails": [{"value": "karen.holm@roskilde.dk", "type": "work", "primary": True}]}


def _patch(*ops: dict) -> dict:
    return patched(read_user(BASE), {"schemas": [], "Operations": list(ops)})


@pytest.mark.parametrize("op", [
    {"op": "Replace", "path": "active", "value": "False"},
    {"op": "replace", "path": "active", "value": False},
    {"op": "Replace", "value": {"active": "false"}},
    {"op": "Add", "path": "ACTIVE", "value": "FALSE"},
    {"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:active", "value": "False"},
])
def test_every_spelling_of_deactivation_makes_the_user_inactive(op):
    assert facts(_patch(op)).active is False


def test_the_name_and_e_mail_taken_from_a_user():
    user = facts(read_user({**BASE, "displayName": None}))
    assert (user.name, user.email, user.external_id) == ("Karen Holm", "karen.holm@roskilde.dk", "obj-1")
    assert facts(read_user({"userName": "bo@x.dk"})).email == "bo@x.dk"  # an address as userName


def test_entra_ids_filtered_paths_and_the_enterprise_extension():
    attrs = _patch({"op": "Add", "path": 'emails[type eq "home"].value', "value": "k@home.dk"},
                   {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Teknik"},
                   {"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": {"value": "m-1"}})
    assert {e["value"] for e in attrs["emails"]} == {"karen.holm@roskilde.dk", "k@home.dk"}
    assert attrs[ENTERPRISE] == {"department": "Teknik", "manager": {"value": "m-1"}}
    assert facts(attrs).department == "Teknik" and facts(attrs).manager == "m-1"
    removed = patched(attrs, {"Operations": [{"op": "remove", "path": 'emails[type eq "home"]'}]})
    assert [e["value"] for e in removed["emails"]] == ["karen.holm@roskilde.dk"]


def test_a_failing_operation_leaves_the_user_as_it_was():
    before = read_user(BASE)
    with pytest.raises(ScimError) as refused:
        patched(before, {"Operations": [{"op": "Replace", "path": "active", "value": "False"},
                                        {"op": "Replace", "path": "title", "value": ["x", "y"]}]})
    assert refused.value.status == 400 and before == read_user(BASE)


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=12))
def test_any_json_as_a_patch_is_applied_or_refused_with_a_scim_error(body):
    for candidate in (body, {"Operations": body}, {"Operations": [body]}):
        try:
            result = patched(read_user(BASE), candidate)
        except ScimError as exc:
            assert exc.status == 400 and exc.scim_type
        else:
            assert isinstance(result["userName"], str) and result["userName"]
