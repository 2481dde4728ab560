from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from api.app import create_app
from infra.settings import Settings
from tests.api.client import Api


@pytest.fixture
def api(settings: Settings, today) -> Iterator[Api]:
    app = create_app(settings, today=lambda: today, configure_logging=False)
    with TestClient(app) as client:
        yield Api(client)
