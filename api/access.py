"""Who may call what: ONE table from operation id to rule, deny by default.

Every route's `operation_id` must have an entry in ACCESS; `create_app` refuses to start
otherwise, and the README's permission table is rendered from this module
(`ansvar access-table --write README.md`). Each rule is one guard. A guard lets the request
through in the first capacity the person holds that the rule accepts, and that capacity is
recorded on every event the request writes. Rules that depend on the data ("for themself",
"a role they hold") on commands are checked by the portfolio, which answers 403 with the reason.

A request field that names the person acting (`proposer_id`, `signed_off_by`, ...) is listed in
ACTING_FIELDS, and the guard holds it to the caller: naming anyone else is a 403
(`acting-for-another`, naming the field) unless the capacity the person acts in is one of the
rule's `for_others`; then the event records both, the caller as actor and the person named.
A test walks the OpenAPI document so that no such field is left out.

To add a route: one line in ACCESS, e.g. `"listProposals": ANY_PERSON,`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from types import MethodType
from typing import Any
from uuid import UUID

import msgspec
import structlog
from litestar import Litestar, Request, Router
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler

from api.tenancy import runtime_of
from domain.errors import ActingForAnother
from domain.vocabulary import AccessRole
from infra.tokens import Principal

ADMIN, COUNCIL, OWNER, AUDITOR = (AccessRole.ADMIN, AccessRole.COUNCIL, AccessRole.OWNER, AccessRole.AUDITOR)
_READS = frozenset({"GET", "HEAD"})
Check = Callable[[ASGIConnection, Principal], Awaitable[bool]]


async def _always(connection: ASGIConnection, principal: Principal) -> bool:
    return True


async def _holds_a_role_on_the_system(connection: ASGIConnection, principal: Principal) -> bool:
    system_id = connection.path_params.get("system_id")
    if not isinstance(system_id, UUID):
        return False
    # The rule has already waited for `after` (Rule.__call__): a person just given a role may read at once.
    reads = runtime_of(connection).reads
    holders = await reads.accountability.holders(system_id, reads.today(), reads.now())
    return any(h["person_id"] == principal.person_id for h in holders)


async def _is_themself(connection: ASGIConnection, principal: Principal) -> bool:
    return connection.path_params.get("person_id") == principal.person_id


@dataclass(frozen=True)
class Rule:
    """Who may: any of `roles`; or, as owner, a person for whom `check` holds. In the capacities
    of `for_others` a person may name someone else in the operation's ACTING_FIELDS."""

    name: str
    who: str  # the README's words
    roles: tuple[AccessRole, ...] = ()
    check: Check | None = None  # when it passes, the person acts as owner
    public: bool = False
    for_others: tuple[AccessRole, ...] = ()

    def admits_by_role(self, principal: Principal, writes: bool = False) -> bool:
        """Whether the person gets in by their roles alone, or because the rule lets any person in
        (a page asks this to decide what to offer; a rule that depends on the data is decided by
        `admits`, or by the command itself)."""
        if writes and AUDITOR in principal.roles:
            return False
        return bool(set(self.roles) & principal.roles) or self.check is _always

    async def admits(self, connection: ASGIConnection, principal: Principal) -> bool:
        """Whether the rule lets this person in for this request, data-dependent checks included."""
        if self.admits_by_role(principal, writes=connection.scope.get("method") not in _READS):
            return True
        return self.check is not None and await self.check(connection, principal)

    def refusal(self, principal: Principal, refusal: str = "rule") -> dict[str, Any]:
        """A 403's code and parameters (the problem's members), for a reader's own words (a page's Danish)."""
        return {"refusal": refusal, "allowed_roles": sorted(map(str, self.roles)),
                "held_roles": sorted(map(str, principal.roles)), "for_holders": self.check not in (None, _always)}

    async def __call__(self, connection: ASGIConnection, handler: BaseRouteHandler) -> None:
        """The guard: sets the acting capacity, or refuses with the reason."""
        if self.public:
            return
        principal = connection.scope.get("user")
        if not isinstance(principal, Principal):
            refusal = connection.scope.get("auth")  # why authentication failed (api/auth.py)
            raise refusal if isinstance(refusal, Exception) else NotAuthorizedException("no bearer token")
        reads = runtime_of(connection).reads
        # Once for the rule and its checks: a departure, or a role, just recorded counts at once.
        await reads.caught_up(_after(connection))
        survivor = await reads.acting_for(principal.person_id)
        if survivor != principal.person_id:  # the record was merged: its tokens and sessions act as the survivor
            principal = replace(principal, person_id=survivor)
            connection.scope["user"] = principal
        departed = await reads.departed_on(principal.person_id)
        if departed is not None:
            raise PermissionDeniedException(f"person {principal.person_id} left on {departed}: their access has ended",
                                            extra={"refusal": "departed", "left_on": str(departed)})
        if AUDITOR in principal.roles and connection.scope.get("method") not in _READS:
            raise PermissionDeniedException(refusal_in_words(self, connection, principal, auditor_writes=True),
                                            extra=self.refusal(principal, "auditor_writes"))
        role = next((r for r in self.roles if r in principal.roles), None)
        if role is None and self.check is not None and await self.check(connection, principal):
            role = OWNER
        if role is None:
            raise PermissionDeniedException(refusal_in_words(self, connection, principal), extra=self.refusal(principal))
        if role not in self.for_others:
            await _names_only_the_caller(connection, handler, principal, self, role)
        connection.scope["user"] = principal.acting_as(role)
        structlog.contextvars.bind_contextvars(acting_role=str(role))


