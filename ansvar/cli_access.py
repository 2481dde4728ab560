"""Access-control commands: `ansvar token issue`, `ansvar people forget`, `ansvar access-table`,
and the demo's tokens."""

from __future__ import annotations

import argparse
from typing import Any

from rich.markup import escape

from ansvar.console import progress, report
from domain.clock import Clock
from infra.settings import Settings


def print_demo_tokens(settings: Settings, runtime: Any) -> None:
    from ansvar import demo
    from infra.tokens import issue

    users = demo.demo_users(runtime.portfolio)
    if not users:
        return
    if not settings.auth.secret:
        report.print("sign in through your identity provider; demo tokens need ANSVAR_AUTH_SECRET")
        print_demo_links(settings, runtime, users)
        return
    report.print("\n[bold]Demo tokens[/bold] (8 hours; send as 'Authorization: Bearer <token>'):")
    for role, person_id in users.items():
        details = runtime.directory.get(person_id) or {}
        roles = () if role == "owner" else (role,)
        report.print(f"\n{role:8} {details.get('name') or '(erased)'}  person {person_id}")
        report.print(issue(settings.auth.secret, person_id, roles, now=runtime.clock.now(), tenant=settings.tenancy.tenant),
                     soft_wrap=True, highlight=False)
    report.print(f"\ne.g. TOKEN=<one of them>; curl -H \"Authorization: Bearer $TOKEN\" {settings.served_at()}/systems\n")
    print_demo_links(settings, runtime, users)


def print_demo_links(settings: Settings, runtime: Any, users: dict[str, Any]) -> None:
    """One sign-in link per demo person for the web pages: a one-time code, valid 15 minutes,
    never a token in a URL."""
    report.print("[bold]Sign in to the pages[/bold] (each link works once, within 15 minutes):")
    for role, person_id in users.items():
        details = runtime.directory.get(person_id) or {}
        code = runtime.ui_sessions.issue_code(person_id, () if role == "owner" else (role,))
        if settings.tenancy.tenant:  # many municipalities: the link says whose (api/ui/session.py)
            code = f"{settings.tenancy.tenant}.{code}"
        report.print(f"{role:8} {details.get('name') or '(erased)':28} {settings.served_at()}/ui/login/code?code={code}",
                     soft_wrap=True, highlight=False)
    report.print("")


