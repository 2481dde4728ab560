"""`ansvar kitos sync` and `POST /kitos/sync`: fetch one organisation from KITOS
(infra/kitos.py), plan what it changes in the register (domain/kitos_plan.py), and, with
`apply`, write it all or nothing as the spreadsheet import does. Without `apply` a dry run:
the same report, nothing written. A KITOS refusal (wrong password, no API access, wrong
organisation) writes nothing either."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import anyio.to_thread

from domain.commands import SYSTEM, Actor
from domain.errors import InvalidValue, UpstreamRefused
from domain.kitos_plan import Kitos, SyncPlan, kitos_time, plan_sync
from infra.kitos import KitosClient, KitosError
from projections.kitos_view import load_links

_SYNCS = ("CREATE TABLE IF NOT EXISTS kitos_syncs (kitos text NOT NULL, organization text NOT NULL,"
          " synced_at text NOT NULL, PRIMARY KEY (kitos, organization))")


class KitosRefused(UpstreamRefused):
    slug = "kitos-refused"
    title = "KITOS refused or could not be reached; nothing was written"


def read_roles(content: bytes) -> dict[str, str]:
    """A municipality's role names: JSON {"KITOS role name": "ansvar role"}."""
    from domain.vocabulary import Role

    try:
        mapping = json.loads(content)
    except ValueError:
        raise InvalidValue("role-mapping-not-json", field="roles") from None
    if not isinstance(mapping, dict) or any(v not in {r.value for r in Role} for v in mapping.values()):
        raise InvalidValue("role-mapping-roles", field="roles", allowed=[r.value for r in Role])
    return mapping


def client_for(runtime: Any) -> KitosClient:
    account = runtime.settings.kitos
    for name, value in (("ANSVAR_KITOS_URL", account.url), ("ANSVAR_KITOS_EMAIL", account.email),
                        ("ANSVAR_KITOS_PASSWORD", account.password)):
        if not value:
            raise InvalidValue("kitos-setting-missing", field=name)
    try:
        # The client's own clock only times KITOS's token (KITOS's time, not business time).
        return KitosClient(account.url, account.email, account.password)
    except ValueError as exc:
        raise InvalidValue("kitos-address", field="ANSVAR_KITOS_URL", url=account.url) from None


def fetch(client: KitosClient, organization: str, since: datetime | None,
          progress: Callable[[str, int, int], None] | None = None) -> tuple[Kitos, list[dict[str, Any]]]:
    units = list(client.org_units(organization))
    usages = []
    for usage in client.usages(organization, since):
        usages.append(usage)
        if progress:
            progress("usages", len(usages), 0)
    wanted = sorted({str(e["user"]["uuid"]) for u in usages if isinstance(u, dict) for e in _list(u.get("roles"))
                     if isinstance(e, dict) and isinstance(e.get("user"), dict) and e["user"].get("uuid")})
    # The organisation's users in pages (a role entry has no e-mail), then any not listed one by one.
    try:
        listed = {str(u.get("uuid")): u for u in client.users(organization)}
    except KitosError as exc:
        if exc.status in (401, None):  # the credentials or the network: the sync cannot go on
            raise
        listed = {}  # no list of users here: each looked up on its own
    users: dict[str, Any] = {uuid: listed[uuid] for uuid in wanted if uuid in listed}
    for n, uuid in enumerate([w for w in wanted if w not in listed], 1):
        try:
            users[uuid] = client.user(organization, uuid)
        except KitosError as exc:
            if exc.status != 404:
                raise
            users[uuid] = None
        if progress:
            progress("users", n, len(wanted) - len(users))
    deleted: list[dict[str, Any]] = []
    if since is not None:
        try:
            deleted = list(client.deleted_usages(since))
        except KitosError as exc:
            if exc.status in (401, None):
                raise
            deleted = [{"unavailable": str(exc)}]  # reported; the sync itself does not depend on it
    return Kitos(client.base, units, usages, users), deleted


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def last_sync(runtime: Any, kitos: str, organization: str) -> datetime | None:
    with runtime.db.transaction() as cur:
        cur.execute(_SYNCS)
        cur.execute("SELECT synced_at FROM kitos_syncs WHERE kitos = ? AND organization = ?", (kitos, organization))
        row = cur.fetchone()
    return datetime.fromisoformat(row["synced_at"]) if row else None


