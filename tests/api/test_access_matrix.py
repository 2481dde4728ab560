"""Every route the app serves x every kind of caller: the status says who got through.

The routes come from the running app, so a route added without an entry in api/access.py
fails here (and `create_app` refuses to start). Requests carry a body no command accepts, so
a caller who gets through meets a 4xx from validation and nothing is written.
"""

from __future__ import annotations

import re
import uuid

import pytest
from litestar import Controller, get

import api.app
from ansvar.web import create_app
from api import access
from tests.story import on

CALLERS = ("anonymous", "admin", "council", "auditor", "holder", "stranger")
EVERYONE = frozenset(CALLERS)
PERSONS = EVERYONE - {"anonymous"}
OVERSIGHT = frozenset({"council", "auditor"})
#: Who gets through, per operation: the policy written out independently of api/access.py.
#: "holder" holds a role on the system in the path and is the person in a person path.
EXPECTED: dict[str, frozenset[str]] = {
    "health": EVERYONE, "ready": EVERYONE,
    "establishOrgUnit": {"admin"}, "dissolveOrgUnit": {"admin"}, "renameOrgUnit": {"admin"}, "moveOrgUnit": {"admin"},
    "correctPerson": {"admin"},
    "registerPerson": {"admin"}, "recordDeparture": {"admin"}, "erasePersonDetails": {"admin"}, "mergePerson": {"admin"}, "eraseText": {"admin"}, "syncKitos": {"admin"},
    "listReminders": {"council", "auditor"}, "chooseDigest": PERSONS - {"auditor"},
    "listOrgUnits": PERSONS, "getOrgUnit": PERSONS, "listPeople": PERSONS, "getPerson": PERSONS, "getMe": PERSONS,
    "getResponsibilities": OVERSIGHT | {"holder"},
    "registerSystem": {"admin"}, "changeLifecycle": {"admin", "council"},
    "listSystems": PERSONS, "getSystem": PERSONS,
    "recordAssignment": {"council"}, "recordVacancy": {"council"},
    "confirmClaim": {"council"}, "rejectClaim": {"council"},
    "makeClaim": PERSONS - {"auditor"}, "attest": PERSONS - {"auditor"}, "handOver": PERSONS - {"auditor"},
    "getAccountability": OVERSIGHT | {"holder"}, "getTimeline": OVERSIGHT | {"holder"},
    "sweepAccountability": OVERSIGHT, "listResponsibilityGaps": OVERSIGHT,
    "listEvents": {"auditor"},
    "getLogCheckpoint": EVERYONE, "getLogKey": EVERYONE,  # a witness or a script fetches them without a token
    "listLogEntries": {"auditor"}, "getInclusionProof": {"auditor"}, "getConsistencyProof": {"auditor"},
    # one municipality's log where an installation serves several (here one: the path's slug is no municipality, 404)
    "getTenantLogCheckpoint": EVERYONE, "getTenantLogKey": EVERYONE,
    "listTenantLogEntries": {"auditor"}, "getTenantInclusionProof": {"auditor"}, "getTenantConsistencyProof": {"auditor"},
    "importInventory": {"admin"}, "exportRegister": OVERSIGHT, "getAuditPack": OVERSIGHT,
    "submitProposal": PERSONS - {"auditor"}, "reviseProposal": PERSONS - {"auditor"},
    "withdrawProposal": PERSONS - {"auditor"},
    "startAssessment": {"council"}, "startImplementation": {"council"}, "completeImplementation": {"council"},
    "abandonProposal": {"council"},
    "listProposals": PERSONS, "getProposal": PERSONS, "getPortfolioBalance": PERSONS, "listBenefitFollowUpsDue": PERSONS,
    "holdMeeting": {"council"}, "listMeetings": PERSONS, "getMeeting": PERSONS,
    "recordDecision": {"council"}, "listDecisions": PERSONS, "getDecision": PERSONS, "getPriorityList": PERSONS,
    "proposeDecommissioning": PERSONS - {"auditor"}, "settleArchiveDuty": {"admin", "council"},
    "endContracts": {"admin", "council"}, "signOffDecommissioning": PERSONS - {"auditor"},
    "getDecommissioning": PERSONS, "listDecommissioningsInProgress": PERSONS,
    # the web pages: public sign-in, and otherwise the rule of the API operation each shows or runs
    "uiRoot": EVERYONE, "uiLoginForm": EVERYONE, "uiLogin": EVERYONE, "uiLoginCode": EVERYONE,
    "uiOidcStart": EVERYONE, "uiOidcCallback": EVERYONE, "uiAsset": EVERYONE, "uiLogout": EVERYONE,
    "uiOverview": PERSONS, "uiGaps": OVERSIGHT, "uiAuditPackForm": OVERSIGHT, "uiAuditPack": OVERSIGHT, "uiSystems": PERSONS, "uiSystem": PERSONS,
    "uiEvidence": OVERSIGHT | {"holder"}, "uiExportRegister": OVERSIGHT, "uiExportGaps": OVERSIGHT,
    "uiExportDecisions": PERSONS, "uiMe": PERSONS, "uiPeopleSearch": PERSONS, "uiHandOverForm": PERSONS,
    "uiAttest": PERSONS - {"auditor"}, "uiHandOver": PERSONS - {"auditor"}, "uiClaim": PERSONS - {"auditor"},
    "uiProposals": PERSONS, "uiProposal": PERSONS, "uiDecisions": PERSONS, "uiDecision": PERSONS,
    "uiDecisionForm": {"council"}, "uiRecordDecision": {"council"},
    "uiProposalForm": PERSONS, "uiProposalRevisionForm": PERSONS, "uiMeetings": PERSONS, "uiMeeting": PERSONS,
    "uiSubmitProposal": PERSONS - {"auditor"}, "uiReviseProposal": PERSONS - {"auditor"},
    "uiWithdrawProposal": PERSONS - {"auditor"},
    **{op: {"council"} for op in ("uiStartAssessment", "uiStartImplementation", "uiCompleteImplementation",
                                  "uiAbandonProposal", "uiMeetingForm", "uiHoldMeeting")},
    **{op: {"admin"} for op in ("uiImportForm", "uiImport", "uiImportApply", "uiPeople", "uiPerson", "uiRegisterPerson",
                                "uiCorrectPerson", "uiRecordDeparture", "uiErasePerson", "uiIssueSignInLink", "uiOrg", "uiDuplicates", "uiMergePerson",
                                "uiOrgUnit", "uiEstablishOrgUnit", "uiRenameOrgUnit", "uiMoveOrgUnit", "uiDissolveOrgUnit")},
    # provisioning: a SCIM credential only, no person's token (401: it is not a credential there)
    **{op: frozenset() for op in ("scimServiceProviderConfig", "scimResourceTypes", "scimResourceType", "scimSchemas",
                                  "scimSchema", "scimListUsers", "scimSearchUsers", "scimSearch", "scimCreateUser",
                                  "scimGetUser", "scimReplaceUser", "scimPatchUser", "scimDeleteUser", "scimUnknown")},
    # a hand-over offer is answered by its recipient and withdrawn by its maker (the command says 403 to others)
    "acceptHandover": PERSONS - {"auditor"}, "refuseHandover": PERSONS - {"auditor"},
    "withdrawHandover": PERSONS - {"auditor"}, "uiAcceptHandover": PERSONS - {"auditor"},
    "uiRefuseHandover": PERSONS - {"auditor"}, "uiWithdrawHandover": PERSONS - {"auditor"},
}
SCIM_ONLY = {op for op in EXPECTED if op.startswith("scim")}
PUBLIC_OPERATIONS = {op for op, who in EXPECTED.items() if who == EVERYONE}
NOT_A_BODY = {"field_no_command_has": True}


