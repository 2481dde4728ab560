"""The register and the gap list as pages to browse (issue 25, part 3): every row reachable by
page links, filters in the URL (a GET form, so a list can be bookmarked and shared), filtered,
sorted and counted in SQL (projections/register_page.py). The exports of the same lists, as
filtered, are api/ui/exports.py's; both read the filters through `register_asked` and `gaps_asked`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID
from weakref import WeakKeyDictionary

from litestar import Controller, Request, get
from litestar.params import Parameter
from litestar.response import Redirect, Template

from api.access import ACCESS
from api.audit import gap_item, known_rule
from api.responsibility import as_known_at
from api.ui import UI_HANDLERS
from api.ui.pages import After, _context, _page
from api.ui.reading import units
from api.ui.session import csrf_guard
from domain.errors import Forbidden, InvalidValue
from domain.gaps import RULES
from domain.vocabulary import Criticality, Lifecycle, OrgLevel, Role
from infra.phrasebook.da.labels import CRITICALITY_LABEL, LIFECYCLE_LABEL, ROLE_LABEL, RULE_LABEL
from infra.tokens import Principal
from projections.read_side import ReadSide
from projections.register_page import SORTS, RegisterPageQueries, SystemFilter

PAGE = 50
Text = Annotated[str | None, Parameter(max_length=200, pattern=r"^[^\x00]*$")]
KnownAtText = Annotated[str | None, Parameter(max_length=40)]
PageNumber = Annotated[int, Parameter(ge=1, le=1_000_000)]
Sort = Annotated[str, Parameter(pattern="^(" + "|".join(SORTS) + ")$")]
PERSONAL_DATA = {True: "Ja", False: "Nej"}
CHOICES_IN_FULL = 400  # org units up to which a list's unit filter offers every afdeling too


def given(value: str | None) -> str | None:
    """A GET form sends every field, a blank one as empty: that is not asking for it."""
    return value.strip() if value is not None and value.strip() else None


def choice(value: str | None, kind: Any, field: str) -> Any:
    text = given(value)
    if text is None:
        return None
    try:
        return kind(text)
    except ValueError:
        if isinstance(kind, type) and hasattr(kind, "__members__"):
            raise InvalidValue("not-a-choice", field=field, given=text, allowed=[str(k) for k in kind]) from None
        raise InvalidValue("not-valid", field=field, given=text) from None


def day_of(value: str | None, field: str = "at") -> date | None:
    text = given(value)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue("not-a-date", field=field, given=text) from None


def yes_no(value: str | None, field: str) -> bool | None:
    text = given(value)
    if text is None:
        return None
    if text.lower() in ("true", "ja", "1", "on"):
        return True
    if text.lower() in ("false", "nej", "0"):
        return False
    raise InvalidValue("not-yes-or-no", field=field, given=text)


@dataclass
class UnitTree:
    """Every org unit with the units below it, and the units a list can be narrowed to, by path."""

    below: dict[UUID, tuple[UUID, ...]]
    path: dict[UUID, str]
    choices: list[tuple[UUID, str]] = field(default_factory=list)

    def within(self, unit: UUID) -> tuple[UUID, ...]:
        if unit not in self.below:
            raise InvalidValue("names-nothing", field="org_unit_id", kind="org unit")
        return self.below[unit]


_TREES: WeakKeyDictionary[ReadSide, tuple[Any, UnitTree]] = WeakKeyDictionary()


async def unit_tree(reads: ReadSide) -> UnitTree:
    """The org tree for narrowing a list, read again only once a unit has been established, renamed or moved."""
    mark = await reads.directory.org_units_mark()
    known = _TREES.get(reads)
    if known is not None and known[0] == mark:
        return known[1]
    rows = {UUID(str(r["id"])): r for r in await reads.directory.org_units()}
    children: dict[UUID, list[UUID]] = {}
    for i, r in rows.items():
        if r["parent_id"] is not None and UUID(str(r["parent_id"])) in rows:
            children.setdefault(UUID(str(r["parent_id"])), []).append(i)

    def names(unit: UUID) -> list[str]:
        trail, here, seen = [], unit, set()
        while here is not None and here in rows and here not in seen:
            seen.add(here)
            if rows[here]["level"] != OrgLevel.KOMMUNE or here == unit:
                trail.append(rows[here]["name"])
            parent = rows[here]["parent_id"]
            here = UUID(str(parent)) if parent else None
        return list(reversed(trail))

    below: dict[UUID, tuple[UUID, ...]] = {}
    for unit in rows:
        found, todo = [], [unit]
        while todo:
            here = todo.pop()
            if here in found:
                continue  # a parent cycle cannot loop forever
            found.append(here)
            todo += children.get(here, [])
        below[unit] = tuple(found)
    kommuner = [i for i, r in rows.items() if r["level"] == OrgLevel.KOMMUNE]
    path = {i: " › ".join(names(i)) for i in rows}
    if len(kommuner) > 1:  # the national set: a forvaltning's name says which municipality
        for i in rows:
            top = next((k for k in kommuner if i in below[k]), None)
            if top is not None and top != i:
                path[i] = f"{rows[top]['name']}: {path[i]}"
    # The select lists forvaltninger and afdelinger; with many municipalities (the national set: 3,600
    # units) the afdelinger would make every list page some 150 KB, so only the levels above them
    # (any unit, afdelinger included, is still asked for by its id in the address).
    shown = (OrgLevel.KOMMUNE, OrgLevel.FORVALTNING) + ((OrgLevel.AFDELING,) if len(rows) <= CHOICES_IN_FULL else ())
    choices = sorted(((i, path[i]) for i, r in rows.items() if r["level"] in shown and r["dissolved_on"] is None),
                     key=lambda c: c[1].casefold())
    tree = UnitTree(below, path, choices)
    _TREES[reads] = (mark, tree)
    return tree


def oversight(principal: Principal) -> bool:
    """Who may ask the register about another day or as the record stood earlier: as the API's sweep."""
    return ACCESS["sweepAccountability"].admits_by_role(principal, False)