def remember(runtime: Any, kitos: str, organization: str, when: datetime) -> None:
    with runtime.db.transaction() as cur:
        cur.execute(_SYNCS)
        cur.execute("INSERT INTO kitos_syncs (kitos, organization, synced_at) VALUES (?, ?, ?)"
                    " ON CONFLICT (kitos, organization) DO UPDATE SET synced_at = excluded.synced_at",
                    (kitos, organization, when.isoformat()))


async def sync(runtime: Any, organization: str, *, apply: bool = False, since: datetime | None = None,
               roles: dict[str, str] | None = None, actor: Actor = SYSTEM, client: KitosClient | None = None,
               progress: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    client = client or client_for(runtime)
    if since is None:
        since = await anyio.to_thread.run_sync(last_sync, runtime, client.base, organization)
    try:
        kitos, deleted = await anyio.to_thread.run_sync(fetch, client, organization, since, progress)
    except KitosError as exc:
        raise KitosRefused(field="organization", reason=exc.detail, url=exc.url, status=exc.status) from None
    reads = runtime.reads
    await reads.caught_up(await reads.log_head())
    today = reads.today()
    snapshot = await reads.register.snapshot(today)

    def links() -> Any:
        with runtime.db.transaction(write=False) as cur:
            return load_links(cur, client.base)

    known = await anyio.to_thread.run_sync(links)  # also what the deleted usages were (created before)
    planned = plan_sync(kitos, snapshot, known, today, roles, runtime.portfolio.skeleton)
    receipt = None
    if apply and not planned.plan.writes_nothing:
        receipt = await anyio.to_thread.run_sync(
            lambda: runtime.portfolio.import_inventory(planned.plan, {"kitos": client.base}, actor, planned.sources))
    # Remembered in KITOS's own time (the latest lastModified it served), never this clock's: the
    # next sync asks for what changed since then (changedSinceGtEq is inclusive: the boundary usage
    # comes again, and changes nothing).
    newest = max((m for m in (kitos_time(u.get("lastModified")) for u in kitos.usages if isinstance(u, dict)) if m),
                 default=None)
    if apply and newest is not None and (since is None or newest > since):
        await anyio.to_thread.run_sync(remember, runtime, client.base, organization, newest)
    return report(planned, kitos, organization, since, apply, receipt.position if receipt else None, deleted, known,
                  client.requests)


def report(planned: SyncPlan, kitos: Kitos, organization: str, since: datetime | None, applied: bool,
           position: int | None, deleted: list[dict[str, Any]], links: Any, requests: int) -> dict[str, Any]:
    plan, sources = planned.plan, planned.sources

    def uuid(row: int) -> str | None:
        return sources.get(row, {}).get("uuid")

    return {
        "kitos": kitos.url, "organization": organization, "since": since.isoformat() if since else None,
        "dry_run": not applied, "applied": applied and not plan.writes_nothing, "position": position,
        "usages_read": planned.usages_read, "org_units_read": planned.units_read, "requests": requests,
        "systems": {"to_create": len(plan.systems), "matched": len(plan.matched_systems)},
        "people": {"to_create": len(plan.people)},
        "org_units": {"to_create": len(plan.units)},
        "facts": plan.fact_counts(),
        "systems_to_create": [{"uuid": uuid(s.row), "name": s.name} for s in plan.systems],
        "people_to_create": [{"uuid": uuid(p.row), "name": p.name, "email": p.email} for p in plan.people],
        "org_units_to_create": [{"uuid": uuid(u.row), "name": u.name, "level": u.level} for u in plan.units],
        # A user who may be one already registered (domain/person_match.py), with every record: not guessed.
        "possible_duplicates": [{"uuid": uuid(d.row), "records": list(d.records)} for d in plan.possible_duplicates],
        "problems": [{"uuid": uuid(p.row), "entity": sources.get(p.row, {}).get("entity"), "field": p.column,
                      "value": p.value, "kind": p.kind, "detail": p.detail} for p in plan.problems],
        # Usages KITOS deleted since the last sync: the council decides (never an automatic decommissioning).
        "deleted_in_kitos": [{"uuid": str(d.get("entityUuid")), "occurred_at": d.get("occurredAtUtc"),
                              "system_id": str(links.systems[str(d.get("entityUuid"))])
                              if str(d.get("entityUuid")) in links.systems else None}
                             for d in deleted if "unavailable" not in d],
        "deleted_feed": next((d["unavailable"] for d in deleted if "unavailable" in d), "read" if since else "not asked"),
    }
