"""Issue 29 part 6, as an attacker would: every route of the API and of the pages, called with
another municipality's token and with ids taken from the target one, answers 403 or 404 (or
refuses the body), shows nothing of the target, and writes nothing into its log."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.app import Litestar
from litestar.routes import HTTPRoute

from tests.api.tenancy_fixture import SECRET_NAME, Installation, fill, installation, token  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PARAM = re.compile(r"\{([a-z_]+)(?::[a-z]+)?\}")
ALLOWED = {400, 401, 403, 404, 405, 409, 415, 422}


def _value(name: str, target: dict[str, str], slug: str) -> str:
    if name == "slug":
        return slug
    if "person" in name:
        return target["person"]
    if "unit" in name:
        return target["unit"]
    if name in ("position", "name"):
        return "1"
    return target["system"]  # any other id: the target's system (a wrong kind of id is a 404 too)


def _routes(app: Litestar) -> list[tuple[str, str, str]]:
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                found.append((method, route.path, handler.operation_id or handler.name or route.path))
    return found


def _body(target: dict[str, str]) -> dict[str, Any]:
    # Plausible fields naming the target's things: a command that reached the target's data would act on them.
    return {"person_id": target["person"], "org_unit_id": target["unit"], "system_id": target["system"],
            "role": "systemejer", "effective_from": "2024-01-01", "name": "Indbrud", "level": "forvaltning",
            "statement": "x", "basis": "x", "title": "x", "criticality": "high", "personal_data": False,
            "lifecycle": "in_operation", "survivor_id": target["person"], "to_person_id": target["person"]}


def _scim_secret(installation: Installation, slug: str) -> str:
    runtime = installation.client.app.state.tenants.runtime(slug)
    return runtime.extras["scim_store"].issue("idp", runtime.clock.now())[1]  # type: ignore[no-any-return]


def test_every_route_with_another_municipalitys_token_reaches_nothing_of_the_target(installation: Installation) -> None:
    target_slug, attacker_slug = (t.slug for t in installation.registry.list())
    target = fill(installation.api(target_slug), SECRET_NAME)
    fill(installation.api(attacker_slug), "Angriberens eget system")
    client = installation.client
    size_before = client.get(f"/t/{target_slug}/log/checkpoint").text.splitlines()[1]
    # Reading as every capacity at once; writing as admin and council (an auditor's token writes nothing at all).
    reader = {"Authorization": token(attacker_slug, ("admin", "council", "auditor"))}
    writer = {"Authorization": token(attacker_slug, ("admin", "council"))}
    scim = {"Authorization": f"Bearer {attacker_slug}:{_scim_secret(installation, attacker_slug)}"}
    secrets = (SECRET_NAME, f"Ejer af {SECRET_NAME}", f"Forvaltning for {SECRET_NAME}")
    tried, seen = 0, {}
    for method, path, name in _routes(client.app):
        if "{" not in path:
            continue  # no id to take from the target; the lists below show the attacker's own
        url = PARAM.sub(lambda m: _value(m.group(1), target, target_slug), path)
        headers = scim if path.startswith("/scim") else reader if method == "GET" else writer
        response = client.request(method, url, headers=headers, json=_body(target) if method != "GET" else None,
                                  follow_redirects=False)
        tried += 1
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        assert not any(s in response.text for s in secrets), f"{method} {url} ({name}) showed the target's data"
        if path.startswith("/t/{slug") and name in ("getTenantLogCheckpoint", "getTenantLogKey"):
            continue  # public by design: every municipality's checkpoint and key are for anyone to fetch
        assert response.status_code in ALLOWED, f"{method} {url} ({name}) -> {response.status_code}: {response.text[:300]}"
    for path in ("/systems", "/people", "/org-units", "/gaps", "/decisions", "/proposals", "/ui/systems", "/ui/people"):
        shown = client.get(path, headers=reader, follow_redirects=False)
        assert not any(s in shown.text for s in secrets), f"GET {path} showed the target's data"
    assert tried > 50 and seen.get(404, 0) >= 20, seen  # most ids were looked for, and not found
    assert client.get(f"/t/{target_slug}/log/checkpoint").text.splitlines()[1] == size_before  # nothing written