_PEOPLE = {"admin": "an admin", "council": "a council member", "auditor": "an auditor"}


def _whom(rule: Rule) -> str:
    return " or ".join(_PEOPLE[str(r)] for r in rule.roles) or _PEOPLE["admin"]


def refusal_in_words(rule: Rule, connection: ASGIConnection, principal: Principal, auditor_writes: bool = False) -> str:
    """A 403 in words, from the rule alone: the request, who may make it, what the token allows, whom to ask."""
    request = f"{connection.scope.get('method', 'GET')} {connection.scope.get('path', '')}"
    if auditor_writes:
        return (f"{request} is for {rule.who}, and an auditor's token writes nothing: act in that capacity with a"
                " token that does not carry the auditor role.")
    return (
        f"{request} is for {rule.who}. Your token lets you act as {' and '.join(sorted(principal.roles))};"
        f" ask {_whom(rule)}, or sign in with a token that carries that role."
    )


async def _names_only_the_caller(
    connection: ASGIConnection, handler: BaseRouteHandler, principal: Principal, rule: Rule, role: AccessRole,
) -> None:
    """The one check of ACTING_FIELDS: each names the caller, or is left out. A body that is not a
    JSON object, or a value that is not an id, is the handler's to refuse (422)."""
    fields = ACTING_FIELDS.get(handler.operation_id if isinstance(handler.operation_id, str) else "", ())
    if not fields or not isinstance(connection, Request):
        return
    try:
        body = msgspec.json.decode(await connection.body())
    except msgspec.DecodeError:
        return
    if not isinstance(body, dict):
        return
    for field in fields:
        for value in _values(body, field.split(".")):
            person = _person_id(value)
            if person is not None and person != principal.person_id:
                raise ActingForAnother(field=field, person_id=str(person), actor_id=str(principal.person_id),
                                       role=str(role), others=[str(r) for r in rule.for_others])


def _values(body: Any, path: list[str]) -> Iterator[Any]:
    """The values at a dotted path, through lists at any step (`decided_by`, `subjects.id`)."""
    if isinstance(body, list):
        for item in body:
            yield from _values(item, path)
    elif not path:
        yield body
    elif isinstance(body, dict):
        yield from _values(body.get(path[0]), path[1:])


def _person_id(value: Any) -> UUID | None:
    """The id as the handler will read it (msgspec's UUID), or None for what it will refuse."""
    try:
        return msgspec.convert(value, UUID) if isinstance(value, str) else None
    except msgspec.ValidationError:
        return None