def cmd_token(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    from uuid import UUID

    from infra.tokens import issue, parse_ttl

    if args.scim:
        return cmd_scim_credential(settings, clock, args)
    if args.person is None:
        progress.print("[red]--person is required[/red] (or --scim --name NAME for a provisioning credential)")
        return 2
    if not settings.auth.secret:
        progress.print("[red]no secret to sign with:[/red] set ANSVAR_AUTH_SECRET (tokens from an identity provider"
                       " are issued there)")
        return 2
    try:
        person, ttl = UUID(args.person), parse_ttl(args.ttl)
    except ValueError as exc:
        progress.print(f"[red]{exc}[/red]")
        return 2
    roles = sorted(set(args.role or ()) - {"owner"})
    if args.tenants:  # a national auditor: reads the municipalities named, changes nothing
        return _national_token(settings, clock, args, person, roles, ttl)
    print(issue(settings.auth.secret, person, roles, ttl, now=clock.now(), tenant=settings.tenancy.tenant))
    return 0


def _national_token(settings: Settings, clock: Clock, args: argparse.Namespace, person: Any, roles: list[str],
                    ttl: Any) -> int:
    from infra.tenants import TenantError, TenantRegistry
    from infra.tokens import issue

    if not settings.tenancy.enabled or roles != ["auditor"]:
        progress.print("[red]--tenants is for a national auditor[/red] (--role auditor alone) on an installation that"
                       " serves several municipalities")
        return 2
    slugs = sorted({s.strip() for s in args.tenants.split(",") if s.strip()})
    registry = TenantRegistry(settings.database, clock)
    try:
        for slug in slugs:
            registry.require(slug)
        registry.granted(person, slugs, ttl)
    except TenantError as exc:
        progress.print(f"[red]{escape(str(exc))}[/red]")
        return 2
    print(issue(settings.auth.secret, person, roles, ttl, now=clock.now(), tenants=slugs))
    return 0


def cmd_scim_credential(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    """A provisioning credential for /scim/v2 (printed once; stored as a digest). Issuing one
    again under the same name replaces its secret: the old one stops working at once."""
    from ansvar.bootstrap import bootstrap

    name = (args.name or "").strip()
    if not name or len(name) > 100:
        progress.print("[red]--scim needs --name NAME[/red] (1-100 characters, e.g. entra-id)")
        return 2
    runtime = bootstrap(settings, clock)
    try:
        credential, secret = runtime.extras["scim_store"].issue(name, clock.now())
    finally:
        runtime.close()
    progress.print(f"SCIM credential {name!r} ({credential}): give it to the identity provider as its secret token")
    # Many municipalities: the credential says whose it is (api/scim.py checks it against that one's alone).
    print(f"{settings.tenancy.tenant}:{secret}" if settings.tenancy.tenant else secret)
    return 0


def cmd_people(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    from uuid import UUID

    from ansvar.bootstrap import bootstrap
    from domain.basis import Basis, BasisCode
    from domain.commands import Actor
    from domain.errors import AlreadyDone, PersonNotFound
    from infra.phrasebook.en.problems import detail

    try:
        person_id = UUID(args.person)
    except ValueError:
        progress.print(f"[red]not a person id:[/red] {args.person}")
        return 2
    runtime = bootstrap(settings, clock)
    try:
        # Recorded as done at the command line by whoever operates the installation (no person id).
        receipt = runtime.portfolio.erase_person_details(person_id, args.basis, why=Basis(BasisCode.COMMAND_LINE),
                                                         actor=Actor(role="operator"))
    except PersonNotFound as exc:
        progress.print(f"[red]{detail(exc)}[/red]")
        return 1
    except AlreadyDone:
        report.print(f"person {person_id}: name and e-mail were already erased")
        return 0
    finally:
        runtime.close()
    report.print(f"person {person_id}: name and e-mail erased; the history keeps the id"
                 f" (recorded at log position {receipt.position})")
    return 0


def cmd_access_table(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    from pathlib import Path

    from ansvar.web import create_app
    from api.access import markdown_table, replace_in_readme

    table = markdown_table(create_app(settings, clock=clock, configure_logging=False))
    if args.write:
        path = Path(args.write)
        path.write_text(replace_in_readme(path.read_text(), table))
        report.print(f"permission table written to {path}")
    else:
        print(table)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    token = sub.add_parser("token", help="issue a local bearer token (HS256, the configured secret)")
    token.add_argument("action", choices=["issue"])
    token.add_argument("--person", help="the person id the token speaks for (sub)")
    token.add_argument("--scim", action="store_true",
                       help="a provisioning credential for /scim/v2 instead (with --name); it can do nothing else")
    token.add_argument("--name", help="the SCIM credential's name, e.g. entra-id (issuing again replaces it)")
    token.add_argument("--role", action="append", choices=["admin", "council", "auditor", "owner"],
                       help="a capacity the person may act in; repeat for several (everyone is an owner)")
    token.add_argument("--tenants", metavar="SLUG,SLUG",
                       help="a national auditor's token (with --role auditor): reading these municipalities, each"
                            " chosen per request with the Ansvar-Tenant header; the grant is in 'ansvar tenant log'")
    token.add_argument("--ttl", default="8h", help="lifetime: 90s, 30m, 8h, 2d (at most 30d); default 8h")
    token.set_defaults(run=cmd_token)
    people = sub.add_parser("people", help="personal data: forget a person's name and e-mail")
    people.add_argument("action", choices=["forget"])
    people.add_argument("person", help="the person id")
    people.add_argument("--basis", default=None,
                        help="why (e.g. the request's case number); recorded in the log, so no personal data;"
                        " without it, the log records that it was asked at the command line")
    people.set_defaults(run=cmd_people)
    access = sub.add_parser("access-table", help="print the permission table (or --write it into README.md)")
    access.add_argument("--write", metavar="README", help="replace the table between its markers in this file")
    access.set_defaults(run=cmd_access_table)
