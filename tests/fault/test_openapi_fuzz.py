"""Schemathesis against the OpenAPI document, in-process on the ASGI app (no network)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings as hsettings
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.app import create_app
from infra.settings import Settings
from tests.conftest import drop_schema, make_database


@pytest.fixture(params=["sqlite", "postgres"])
def web_schema(request, tmp_path, today):
    db = make_database(request.param, tmp_path)
    app = create_app(Settings(database=db, log_level="error", read_wait_seconds=2.0), today=lambda: today, configure_logging=False)
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    yield schema
    asgi.shutdown_lifespans()
    if db.kind == "postgres":
        drop_schema(db)


def test_no_input_gets_a_5xx_and_every_answer_matches_its_schema(web_schema):
    failures = []
    for result in web_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @hsettings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            # Every check but "schema-valid data must be accepted": ids that match the schema but
            # name nothing are a 404 in the path and, by design, a 422 naming the field in a body.
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis reports a FailureGroup
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