PUBLIC = Rule("public", "anyone, without a token", public=True)
ANY_PERSON = Rule("any person", "any authenticated person", check=_always)
ADMIN_ONLY = Rule("admin", "admin", (ADMIN,))
COUNCIL_ONLY = Rule("council", "council", (COUNCIL,))
ADMIN_OR_COUNCIL = Rule("admin, council", "admin or council", (ADMIN, COUNCIL))
CONFIRMER = Rule("council, not own claim", "council (a member other than the claimant)", (COUNCIL,))
DECIDER = Rule(
    "council, rulings not on own claims", "council, also in the name of the members who decided (an ownership ruling"
    " never confirms a claim of anyone who records, decides or attends it)", (COUNCIL,), for_others=(COUNCIL,),
)
OVERSIGHT = Rule("council, auditor", "council or auditor", (COUNCIL, AUDITOR))
AUDITOR_ONLY = Rule("auditor", "auditor", (AUDITOR,))
HOLDER = Rule(
    "holder, council, auditor", "a person holding a role on the system today, council or auditor",
    (COUNCIL, AUDITOR), _holds_a_role_on_the_system,
)
THEMSELF = Rule("themself, council, auditor", "the person themself, council or auditor", (COUNCIL, AUDITOR), _is_themself)
FOR_THEMSELF = Rule(
    "owner, for themself", "any person, for themself only (403 otherwise)", check=_always,
)
ROLE_HOLDER = Rule(
    "owner, holding the role", "any person, for a role they hold (403 otherwise)", check=_always,
)
OFFER_RECIPIENT = Rule(
    "owner, offered the hand-over", "the person a hand-over is offered to (403 otherwise)", check=_always,
)
OFFER_MAKER = Rule(
    "owner, who offered the hand-over", "the person who offered the hand-over (403 otherwise)", check=_always,
)

PROPOSER = Rule(
    "owner for themself; admin, council", "any person in their own name (403 otherwise); admin or council for anyone",
    (ADMIN, COUNCIL), _always, for_others=(ADMIN, COUNCIL),
)

#: /scim/v2: no person's token; api/scim.py's guard admits a SCIM credential and nothing else.
SCIM = Rule("scim", "a SCIM credential only (`ansvar token issue --scim`)", public=True)