@dataclass
class Asked:
    """A list's question: the filter for the query, the query string that asks it again (page links,
    export links, a bookmark), and what was asked in Danish (the form, and an export's first rows)."""

    query: dict[str, str]
    said: list[tuple[str, str]]
    filter: Any = None
    notice: str | None = None
    choices: list[dict[str, Any]] = field(default_factory=list)
    holder_name: str | None = None

    def url(self, path: str, **changes: Any) -> str:
        query = {k: v for k, v in {**self.query, **{k: str(v) for k, v in changes.items()}}.items() if v not in ("", "None")}
        return f"{path}?{urlencode(query)}" if query else path


async def register_asked(
    request: Request, reads: ReadSide, *, q: str | None, org_unit_id: str | None, lifecycle: str | None,
    criticality: str | None, personal_data: str | None, no_systemejer: str | None, holder: str | None,
    holder_q: str | None, at: str | None, known_at: str | None, sort: str,
) -> Asked:
    """The register's filters as asked (blank fields are not asked), checked: a past day or record
    time only for oversight."""
    return await _register_asked(
        request, reads, q=given(q), org_unit_id=choice(org_unit_id, UUID, "org_unit_id"),
        lifecycle=choice(lifecycle, Lifecycle, "lifecycle"), criticality=choice(criticality, Criticality, "criticality"),
        personal_data=yes_no(personal_data, "personal_data"), no_systemejer=bool(yes_no(no_systemejer, "no_systemejer")),
        holder=choice(holder, UUID, "holder"), holder_q=given(holder_q), at=day_of(at), known_at=given(known_at),
        sort=sort)