@pytest.fixture
def world(api):
    kommune = api.org_unit("Testkommune", "kommune")
    unit = api.org_unit("IT", "afdeling", kommune)
    holder, stranger = api.person("Hanne Holder", unit), api.person("Søren Stranger", unit)
    system = api.system("Lønsystem", unit)
    api.assign(system, "systemejer", holder, on("2024-01-01"))
    claim = api.as_person(stranger).post(f"/systems/{system}/claims", {
        "role": "dataejer", "person_id": stranger, "statement": "the payroll data is ours",
    })["claim_id"]
    values = {"system_id": system, "claim_id": claim, "org_unit_id": unit, "person_id": holder}
    callers = {
        "anonymous": None,
        "admin": api.as_person(uuid.uuid4(), "admin"),
        "council": api.as_person(uuid.uuid4(), "council"),
        "auditor": api.as_person(uuid.uuid4(), "auditor"),
        "holder": api.as_person(holder),
        "stranger": api.as_person(stranger),
    }
    return values, callers


def concrete(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+):\w+\}", lambda m: str(values.get(m.group(1), uuid.uuid4())), path)


def call(api, caller, method: str, path: str):
    headers = {"Authorization": ""} if caller is None else caller.headers
    params = {"after": api.position} if method == "GET" else None
    body = None if method == "GET" else NOT_A_BODY
    return api.client.request(method, path, json=body, params=params, headers=headers, follow_redirects=False)


