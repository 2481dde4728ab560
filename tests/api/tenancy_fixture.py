"""An installation serving two municipalities, on PostgreSQL, for the tenancy tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from uuid import UUID

import psycopg
import pytest
from litestar.testing import TestClient

from ansvar.web import create_app
from infra.settings import Auth, Database, Settings, Tenancy
from infra.tenants import TenantRegistry
from infra.tokens import issue
from tests.api.client import ISSUED_AT, TEST_SECRET, TOKEN_TTL, Api
from tests.conftest import PG_URL, TEST_LOG_KEY, require_postgres
from tests.story import on

ADMIN = UUID("00000000-0000-4000-8000-00000000a11c")
SECRET_NAME = "Hemmeligt fagsystem i Aarhus"


def token(tenant: str | None = None, roles: tuple[str, ...] = ("admin", "council"), person: UUID = ADMIN,
          tenants: tuple[str, ...] = ()) -> str:
    return "Bearer " + issue(TEST_SECRET, person, roles, TOKEN_TTL, now=ISSUED_AT, tenant=tenant, tenants=tenants)


@dataclass
class Installation:
    client: TestClient
    registry: TenantRegistry
    settings: Settings

    def api(self, tenant: str, *roles: str) -> Api:
        return Api(self.client, {"Authorization": token(tenant, roles or ("admin", "council"))})


@pytest.fixture
def installation(clock) -> Iterator[Installation]:
    require_postgres()
    base = Database.from_url(PG_URL)
    national = replace(base, schema=f"nat_{uuid.uuid4().hex[:10]}")
    suffix = uuid.uuid4().hex[:6]
    settings = Settings(database=national, log_level="warning", read_wait_seconds=10.0, pool_size=3,
                        auth=Auth(secret=TEST_SECRET), log=replace(Settings().log, key=str(TEST_LOG_KEY)),
                        tenancy=Tenancy(enabled=True, open=4))
    registry = TenantRegistry(national, clock)
    registry.setup()
    slugs = [f"aarhus-{suffix}", f"koege-{suffix}"]
    for slug, name in zip(slugs, ("Aarhus Kommune", "Køge Kommune")):
        registry.add(slug, name)
    app = create_app(settings, clock=clock, configure_logging=False)
    try:
        with TestClient(app) as client:
            yield Installation(client, registry, settings)
    finally:
        with psycopg.connect(base.dsn, autocommit=True) as conn:
            for tenant in registry.list(removed=True):
                conn.execute(f'DROP SCHEMA IF EXISTS "{tenant.schema}" CASCADE')
            conn.execute(f'DROP SCHEMA IF EXISTS "{national.schema}" CASCADE')


def fill(api: Api, name: str) -> dict[str, str]:
    unit = api.org_unit(f"Forvaltning for {name}", "forvaltning")
    person = api.person(f"Ejer af {name}", unit)
    system = api.system(name, unit)
    api.assign(system, "systemejer", person, on("2024-01-01"))
    return {"unit": unit, "person": person, "system": system}