async def _register_asked(
    request: Request, reads: ReadSide, *, q: str | None, org_unit_id: UUID | None, lifecycle: Lifecycle | None,
    criticality: Criticality | None, personal_data: bool | None, no_systemejer: bool, holder: UUID | None,
    holder_q: str | None, at: date | None, known_at: str | None, sort: str,
) -> Asked:
    principal: Principal = request.user
    if (at is not None or known_at) and not oversight(principal):
        raise Forbidden("register-as-of")
    today = reads.today()
    day: date = at or today
    when: datetime = as_known_at(known_at or None, reads)
    tree = await unit_tree(reads)
    said: list[tuple[str, str]] = []
    query: dict[str, str] = {}
    if q:
        said.append(("Navnet indeholder", q))
        query["q"] = q
    within = None
    if org_unit_id is not None:
        within = tree.within(org_unit_id)
        said.append(("Enhed (med enhederne under den)", tree.path[org_unit_id]))
        query["org_unit_id"] = str(org_unit_id)
    for key, value, label, words in (("lifecycle", lifecycle, "Livscyklus", LIFECYCLE_LABEL),
                                     ("criticality", criticality, "Kritikalitet", CRITICALITY_LABEL)):
        if value is not None:
            said.append((label, words[value]))
            query[key] = str(value)
    if personal_data is not None:
        said.append(("Persondata", PERSONAL_DATA[personal_data]))
        query["personal_data"] = "true" if personal_data else "false"
    if no_systemejer:
        said.append(("Kun", "systemer i drift uden Systemejer"))
        query["no_systemejer"] = "true"
    notice, choices, held = None, [], None
    if holder is None and holder_q and holder_q.strip():
        found = [p for p in await reads.directory.people(11, None, None, holder_q.strip()) if p["erased_at"] is None]
        if len(found) == 1:
            holder = UUID(str(found[0]["id"]))
        else:
            query["holder_q"] = holder_q.strip()
            said.append(("Ansvarlig", f"navnet indeholder «{holder_q.strip()}»"))
            held = ()  # nobody, or several: no system until one person is chosen
            notice = (f"Ingen person matcher «{holder_q.strip()}»." if not found
                      else f"Flere personer matcher «{holder_q.strip()}»: vælg én.")
            choices = [{"name": p["name"], "id": p["id"]} for p in found[:10]]
    holder_name = None
    if holder is not None:
        names = await reads.directory.names([holder])
        if holder not in names:
            raise InvalidValue("names-nothing", field="holder", kind="registered person")
        holder_name = names[holder][0] or "(oplysninger slettet)"
        said.append(("Ansvarlig", holder_name))
        query["holder"] = str(holder)
        held = tuple(UUID(str(r["system_id"])) for r in await reads.accountability.held_by(holder, day, when))
    if at is not None:
        query["at"] = day.isoformat()
    if known_at:
        query["known_at"] = known_at.strip()
    if sort != "name":
        query["sort"] = sort
    f = SystemFilter(at=day, known_at=when, org_unit_ids=within, lifecycle=lifecycle, criticality=criticality,
                     personal_data=personal_data, no_systemejer=no_systemejer, holder_system_ids=held, q=q or None,
                     sort=sort, known_now=not known_at)
    return Asked(query, said, f, notice, choices, holder_name)


async def gaps_asked(
    reads: ReadSide, *, rule: str | None, role: str | None, forvaltning: str | None, at: str | None,
) -> Asked:
    """The gap list's filters as asked (blank fields are not asked)."""
    return await _gaps_asked(reads, rule=given(rule), role=choice(role, Role, "role"),
                             forvaltning=choice(forvaltning, UUID, "forvaltning"), at=day_of(at))


async def _gaps_asked(
    reads: ReadSide, *, rule: str | None, role: Role | None, forvaltning: UUID | None, at: date | None,
) -> Asked:
    known_rule(rule)
    day = at or reads.today()
    tree = await units(reads)
    query: dict[str, str] = {}
    said: list[tuple[str, str]] = []
    if rule:
        said.append(("Regel", RULE_LABEL.get(rule, rule)))
        query["rule"] = rule
    if role is not None:
        said.append(("Rolle", ROLE_LABEL[role]))
        query["role"] = str(role)
    within = None
    if forvaltning is not None:
        if forvaltning not in tree.names:
            raise InvalidValue("names-nothing", field="forvaltning", kind="org unit")
        within = tree.within(forvaltning) or [forvaltning]
        said.append(("Forvaltning", tree.names[forvaltning]))
        query["forvaltning"] = str(forvaltning)
    if at is not None:
        query["at"] = day.isoformat()
    return Asked(query, said, {"day": day, "rule": rule or None, "role": role, "org_unit_ids": within})