ACCESS: dict[str, Rule] = {
    # operations
    "health": PUBLIC,
    "ready": PUBLIC,
    # organisation
    "establishOrgUnit": ADMIN_ONLY,
    "dissolveOrgUnit": ADMIN_ONLY,
    "renameOrgUnit": ADMIN_ONLY,
    "moveOrgUnit": ADMIN_ONLY,
    "listOrgUnits": ANY_PERSON,
    "getOrgUnit": ANY_PERSON,
    "registerPerson": ADMIN_ONLY,
    "correctPerson": ADMIN_ONLY,
    "recordDeparture": ADMIN_ONLY,
    "erasePersonDetails": ADMIN_ONLY,
    "mergePerson": ADMIN_ONLY,
    "listPeople": ANY_PERSON,
    "getPerson": ANY_PERSON,
    "getResponsibilities": THEMSELF,
    "getMe": ANY_PERSON,
    # the register
    "registerSystem": ADMIN_ONLY,
    "listSystems": ANY_PERSON,
    "getSystem": ANY_PERSON,
    "changeLifecycle": ADMIN_OR_COUNCIL,
    # responsibility
    "recordAssignment": COUNCIL_ONLY,
    "recordVacancy": COUNCIL_ONLY,
    "makeClaim": FOR_THEMSELF,
    "confirmClaim": CONFIRMER,
    "rejectClaim": COUNCIL_ONLY,
    "attest": ROLE_HOLDER,
    "handOver": ROLE_HOLDER,  # an offer: the role moves when the recipient accepts
    "acceptHandover": OFFER_RECIPIENT,
    "refuseHandover": OFFER_RECIPIENT,
    "withdrawHandover": OFFER_MAKER,
    "getAccountability": HOLDER,
    "getTimeline": HOLDER,
    # audit
    "sweepAccountability": OVERSIGHT,
    "listResponsibilityGaps": OVERSIGHT,
    "listEvents": AUDITOR_ONLY,
    "getLogCheckpoint": PUBLIC,  # a witness or an auditor's script fetches it without a token
    "getLogKey": PUBLIC,
    "listLogEntries": AUDITOR_ONLY,
    "getInclusionProof": AUDITOR_ONLY,
    "getConsistencyProof": AUDITOR_ONLY,
    # the same, one municipality's, where one installation serves several (ANSVAR_TENANCY)
    "getTenantLogCheckpoint": PUBLIC,
    "getTenantLogKey": PUBLIC,
    "listTenantLogEntries": AUDITOR_ONLY,
    "getTenantInclusionProof": AUDITOR_ONLY,
    "getTenantConsistencyProof": AUDITOR_ONLY,
    "eraseText": ADMIN_ONLY,
    "listReminders": OVERSIGHT,
    "chooseDigest": FOR_THEMSELF,
    "importInventory": ADMIN_ONLY,
    "syncKitos": ADMIN_ONLY,
    "exportRegister": OVERSIGHT,
    "getAuditPack": OVERSIGHT,  # the auditor's pack (issue 28)
    # proposals: anyone proposes; the council's handling of them is open to every person
    "submitProposal": PROPOSER,
    "reviseProposal": PROPOSER,
    "withdrawProposal": FOR_THEMSELF,
    "startAssessment": COUNCIL_ONLY,
    "startImplementation": COUNCIL_ONLY,
    "completeImplementation": COUNCIL_ONLY,
    "abandonProposal": COUNCIL_ONLY,
    "listProposals": ANY_PERSON,
    "getProposal": ANY_PERSON,
    "getPortfolioBalance": ANY_PERSON,
    "listBenefitFollowUpsDue": ANY_PERSON,
    # the council: its choices are transparent so that staff keep proposing
    "holdMeeting": COUNCIL_ONLY,
    "listMeetings": ANY_PERSON,
    "getMeeting": ANY_PERSON,
    "recordDecision": DECIDER,
    "listDecisions": ANY_PERSON,
    "getDecision": ANY_PERSON,
    "getPriorityList": ANY_PERSON,
    # decommissioning: anyone proposes; the council decides; the named person signs off
    "proposeDecommissioning": PROPOSER,
    "settleArchiveDuty": ADMIN_OR_COUNCIL,
    "endContracts": ADMIN_OR_COUNCIL,
    "signOffDecommissioning": FOR_THEMSELF,  # the person the council made responsible, in their own name
    "getDecommissioning": ANY_PERSON,
    "listDecommissioningsInProgress": ANY_PERSON,
    # the web pages (api/ui/): each takes the rule of the API operation it shows or runs
    "uiRoot": PUBLIC,
    "uiLoginForm": PUBLIC,
    "uiLogin": PUBLIC,  # the token in the form is what it checks (and a double-submit CSRF token)
    "uiLoginCode": PUBLIC,  # the one-time code is what it checks
    "uiOidcStart": PUBLIC,
    "uiOidcCallback": PUBLIC,  # the provider's code, the flow's state and PKCE verifier are what it checks
    "uiAsset": PUBLIC,
    "uiLogout": PUBLIC,  # the session cookie and its CSRF token are what it checks (an auditor signs out too)
    "uiOverview": ANY_PERSON,  # the council's overview; anyone else is sent to their own systems
    "uiGaps": OVERSIGHT,
    "uiAuditPackForm": OVERSIGHT,
    "uiAuditPack": OVERSIGHT,
    "uiSystems": ANY_PERSON,
    "uiSystem": ANY_PERSON,  # the timeline, decisions and as-of question only for HOLDER (as getTimeline)
    "uiEvidence": HOLDER,
    "uiExportRegister": OVERSIGHT,  # as exportRegister (the register as filtered, also as of a past record)
    "uiExportGaps": OVERSIGHT,  # as exportRegister and listResponsibilityGaps
    "uiExportDecisions": ANY_PERSON,  # the decision log that /ui/decisions shows everyone
    "uiMe": ANY_PERSON,
    "uiPeopleSearch": ANY_PERSON,  # a colleague found by name, beside a form's person field
    "uiHandOverForm": ANY_PERSON,
    "uiAttest": ROLE_HOLDER,
    "uiHandOver": ROLE_HOLDER,
    "uiAcceptHandover": OFFER_RECIPIENT,
    "uiRefuseHandover": OFFER_RECIPIENT,
    "uiWithdrawHandover": OFFER_MAKER,
    "uiClaim": FOR_THEMSELF,
    "uiProposals": ANY_PERSON,
    "uiProposal": ANY_PERSON,
    "uiDecisions": ANY_PERSON,
    "uiDecision": ANY_PERSON,
    "uiDecisionForm": COUNCIL_ONLY,
    "uiRecordDecision": DECIDER,
    "uiProposalForm": PROPOSER,
    "uiSubmitProposal": PROPOSER,
    "uiProposalRevisionForm": PROPOSER,
    "uiReviseProposal": PROPOSER,
    "uiStartAssessment": COUNCIL_ONLY,
    "uiWithdrawProposal": FOR_THEMSELF,
    "uiStartImplementation": COUNCIL_ONLY,
    "uiCompleteImplementation": COUNCIL_ONLY,
    "uiAbandonProposal": COUNCIL_ONLY,
    "uiMeetings": ANY_PERSON,
    "uiMeeting": ANY_PERSON,
    "uiMeetingForm": COUNCIL_ONLY,
    "uiHoldMeeting": COUNCIL_ONLY,
    # the administration's pages (issue 25)
    "uiImportForm": ADMIN_ONLY,
    "uiImport": ADMIN_ONLY,
    "uiImportApply": ADMIN_ONLY,
    "uiPeople": ADMIN_ONLY,
    "uiPerson": ADMIN_ONLY,
    "uiRegisterPerson": ADMIN_ONLY,
    "uiRecordDeparture": ADMIN_ONLY,
    "uiErasePerson": ADMIN_ONLY,
    "uiDuplicates": ADMIN_ONLY,
    "uiMergePerson": ADMIN_ONLY,
    "uiIssueSignInLink": ADMIN_ONLY,  # as `ansvar serve --demo` prints: a one-time code, valid 15 minutes
    "uiOrg": ADMIN_ONLY,
    "uiEstablishOrgUnit": ADMIN_ONLY,
    "uiDissolveOrgUnit": ADMIN_ONLY,
    "uiOrgUnit": ADMIN_ONLY,
    "uiRenameOrgUnit": ADMIN_ONLY,
    "uiMoveOrgUnit": ADMIN_ONLY,
    "uiCorrectPerson": ADMIN_ONLY,
    # provisioning from the identity provider (api/scim.py)
    **{op: SCIM for op in ("scimServiceProviderConfig", "scimResourceTypes", "scimResourceType", "scimSchemas",
                           "scimSchema", "scimListUsers", "scimSearchUsers", "scimSearch", "scimCreateUser", "scimGetUser", "scimReplaceUser",
                           "scimPatchUser", "scimDeleteUser", "scimUnknown")},
}

