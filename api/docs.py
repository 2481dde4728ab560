"""The API's own documents, readable on an intranet without internet access.

The interactive page at /schema is Swagger UI, served from the installed `swagger-ui-py`
package (its `static` folder: Swagger UI 5, which reads OpenAPI 3.1), not from a CDN, so it is
not blank where the municipality's network stops at its edge. Every operation carries a one-line
summary from SUMMARIES, in the words of the people who use it, and its handler's docstring as
the description; an operation without a summary stops the app from starting, as an operation
without an access rule does.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from litestar import Litestar, Router
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import OpenAPIFormat, OpenAPIMediaType, OpenAPIType, Schema
from litestar.static_files import create_static_files_router

ASSETS = "assets"


def _swagger_static() -> Path:
    spec = importlib.util.find_spec("swagger_ui")  # the path only: the package's own code is not used
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the swagger-ui-py package is not installed: the API documents need its assets")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def assets_router(docs_path: str) -> Router:
    return create_static_files_router(
        path=f"{docs_path}/{ASSETS}", directories=[_swagger_static()], include_in_schema=False, name="docs-assets",
    )


def render_plugins(docs_path: str) -> list[SwaggerRenderPlugin]:
    here = f"{docs_path}/{ASSETS}"
    return [SwaggerRenderPlugin(
        path=["/", "/swagger"],
        js_url=f"{here}/swagger-ui-bundle.js",
        css_url=f"{here}/swagger-ui.css",
        standalone_preset_js_url=f"{here}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{here}/favicon-32x32.png'>",
    )]


SUMMARIES: dict[str, str] = {
    # Operations
    "health": "Is the process alive?",
    "ready": "Can it answer? The database and every view's place in the log",
    # Systems
    "registerSystem": "Register an IT system",
    "listSystems": "List and search the systems",
    "getSystem": "One system and its lifecycle",
    "changeLifecycle": "Move a system to another lifecycle state from a date",
    # Responsibility
    "getAccountability": "Who was responsible for a system on a date, as known at a time, and why",
    "getTimeline": "A system's full responsibility history: periods, facts, claims, attestations",
    "recordAssignment": "Record who holds a role on a system, and from when",
    "recordVacancy": "Record that nobody holds a role, and why",
    "makeClaim": "Claim a role on a system (it waits for an answer)",
    "confirmClaim": "Confirm a claim: the claimant becomes the holder",
    "rejectClaim": "Reject a claim, with the reason",
    "handOver": "Offer a role you hold to someone else (it moves when they accept)",
    "acceptHandover": "Accept a hand-over offered to you: the role becomes yours",
    "refuseHandover": "Decline a hand-over offered to you, saying why",
    "withdrawHandover": "Withdraw a hand-over you offered, before it is answered",
    "attest": "Re-confirm that you still hold a role",
    # Organisation and people
    "establishOrgUnit": "Add an org unit (kommune, forvaltning, afdeling, team)",
    "listOrgUnits": "List the org units",
    "getOrgUnit": "One org unit",
    "dissolveOrgUnit": "Record that an org unit is dissolved",
    "renameOrgUnit": "Give an org unit a new name",
    "moveOrgUnit": "Place an org unit under another parent",
    "registerPerson": "Register a person",
    "listPeople": "List and search people by name or e-mail",
    "getPerson": "One person",
    "correctPerson": "Correct a person's name, e-mail, title or org unit",
    "recordDeparture": "Record that a person leaves the organisation",
    "erasePersonDetails": "Erase a person's name and e-mail (GDPR art. 17)",
    "mergePerson": "Merge two records of one person into the survivor",
    "getResponsibilities": "What a person is responsible for on a date",
    "getMe": "Who you are, your roles and what you are responsible for today",
    # Audit
    "sweepAccountability": "Every system's holders on a date, as known at a time",
    "listResponsibilityGaps": "Where responsibility is unclear on a date, and why",
    "listEvents": "The event log, in order",
    # Proof
    "getLogCheckpoint": "The log's latest signed checkpoint (no token needed)",
    "getLogKey": "The key that verifies the checkpoints (no token needed)",
    "listLogEntries": "The log's leaves, from which anyone can recompute its root",
    "getInclusionProof": "Proof that an event is in the log at a checkpoint",
    "eraseText": "Erase a free text that can name a person, keeping every proof",
    "listReminders": "Reminders decided, sent, failed or undeliverable",
    "syncKitos": "Bring over what KITOS holds: a dry run, or written all or nothing",
    "chooseDigest": "Switch the weekly digest of new gaps on or off for yourself",
    "getConsistencyProof": "Proof that a later checkpoint extends an earlier one unchanged",
    "getTenantLogCheckpoint": "A municipality's latest signed checkpoint (no token needed)",
    "getTenantLogKey": "The key that verifies a municipality's checkpoints (no token needed)",
    "listTenantLogEntries": "A municipality's log's leaves (its own token)",
    "getTenantInclusionProof": "Proof that an event is in a municipality's log",
    "getTenantConsistencyProof": "Proof that a municipality's later checkpoint extends an earlier one",
    # Spreadsheets
    "importInventory": "Import an IT-system inventory (CSV or XLSX)",
    "exportRegister": "Export the register, the gap report or the decision log (CSV or XLSX)",
    "getAuditPack": "The auditor's pack for a period: workbook, PDF, evidence with inclusion proofs, verify.py",
    # Council: proposals
    "submitProposal": "Submit a proposal",
    "listProposals": "The proposal pipeline",
    "getProposal": "One proposal and its history",
    "reviseProposal": "Revise a proposal before it is decided",
    "withdrawProposal": "Withdraw your proposal before it is decided",
    "startAssessment": "Take a proposal up for assessment",
    "startImplementation": "Start implementing an approved proposal",
    "completeImplementation": "Mark a proposal implemented (registers the delivered system)",
    "abandonProposal": "Give up an approved proposal, with the reason",
    "getPortfolioBalance": "The portfolio's balance: transition against transformation",
    "listBenefitFollowUpsDue": "Implemented proposals whose benefits are due for review",
    # Council: meetings and decisions
    "holdMeeting": "Record a council meeting",
    "listMeetings": "List the council's meetings",
    "getMeeting": "One council meeting",
    "recordDecision": "Record a council decision and what it brings about",
    "listDecisions": "The council's decision log",
    "getDecision": "One decision, what it superseded and what it brought about",
    "getPriorityList": "The priority list in force on a date",
    # Decommissioning
    "proposeDecommissioning": "Propose retiring a system",
    "listDecommissioningsInProgress": "Decommissionings in progress",
    "getDecommissioning": "Where a system's decommissioning stands and what it lacks",
    "endContracts": "Record that a system's contracts have ended",
    "settleArchiveDuty": "Record how a system's archive duty was met",
    "signOffDecommissioning": "Sign a decommissioning off: the system is retired",
}


def document_operations(app: Litestar) -> None:
    """Give every operation its summary (refuse to start when one has none), and an answer in several
    formats (a handler's `opt["media_types"]`) its media types."""
    answered_in = {h.operation_id: h.opt["media_types"] for route in app.routes
                   for h in getattr(route, "route_handlers", ()) if "media_types" in h.opt}
    missing = []
    for item in (app.plugins.get(OpenAPIPlugin).provide_openapi().paths or {}).values():
        for method in ("get", "post", "put", "patch", "delete"):
            operation = getattr(item, method, None)
            if operation is None:
                continue
            if media_types := answered_in.get(operation.operation_id or ""):
                _answer_in(operation, media_types)
            summary = SUMMARIES.get(operation.operation_id or "")
            if summary is None:
                missing.append(f"{method.upper()} {operation.operation_id}")
            operation.summary = summary
    if missing:
        raise RuntimeError(f"operations without a summary in api/docs.py: {', '.join(missing)}")


def _answer_in(operation: Any, media_types: list[str]) -> None:
    success = next(status for status in operation.responses if status.startswith("2"))
    answer = operation.responses[success]
    binary = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
    answer.content = {media_type: OpenAPIMediaType(schema=binary) for media_type in media_types}
