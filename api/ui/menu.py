"""The pages' menu and who is signed in: the same on every page, a failed form's page included."""

from __future__ import annotations

from typing import Any

from api.ui.reading import may
from infra.tokens import Principal

#: The administration's pages, each under the access table's rule of the page it links to.
ADMIN_PAGES = [("/ui/import", "Import", "uiImportForm"), ("/ui/people", "Personer", "uiPeople"),
               ("/ui/org", "Organisation", "uiOrg")]


def menu(principal: Principal) -> list[tuple[str, str]]:
    nav = [("/ui/me", "Mine systemer"), ("/ui/systems", "Registret")]
    if may(principal, "listResponsibilityGaps"):
        nav = [("/ui/", "Overblik"), *nav, ("/ui/gaps", "Uklart ansvar")]
    if may(principal, "uiAuditPackForm"):
        nav.append(("/ui/audit-pack", "Revisionspakke"))
    nav += [("/ui/proposals", "Forslag"), ("/ui/meetings", "Møder"), ("/ui/decisions", "Beslutninger")]
    nav += [(href, text) for href, text, operation in ADMIN_PAGES if may(principal, operation)]
    return nav


def landing(principal: Principal) -> str:
    """Where `/ui/` sends a person: the council and auditors get the overview (served there), an
    administrator the administration's work, anyone else their own systems."""
    if may(principal, "listResponsibilityGaps"):
        return "/ui/"
    if may(principal, "uiPeople"):
        return "/ui/people"
    return "/ui/me"


def display_name(found: dict[str, Any] | None) -> str:
    if found is None:
        return "ukendt person"
    return "(slettet)" if found.get("erased_at") else (found.get("name") or "ukendt person")