def test_every_route_answers_every_caller_as_its_rule_says(api, world):
    values, callers = world
    app = api.client.app
    wrong = []
    for method, template, handler in access.routes(app):
        assert handler.operation_id in EXPECTED, f"{method} {template}: add {handler.operation_id!r} to EXPECTED"
        path = concrete(template, values)
        for name in CALLERS:
            if name in EXPECTED[handler.operation_id]:
                expected = "through"
            else:
                expected = "401" if name == "anonymous" or handler.operation_id in SCIM_ONLY else "403"
            response = call(api, callers[name], method, path)
            status = response.status_code
            if status == 303 and "/ui/login?next=" in response.headers.get("location", ""):
                status = 401  # a page sends someone not signed in to the sign-in page
            got = "through" if status not in (401, 403) and status < 500 else str(status)
            if got != expected:
                wrong.append(f"{method} {template} as {name}: {status}, expected {expected}")
    assert not wrong, "\n".join(wrong)


def test_an_auditor_writes_nothing_whatever_else_their_token_says(api, world):
    values, _ = world
    auditor = api.as_person(uuid.uuid4(), "auditor", "admin", "council")
    writes = [(m, p) for m, p, h in access.routes(api.client.app)
              if m not in ("GET", "HEAD") and h.operation_id not in PUBLIC_OPERATIONS | SCIM_ONLY]
    assert writes
    for method, template in writes:
        response = call(api, auditor, method, concrete(template, values))
        assert response.status_code == 403, f"{method} {template}: {response.status_code}"


def test_without_a_token_only_health_ready_the_log_head_and_the_api_documents_answer(api):
    for method, template, handler in access.routes(api.client.app):
        response = call(api, None, method, concrete(template, {}))
        if handler.operation_id in ("health", "ready", "getLogCheckpoint", "getLogKey"):
            assert response.status_code == 200, template
        elif handler.operation_id in PUBLIC_OPERATIONS:
            assert response.status_code < 500, template  # the pages' sign-in
        elif handler.operation_id in SCIM_ONLY:
            assert response.status_code == 401 and response.headers["content-type"].startswith("application/scim+json")
        elif template.startswith("/ui"):
            assert response.status_code == 303 and "/ui/login?next=" in response.headers["location"], template
        else:
            assert response.status_code == 401, f"{method} {template}: {response.status_code}"
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.headers["x-request-id"] == response.json()["request_id"]
    for path in ("/schema/openapi.json", "/schema/swagger", "/schema"):
        assert api.client.get(path, headers={"Authorization": ""}).status_code == 200, path


def test_a_route_without_an_entry_in_the_table_stops_the_app_from_starting(settings, monkeypatch):
    class Newcomer(Controller):
        path = "/newcomers"

        @get("/", operation_id="listNewcomers")
        async def newcomers(self) -> list[str]:
            return []

    monkeypatch.setattr(api.app, "CONTROLLERS", [*api.app.CONTROLLERS, Newcomer])
    with pytest.raises(RuntimeError, match="listNewcomers"):
        create_app(settings, configure_logging=False)


def test_the_openapi_document_declares_the_bearer_scheme_and_the_public_operations(api):
    schema = api.client.get("/schema/openapi.json").json()
    scheme = schema["components"]["securitySchemes"]["bearer"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer" and scheme["bearerFormat"] == "JWT"
    assert schema["security"] == [{"bearer": []}]
    assert schema["paths"]["/health"]["get"]["security"] == [{}]
    assert "security" not in schema["paths"]["/systems"]["get"]


def test_every_entry_in_the_table_names_a_route_the_app_serves(api):
    served = {h.operation_id for _, _, h in access.routes(api.client.app)}
    assert set(access.ACCESS) - served == set(), "entries for routes that do not exist: remove them or add the route"
    assert set(EXPECTED) - served == set()
