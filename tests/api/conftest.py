from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from litestar.testing import TestClient

from ansvar.web import create_app
from infra.settings import Auth, Settings
from tests.api.client import TEST_SECRET, Api, bearer


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The root settings, with a shared secret so the API can verify test tokens."""
    return replace(settings, auth=Auth(secret=TEST_SECRET))


@pytest.fixture
def api(settings: Settings, clock) -> Iterator[Api]:
    app = create_app(settings, clock=clock, configure_logging=False)
    with TestClient(app) as client:
        # By default every request acts as an admin and council member, so scenario tests read
        # as before; tests of access control ask for other people with `api.as_person(...)`.
        client.headers["Authorization"] = bearer()
        yield Api(client)
