"""Every 403 of the access guard says, in English, which role the operation needs: from the rule in
api/access.py, never from a handler's docstring (a sync handler's is anyio's thread-pool wrapper's)."""

from __future__ import annotations

import re
import uuid

from api import access
from tests.conftest import one_backend

#: Words from a library's docstring that once made up a refusal.
LIBRARY_WORDS = ("thread pool", "callable", "anyio", "run_sync", "wrap a given")
NEEDED = {"admin": "an admin", "council": "a council member", "auditor": "an auditor"}


def every_operation(api) -> list[tuple[str, str, str]]:
    document = api.client.get("/schema/openapi.json").json()
    return [(op["operationId"], method.upper(), re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path))
            for path, item in document["paths"].items() for method, op in item.items()
            if isinstance(op, dict) and "operationId" in op]


def refused(api, method: str, path: str, *roles: str) -> dict | None:
    response = api.client.request(method, path, headers=api.as_person(uuid.uuid4(), *roles).headers, json={})
    if response.status_code != 403:
        return None
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


@one_backend
def test_every_operation_refused_for_want_of_a_role_names_the_role_it_needs_and_quotes_no_library(api):
    seen = set()
    for operation, method, path in every_operation(api):
        rule = access.ACCESS[operation]
        callers = [()] if not rule.public and rule.check is not access._always else []  # a person without a role
        if method not in ("GET", "HEAD") and not rule.public:
            callers.append(("auditor",))  # an auditor's token writes nothing
        for roles in callers:
            problem = refused(api, method, path, *roles)
            assert problem is not None, (operation, roles)
            detail = problem["detail"]
            assert problem["type"] == "/problems/forbidden"
            assert f"{method} {path} is for {rule.who}" in detail, (operation, detail)
            if roles == ():
                assert all(NEEDED[str(r)] in detail for r in rule.roles), (operation, detail)
            assert not any(word in detail.lower() for word in LIBRARY_WORDS), (operation, detail)
            seen.add((operation, roles))
    assert ("recordVacancy", ()) in seen and ("registerPerson", ()) in seen and ("holdMeeting", ()) in seen
    assert ("listLogEntries", ()) in seen and ("recordVacancy", ("auditor",)) in seen
    assert len(seen) >= 40


@one_backend
def test_the_probes_routes_say_council_or_admin_not_a_thread_pool(api):
    system = str(uuid.uuid4())
    vacancy = refused(api, "POST", f"/systems/{system}/vacancies")["detail"]
    assert vacancy.startswith(f"POST /systems/{system}/vacancies is for council.") and "ask a council member" in vacancy
    people = refused(api, "POST", "/people")["detail"]
    assert people.startswith("POST /people is for admin.") and "ask an admin" in people
    entries = refused(api, "GET", "/log/entries", "council")["detail"]
    assert "is for auditor" in entries and "act as council and owner" in entries