#: Request fields that name the person acting, per operation: the guard holds each to the caller
#: unless the rule lets the caller's capacity act for others (Rule.for_others). A field naming
#: someone acted upon (`to_person_id`, `responsible_id`, an assignment's `person_id`) is not here.
ACTING_FIELDS: dict[str, tuple[str, ...]] = {
    "makeClaim": ("person_id",),  # the claimant
    "attest": ("person_id",),  # the holder re-confirming
    "submitProposal": ("proposer_id",),
    "withdrawProposal": ("withdrawn_by",),
    "recordDecision": ("decided_by",),
    "proposeDecommissioning": ("proposed_by",),
    "signOffDecommissioning": ("signed_off_by",),
}

#: Refuses everything: what a route without an entry would get, had startup let it through.
DENY = Rule("deny", "nobody (the route has no entry in api/access.py)")


def _after(connection: ASGIConnection) -> int | None:
    raw = connection.query_params.get("after")
    return int(raw) if raw is not None and raw.isascii() and raw.isdigit() and 0 < len(raw) < 19 else None  # "³" is a digit


def _is_documentation(handler: BaseRouteHandler, docs_path: str) -> bool:
    # The OpenAPI plugin's own routes carry no operation id; they are public by the rule.
    return handler.operation_id is None and any(
        isinstance(layer, Router) and not isinstance(layer, Litestar)
        and (layer.path == docs_path or layer.path.startswith(docs_path + "/"))  # its page, document and assets
        for layer in handler.ownership_layers
    )