def tidy(request: Request, asked: Asked, page: int) -> Redirect | None:
    """A form sent with blank fields, as a GET form sends them, leads to the same list at its tidy
    address (only what was asked), so the address bar holds a link worth keeping or sharing."""
    if not any(v == "" for v in request.query_params.values()):
        return None
    extra = {k: request.query_params[k] for k in ("after", "done") if request.query_params.get(k)}
    return Redirect(asked.url(request.url.path, **({"page": page} if page > 1 else {}), **extra), status_code=303)


def pages(current: int, total: int, size: int) -> dict[str, Any]:
    """The page links: first, last and a few around the current one, with gaps marked as None."""
    last = max(1, -(-total // size))
    shown = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    links: list[int | None] = []
    for n in shown:
        if links and links[-1] is not None and n - links[-1] > 1:
            links.append(None)
        links.append(n)
    first_row = (current - 1) * size + 1 if total else 0
    return {"current": current, "last": last, "links": links, "first_row": first_row,
            "last_row": min(total, current * size), "total": total}


class RegisterPageController(Controller):
    path = "/ui"
    include_in_schema = False
    guards = [csrf_guard]
    exception_handlers = UI_HANDLERS

    @get("/systems", operation_id="uiSystems")
    async def systems(
        self, request: Request, reads: ReadSide, q: Text = None, org_unit_id: Text = None, lifecycle: Text = None,
        criticality: Text = None, personal_data: Text = None, no_systemejer: Text = None, holder: Text = None,
        holder_q: Text = None, at: Text = None, known_at: KnownAtText = None, sort: Sort = "name",
        page: PageNumber = 1, after: After = None,
    ) -> Template | Redirect:
        """The register, every system by page, filtered by unit (with the units below), lifecycle,
        criticality, personal data, "in use without a Systemejer" and holder; sorted by name or criticality."""
        await reads.caught_up(after)
        asked = await register_asked(
            request, reads, q=q, org_unit_id=org_unit_id, lifecycle=lifecycle, criticality=criticality,
            personal_data=personal_data, no_systemejer=no_systemejer, holder=holder, holder_q=holder_q, at=at,
            known_at=known_at, sort=sort)
        if (again := tidy(request, asked, page)) is not None:
            return again
        found = await RegisterPageQueries(reads.reader).systems(asked.filter, PAGE, (page - 1) * PAGE)
        f = asked.filter
        return _page("systems.html", await _context(
            request, reads, items=found.rows, asked=asked, f=f, paging=pages(page, found.total, PAGE),
            q=f.q or "", org_unit_id=choice(org_unit_id, UUID, "org_unit_id"), lifecycle=f.lifecycle,
            criticality=f.criticality, personal_data=f.personal_data, no_systemejer=f.no_systemejer,
            holder=asked.query.get("holder"), holder_q=asked.query.get("holder_q", ""), at=asked.query.get("at"),
            known_at=asked.query.get("known_at", ""), sort=sort, unit_choices=(await unit_tree(reads)).choices,
            lifecycles=list(Lifecycle), criticalities=list(Criticality), oversight=oversight(request.user),
        ))

    @get("/gaps", operation_id="uiGaps")
    async def gaps(
        self, request: Request, reads: ReadSide, rule: Text = None, role: Text = None, forvaltning: Text = None,
        at: Text = None, page: PageNumber = 1, after: After = None,
    ) -> Template | Redirect:
        """Where responsibility is unclear, by rule, role and forvaltning, as GET /responsibility-gaps lists it."""
        await reads.caught_up(after)
        asked = await gaps_asked(reads, rule=rule, role=role, forvaltning=forvaltning, at=at)
        if (again := tidy(request, asked, page)) is not None:
            return again
        f = asked.filter
        rows, total = await reads.gaps.page(f["day"], rule=f["rule"], role=f["role"], org_unit_ids=f["org_unit_ids"],
                                            limit=PAGE, offset=(page - 1) * PAGE)
        tree = await units(reads)
        return _page("gaps.html", await _context(
            request, reads, items=[gap_item(r) for r in rows], paging=pages(page, total, PAGE), asked=asked,
            rule=f["rule"], role=f["role"], at=f["day"], forvaltning=choice(forvaltning, UUID, "forvaltning"),
            forvaltninger=tree.forvaltninger,
            rules=RULES,
        ))
