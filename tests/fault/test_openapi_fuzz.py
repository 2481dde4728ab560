"""Schemathesis against the OpenAPI document, in-process on the ASGI app (no network), with its checks:
no 5xx, answers as documented (status, content type, headers, body schema), schema-valid requests
accepted and schema-invalid ones refused.

Half the schema-valid requests get their ids swapped for ones that exist (a seeded org unit, person,
system and claim), so the fuzzing reaches the domain and the views, not only the 404s. A schema-valid
request may still meet a rule no schema can state (an id that names nothing, `after` past the end of
the log): the document lists those rules per operation (`x-rules` on its 422, api/openapi_rules.py),
Schemathesis is told that such an operation may answer 422, and `refusal_is_a_documented_rule` holds
every such 422 to one of the operation's listed rules. Anything else refused is a disagreement.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import ignored_auth, negative_data_rejection

from ansvar.web import create_app
from infra.settings import Auth, LogSigning, Settings
from tests.api.client import TEST_SECRET, bearer
from tests.conftest import TEST_LOG_KEY, drop_schema, make_database
from tests.story import on

ID_FIELDS = {"org_unit_id", "parent_id", "person_id", "system_id", "claim_id", "decision_id"}
AUDITOR = "00000000-0000-4000-8000-0000000a0d17"
POSITIVE_ANSWERS = ["2xx", "3xx", "401", "403", "404", "409", "429"]  # Schemathesis's, but a 5xx is a failure here


def document_of(app) -> dict:
    return schemathesis.openapi.from_asgi("/schema/openapi.json", app).raw_schema


def operations(document: dict):
    for item in document["paths"].values():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield operation


def told(document: dict) -> SchemathesisConfig:
    """Schemathesis's configuration: an operation that documents rules may refuse valid data with 422."""
    ruled = [op["operationId"] for op in operations(document) if op["responses"].get("422", {}).get("x-rules")]
    return SchemathesisConfig.from_dict({"operations": [{
        "include-operation-id": ruled,
        "checks": {"positive_data_acceptance": {"expected-statuses": [*POSITIVE_ANSWERS, "422"]}},
    }], "checks": {"positive_data_acceptance": {"expected-statuses": POSITIVE_ANSWERS}}})


class UndocumentedRefusal(Failure):
    kind_title = "Schema-valid request refused by an undocumented rule"

    def __init__(self, operation: str, status: int, problem: dict) -> None:
        super().__init__(
            operation=operation,
            message=f"{status} {problem.get('type')} naming {problem.get('field')!r}: {problem.get('detail')}\n"
                    "Either the document must state the limit (api/openapi_constraints.py) or list the rule "
                    "(api/openapi_rules.py).",
        )


def refusal_is_a_documented_rule(ctx, response, case) -> bool | None:
    """A schema-valid request answered 422 meets one of the rules its operation lists."""
    meta = case.meta
    if response.status_code != 422 or meta is None or not meta.generation.mode.is_positive:
        return None
    problem = response.json()
    listed = case.operation.definition.raw["responses"]["422"].get("x-rules") or []
    if not any(rule["type"] == problem.get("type") and rule["field"] == problem.get("field") for rule in listed):
        raise UndocumentedRefusal(case.operation.label, response.status_code, problem)
    return None


@pytest.fixture(params=["sqlite", "postgres"])
def web_schema(request, tmp_path, clock):
    db = make_database(request.param, tmp_path)
    # Views given time to catch up on a loaded machine: a 503 "views behind" on a first call was a flake.
    app = create_app(Settings(database=db, log_level="error", read_wait_seconds=10.0, auth=Auth(secret=TEST_SECRET),
                              log=LogSigning(key=str(TEST_LOG_KEY))),
                     clock=clock, configure_logging=False)
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app, config=told(schema.raw_schema))
    yield schema, seed(schema)
    asgi.shutdown_lifespans()
    if db.kind == "postgres":
        drop_schema(db)