def _is_preflight(handler: Any) -> bool:
    return getattr(handler, "http_methods", None) == {"OPTIONS"} and not handler.include_in_schema


def rule_for(handler: BaseRouteHandler, docs_path: str = "/schema") -> Rule:
    """The handler's rule. Asked twice a request (authentication and the guard): kept per handler,
    since walking its layers was ~2% of a request's CPU (bench/README.md, benchmark 1 again)."""
    return _rule_of(handler, docs_path)


@functools.lru_cache(maxsize=4096)  # handlers hash by identity; an app has a few hundred
def _rule_of(handler: BaseRouteHandler, docs_path: str) -> Rule:
    if _is_documentation(handler, docs_path) or _is_preflight(handler):
        return PUBLIC
    operation_id = handler.operation_id if isinstance(handler.operation_id, str) else None
    return ACCESS.get(operation_id or "", DENY)


async def authorise(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """The app-wide guard: applies the route's rule."""
    await rule_for(handler, connection.app.openapi_config.path if connection.app.openapi_config else "/schema")(
        connection, handler
    )


def guard_in_place(app: Litestar) -> None:
    """Each route's guards called with the handler itself. Litestar hands every guard a copy of
    the handler (so that a guard cannot change it), ~4% of a request's CPU; these guards
    (`authorise`, api/scim.py's) only read it. A handler whose class keeps no instance attributes
    keeps Litestar's way."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            try:
                handler.authorize_connection = MethodType(_authorize_in_place, handler)
            except AttributeError:
                continue


async def _authorize_in_place(handler: BaseRouteHandler, connection: ASGIConnection) -> None:
    for guard in handler.resolve_guards():
        await guard(connection, handler)  # type: ignore[misc]


def routes(app: Litestar) -> Iterator[tuple[str, str, BaseRouteHandler]]:
    """(method, path, handler) for every route the app serves, documentation and preflight excluded."""
    docs = app.openapi_config.path if app.openapi_config else "/schema"
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if _is_documentation(handler, docs) or _is_preflight(handler):
                continue
            for method in sorted(handler.http_methods):
                yield method, route.path, handler


def unmapped(app: Litestar) -> list[str]:
    return sorted(f"{m} {p} ({h.operation_id or 'no operation_id'})" for m, p, h in routes(app) if rule_for(h) is DENY)


def markdown_table(app: Litestar) -> str:
    rows = sorted(routes(app), key=lambda r: (r[1], r[0]))
    lines = ["| route | operation | who may |", "|---|---|---|"]
    lines += [f"| `{m} {_plain(p)}` | `{h.operation_id}` | {rule_for(h).who} |" for m, p, h in rows]
    return "\n".join(lines)


def _plain(path: str) -> str:
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


START, END = "<!-- access-table:start -->", "<!-- access-table:end -->"


def replace_in_readme(readme: str, table: str) -> str:
    before, _, rest = readme.partition(START)
    _, found, after = rest.partition(END)
    if not found:
        raise ValueError(f"the README has no {START} ... {END} markers")
    return f"{before}{START}\n{table}\n{END}{after}"
