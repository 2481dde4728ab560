"""The administration's org pages: the org tree, and the forms that establish, rename, move and
dissolve a unit, each running the command the API's route runs (api/org.py), with its field names and rule."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import anyio.to_thread
from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from api import schemas as s
from api.context import provide_actor
from api.ui import UI_HANDLERS
from api.ui.pages import After, Done, _context, _page, convert, done, form_of
from api.ui.people_pages import open_units
from api.ui.session import csrf_guard
from domain.errors import OrgUnitNotFound
from domain.portfolio import Portfolio
from domain.vocabulary import OrgLevel
from infra.phrasebook.da.labels import ORG_LEVEL
from projections.read_side import ReadSide

LEVEL = ORG_LEVEL


def tree_of(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The units as a forest, depth first, each with its depth: the page indents by it."""
    children: dict[Any, list[dict[str, Any]]] = {}
    ids = {str(r["id"]) for r in rows}
    for r in rows:
        parent = str(r["parent_id"]) if r["parent_id"] and str(r["parent_id"]) in ids else None
        children.setdefault(parent, []).append(r)
    out: list[dict[str, Any]] = []
    seen: set[str] = set()

    def walk(parent: str | None, depth: int) -> None:
        for r in sorted(children.get(parent, []), key=lambda r: r["name"]):
            if str(r["id"]) in seen:  # a cycle cannot loop forever
                continue
            seen.add(str(r["id"]))
            out.append({**r, "depth": depth})
            walk(str(r["id"]), depth + 1)

    walk(None, 0)
    return out


class OrgPageController(Controller):
    path = "/ui/org"
    include_in_schema = False
    guards = [csrf_guard]
    exception_handlers = UI_HANDLERS

    @get("/", operation_id="uiOrg")
    async def org(self, request: Request, reads: ReadSide, after: After = None, done: Done = None) -> Template:
        """The org tree, and the forms that establish and dissolve a unit."""
        await reads.caught_up(after)
        rows = await reads.directory.org_units()
        return _page("org.html", await _context(request, reads, tree=tree_of(rows), units=await open_units(reads),
                                                levels=[(str(v), LEVEL[str(v)]) for v in OrgLevel]))

    @get("/{org_unit_id:uuid}", operation_id="uiOrgUnit")
    async def unit(self, request: Request, org_unit_id: UUID, reads: ReadSide, after: After = None,
                   done: Done = None) -> Template:
        """One unit: its place in the tree, and the forms that rename, move and dissolve it."""
        await reads.caught_up(after)
        rows = await reads.directory.org_units()
        by_id = {str(r["id"]): r for r in rows}
        unit = by_id.get(str(org_unit_id))
        if unit is None:
            raise OrgUnitNotFound(id=org_unit_id)
        path, here = [], unit
        while here is not None and len(path) < len(rows):
            path.insert(0, here)
            here = by_id.get(str(here["parent_id"])) if here["parent_id"] else None
        below = [r for r in tree_of(rows) if str(r["parent_id"]) == str(org_unit_id)]
        depth = OrgLevel(unit["level"]).depth
        parents = [u for u in await open_units(reads)
                   if OrgLevel(u["level"]).depth < depth and str(u["id"]) != str(org_unit_id)]
        return _page("org_unit.html", await _context(request, reads, unit=unit, ancestors=path[:-1], below=below,
                                                     parents=parents, level=LEVEL))

    @post("/", operation_id="uiEstablishOrgUnit")
    async def establish(self, request: Request, portfolio: Portfolio) -> Redirect:
        """Establish a kommune, forvaltning, afdeling or team under its parent."""
        form = await form_of(request)
        data = convert({k: form[k] for k in ("name", "level", "parent_id") if form.get(k)}, s.EstablishOrgUnit)
        actor = provide_actor(request)
        r = await anyio.to_thread.run_sync(lambda: portfolio.establish_org_unit(
            data.name, data.level, data.parent_id, actor=actor))
        return done("/ui/org", "established", r.position)

    @post("/{org_unit_id:uuid}/dissolution", operation_id="uiDissolveOrgUnit")
    async def dissolve(self, request: Request, org_unit_id: UUID, portfolio: Portfolio) -> Redirect:
        """Record that the unit is dissolved from `effective`."""
        form = await form_of(request)
        data = convert({"effective": form.get("effective") or None}, s.Dissolve)
        actor = provide_actor(request)
        r = await anyio.to_thread.run_sync(lambda: portfolio.dissolve_org_unit(org_unit_id, data.effective, actor=actor))
        return done(f"/ui/org/{org_unit_id}", "dissolved", r.position)

    @post("/{org_unit_id:uuid}/name", operation_id="uiRenameOrgUnit")
    async def rename(self, request: Request, org_unit_id: UUID, portfolio: Portfolio) -> Redirect:
        """Give the unit a new `name`."""
        form = await form_of(request)
        data = convert({"name": form.get("name", "")}, s.RenameOrgUnit)
        actor = provide_actor(request)
        r = await anyio.to_thread.run_sync(lambda: portfolio.rename_org_unit(org_unit_id, data.name, actor=actor))
        return done(f"/ui/org/{org_unit_id}", "renamed", r.position)

    @post("/{org_unit_id:uuid}/parent", operation_id="uiMoveOrgUnit")
    async def move(self, request: Request, org_unit_id: UUID, portfolio: Portfolio) -> Redirect:
        """Place the unit under another parent (`parent_id`)."""
        form = await form_of(request)
        data = convert({"parent_id": form.get("parent_id") or None}, s.MoveOrgUnit)
        actor = provide_actor(request)
        r = await anyio.to_thread.run_sync(lambda: portfolio.move_org_unit(org_unit_id, data.parent_id, actor=actor))
        return done(f"/ui/org/{org_unit_id}", "moved", r.position)
