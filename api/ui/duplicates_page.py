"""The administration's page of likely duplicates: records that look like one person by
domain/person_match.py's rule (an e-mail address whose local part spells another record's name,
in the municipality's own domain), each pair with the evidence, and the merge of the two with one
confirmation. The form runs the command `POST /people/{id}/merge` runs, with its field `into`."""

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
from api.ui.reading import units
from api.ui.session import csrf_guard
from domain.person_match import home_domains, likely_duplicates
from domain.portfolio import Portfolio
from projections.read_side import ReadSide


class Record:
    """One record as the rule and the page see it."""

    __slots__ = ("id", "name", "email", "title", "unit", "departed_on", "registered_at")

    def __init__(self, row: dict[str, Any], unit: str | None) -> None:
        self.id = UUID(str(row["id"]))
        self.name, self.email, self.title = row["name"], row["email"], row["title"]
        self.departed_on, self.registered_at, self.unit = row["departed_on"], row["registered_at"], unit


def evidence(by_address: Record, by_name: Record, fits: int) -> str:
    """Why the two look like one person, in Danish."""
    local, _, domain = (by_address.email or "").rpartition("@")
    why = (f"E-mail-adressen «{by_address.email}» staver navnet «{by_name.name}» før @ (æ, ø, å og accenter kan"
           f" skrives ae, oe/o, aa/a og uden accent; mellemnavne kan udelades), og «{domain}» er kommunens eget"
           " domæne.")
    if fits > 1:
        why += f" Adressen passer på {fits} personer: vælg den rette, før I lægger dem sammen."
    return why


class DuplicatesPageController(Controller):
    path = "/ui/people"
    include_in_schema = False
    guards = [csrf_guard]
    exception_handlers = UI_HANDLERS

    @get("/duplicates", operation_id="uiDuplicates")
    async def duplicates(self, request: Request, reads: ReadSide, after: After = None, done: Done = None) -> Template:
        """Likely duplicates, each pair with the evidence and a form that merges the record given by
        e-mail into the record given by name (the survivor, which takes the address if it has none)."""
        await reads.caught_up(after)
        tree = await units(reads)
        rows = await reads.directory.standing()
        records = [Record(r, tree.names.get(UUID(str(r["org_unit_id"])))) for r in rows]
        domains = home_domains([r.email for r in records if r.email])
        pairs = sorted(likely_duplicates(records, domains),
                       key=lambda t: ((t[1].name or "").casefold(), t[0].email or ""))
        items = [{"merged": a, "into": b, "evidence": evidence(a, b, n), "fits": n} for a, b, n in pairs]
        return _page("duplicates.html", await _context(request, reads, items=items))

    @post("/{person_id:uuid}/merge", operation_id="uiMergePerson")
    async def merge(self, request: Request, person_id: UUID, portfolio: Portfolio) -> Redirect:
        """Merge this record into `into` (the survivor): one person from now on."""
        form = await form_of(request)
        data = convert({"into": form.get("into") or None}, s.MergePerson)
        actor = provide_actor(request)
        r = await anyio.to_thread.run_sync(lambda: portfolio.merge_person(person_id, data.into, actor=actor))
        return done("/ui/people/duplicates", "merged", r.position)