def seed(schema) -> dict[str, str]:
    client = asgi.get_client(schema.app)
    with client:
        def post(path, body, as_person=None):
            response = client.post(path, json=body, headers={"Authorization": bearer(*([as_person] if as_person else []))})
            assert response.status_code == 201, response.text
            return response.json()

        unit = post("/org-units", {"name": "Kommune", "level": "kommune"})["id"]
        person = post("/people", {"name": "Ejer", "org_unit_id": unit})["id"]
        system = post("/systems", {"name": "ESDH", "org_unit_id": unit, "criticality": "critical",
                                   "personal_data": True, "lifecycle": "in_operation", "lifecycle_from": on("2020-01-01")})["id"]
        post(f"/systems/{system}/assignments", {"role": "systemejer", "person_id": person, "effective_from": on("2021-01-01")})
        claim = post(f"/systems/{system}/claims", {"role": "dataejer", "person_id": person, "statement": "mine"}, person)["claim_id"]
    return {"org_unit_id": unit, "parent_id": unit, "person_id": person, "system_id": system, "claim_id": claim}


def with_known_ids(case, known: dict[str, str]):
    for name in ID_FIELDS & set(case.path_parameters or {}):
        if name in known:
            case.path_parameters[name] = known[name]
    if isinstance(case.body, dict):
        for name in ID_FIELDS & set(case.body):
            if name in known and isinstance(case.body[name], str):
                case.body[name] = known[name]
    return case


def unsound(case) -> list:
    """negative_data_rejection where it cannot be sound: a query, path or header value is text on the
    wire, so a schema-invalid one (the integer 1 made the string "1") often arrives as a valid one.
    A body keeps its JSON types, and is held to it."""
    negative = {getattr(where, "value", where) for where, info in (case.meta.components if case.meta else {}).items()
                if not info.mode.is_positive}
    return [] if "body" in negative else [negative_data_rejection]


def cases_for(operation, known: dict[str, str]):
    positive = st.tuples(operation.as_strategy(), st.booleans()).map(
        lambda pair: with_known_ids(pair[0], known) if pair[1] else pair[0]
    )
    try:  # an operation with nothing to get wrong has no schema-invalid requests
        return st.one_of(positive, operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    except Exception:  # noqa: BLE001 (Schemathesis says so by raising)
        return positive


def fuzz(schema, known: dict[str, str], examples: int, derandomize: bool) -> list[str]:
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        # Every role: an admin and council member, an auditor, and the owner of the seeded system.
        roles = st.sampled_from([bearer(), bearer(AUDITOR, ("auditor",)), bearer(known["person_id"], ())])

        @given(case=cases_for(operation, known), token=roles)
        @hsettings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                   derandomize=derandomize)
        def check(case, token):
            # Every check but "ignored auth": the access rules have their own matrix test (every route x
            # every caller, no token included), and it replays with the explicitly passed header still on,
            # so it reports 201s falsely. A role may be refused (403), which positive_data_acceptance allows.
            case.call_and_validate(headers={"Authorization": token}, excluded_checks=[ignored_auth, *unsound(case)],
                                   additional_checks=[refusal_is_a_documented_rule])

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis reports a FailureGroup
            failures.append(f"{operation.label}: {exc}")
    return failures


@pytest.mark.slow  # Schemathesis over every operation, 30 requests each, on both backends
def test_no_input_gets_a_5xx_and_every_answer_and_refusal_is_as_documented(web_schema):
    schema, known = web_schema
    failures = fuzz(schema, known, examples=30, derandomize=False)
    assert not failures, "\n\n".join(failures)


def test_a_few_requests_per_operation_agree_with_the_document(tmp_path, clock):
    """The fast lane's variant: SQLite, two requests per operation, the same every run."""
    db = make_database("sqlite", tmp_path)
    # Views given time to catch up on a loaded machine: a 503 "views behind" on a first call was a flake.
    app = create_app(Settings(database=db, log_level="error", read_wait_seconds=10.0, auth=Auth(secret=TEST_SECRET),
                              log=LogSigning(key=str(TEST_LOG_KEY))), clock=clock, configure_logging=False)
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app, config=told(document_of(app)))
    try:
        failures = fuzz(schema, seed(schema), examples=2, derandomize=True)
    finally:
        asgi.shutdown_lifespans()
    assert not failures, "\n\n".join(failures)
