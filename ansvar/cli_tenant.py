"""`ansvar tenant add|list|configure|export|remove|log`: the municipalities of an installation that
serves several (ANSVAR_TENANCY=schemas; infra/tenants.py), administered while it runs.

Adding one takes effect without a restart: a running API opens it on the first request for it.
An export is one zip: the municipality's log as `ansvar log export` writes it (`log.jsonl`,
checked by `ansvar verify --export FILE.zip`), its schema as `pg_dump` writes it (`schema.sql`, to
restore or move it: `psql -f schema.sql`), and `tenant.json` (its name, settings, origin and
verifier key). A municipality is removed only when its last export holds its whole log; every
add, export, setting and removal is a row of the national log (`ansvar tenant log`)."""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

from ansvar.console import progress, refuse, report
from domain.clock import Clock
from infra.log_export import LOG_MEMBER, write
from infra.settings import Settings
from infra.tenants import TENANT_VARIABLES, TenantError, TenantRegistry, settings_for, shown


def cmd_tenant(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    if not settings.tenancy.enabled:
        refuse("this installation serves one municipality: set ANSVAR_TENANCY=schemas (on PostgreSQL) to serve several",
               as_json=args.json)
        return 2
    registry = TenantRegistry(settings.database, clock)
    registry.setup()
    try:
        return _ACTIONS[args.action](registry, settings, clock, args)
    except TenantError as exc:
        refuse(str(exc), as_json=args.json)
        return 2


def _add(registry: TenantRegistry, settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    from ansvar.bootstrap import bootstrap

    if not args.name:
        raise TenantError("--name is required: the municipality's name as people read it, e.g. 'Aarhus Kommune'")
    tenant = registry.add(args.slug, args.name, issuer=args.issuer, settings=_pairs(args.set))
    runtime = bootstrap(settings_for(settings, tenant), clock)  # its tables, now rather than on the first request
    try:
        transparency = runtime.transparency
        key = transparency.verifier_key if transparency is not None and transparency.key is not None else None
        origin = transparency.origin if transparency is not None else None
    finally:
        runtime.close()
    _say(args, {"slug": tenant.slug, "name": tenant.name, "schema": tenant.schema, "origin": origin, "key": key},
         f"{tenant.name} added as {tenant.slug} (schema {tenant.schema}); its checkpoints' origin is {origin},"
         f" verified by {key or '(unsigned: no ANSVAR_LOG_KEY)'}")
    return 0


def _configure(registry: TenantRegistry, settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    tenant = registry.configure(args.slug, settings=_pairs(args.set), issuer=args.issuer)
    settings_for(settings, tenant)  # refuses settings that would not start it
    _say(args, {"slug": tenant.slug, "settings": shown(tenant.settings), "issuer": tenant.issuer},
         f"{tenant.slug}: {json.dumps(shown(tenant.settings), ensure_ascii=False)}; issuer {tenant.issuer or '-'}")
    return 0


def _list(registry: TenantRegistry, settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    tenants = registry.list(removed=args.removed)
    rows = [{"slug": t.slug, "name": t.name, "schema": t.schema, "issuer": t.issuer, "created_at": t.created_at.isoformat(),
             "exported_at": t.exported_at.isoformat() if t.exported_at else None,
             "removed_at": t.removed_at.isoformat() if t.removed_at else None, "settings": shown(t.settings)}
            for t in tenants]
    if args.json:
        report.json({"tenants": rows})
        return 0
    for row in rows:
        state = f"removed {row['removed_at']}" if row["removed_at"] else f"exported {row['exported_at'] or 'never'}"
        print(f"{row['slug']}\t{row['name']}\t{row['schema']}\tissuer {row['issuer'] or '-'}\t{state}")
    progress.print(f"{len(rows)} municipalities")
    return 0


def _export(registry: TenantRegistry, settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    from ansvar.bootstrap import bootstrap

    tenant = registry.require(args.slug)
    tenant_settings = settings_for(settings, tenant)
    runtime = bootstrap(tenant_settings, clock)
    try:
        transparency = runtime.transparency
        assert transparency is not None
        checkpoint = transparency.checkpoint() if transparency.key is not None else None
        key = transparency.verifier_key if transparency.key is not None else None
        log = io.StringIO()
        written = write(transparency.proofs, checkpoint, key, log)
    finally:
        runtime.close()
    dump = _pg_dump(tenant_settings, tenant.schema)
    out = Path(args.file)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as pack:
        pack.writestr(LOG_MEMBER, log.getvalue())
        pack.writestr("schema.sql", dump)
        pack.writestr("tenant.json", json.dumps({
            "slug": tenant.slug, "name": tenant.name, "schema": tenant.schema, "issuer": tenant.issuer,
            "settings": shown(tenant.settings), "origin": transparency.origin, "key": key, "events": written,
            "exported_at": clock.now().isoformat(),
        }, ensure_ascii=False, indent=2))
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    registry.exported(tenant.slug, written, digest)
    _say(args, {"slug": tenant.slug, "file": str(out), "events": written, "sha256": digest},
         f"{tenant.name} exported to {out}: {written} events, schema dump, settings; sha256 {digest}."
         f" Check it with: ansvar verify --export {out}")
    return 0


def _pg_dump(settings: Settings, schema: str) -> str:
    binary = shutil.which("pg_dump")
    if binary is None:
        raise TenantError("pg_dump is not installed here: install PostgreSQL's client programs to export a municipality")
    done = subprocess.run([binary, "--schema", schema, "--no-owner", "--no-privileges", "--dbname", settings.database.dsn],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise TenantError(f"pg_dump failed: {done.stderr.strip()[:500]}")
    return done.stdout


def _remove(registry: TenantRegistry, settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    from ansvar.bootstrap import bootstrap

    tenant = registry.require(args.slug)
    runtime = bootstrap(settings_for(settings, tenant), clock)
    try:
        assert runtime.transparency is not None
        size, exported = runtime.transparency.proofs.size(), tenant.exported_size
    finally:
        runtime.close()
    registry.remove(tenant.slug, size)
    _say(args, {"slug": tenant.slug, "removed": True, "events": size, "exported_events": exported},
         f"{tenant.name} ({tenant.slug}) removed: its schema {tenant.schema} is dropped; its export holds its {size} events")
    return 0


def _log(registry: TenantRegistry, settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    operations = registry.operations()
    broken = registry.broken_operation()
    rows = [{"seq": o.seq, "at": o.at.isoformat(), "operation": o.operation, "slug": o.slug, "detail": o.detail,
             "hash": o.hash.hex()} for o in operations]
    if args.json:
        report.json({"ok": broken is None, "first_broken": broken, "operations": rows})
    else:
        for row in rows:
            print(f"{row['seq']}\t{row['at']}\t{row['operation']}\t{row['slug']}\t{json.dumps(row['detail'], ensure_ascii=False)}")
        progress.print("the national log's chain holds" if broken is None else f"the national log is broken at row {broken}")
    return 0 if broken is None else 1


_ACTIONS = {"add": _add, "configure": _configure, "list": _list, "export": _export, "remove": _remove, "log": _log}


def _pairs(given: list[str] | None) -> dict[str, str]:
    pairs = {}
    for item in given or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise TenantError(f"--set takes VARIABLE=VALUE, not {item!r}")
        pairs[name.strip()] = value.strip()
    return pairs


def _say(args: argparse.Namespace, data: dict[str, object], sentence: str) -> None:
    if args.json:
        report.json(data)
    else:
        report.print(sentence, soft_wrap=True, highlight=False, markup=False)


def register(sub: argparse._SubParsersAction) -> None:
    tenant = sub.add_parser("tenant", help="the municipalities of an installation that serves several (ANSVAR_TENANCY)")
    tenant.add_argument("action", choices=list(_ACTIONS))
    tenant.add_argument("slug", nargs="?", help="the municipality: 2-40 of a-z, 0-9 and '-'")
    tenant.add_argument("file", nargs="?", help="export: the zip to write")
    tenant.add_argument("--name", help="add: the municipality's name, e.g. 'Aarhus Kommune'")
    tenant.add_argument("--issuer", help="the identity provider's issuer (iss) whose tokens are for this municipality")
    tenant.add_argument("--set", action="append", metavar="VARIABLE=VALUE",
                        help=f"a setting of its own; repeat. One of {', '.join(TENANT_VARIABLES)}")
    tenant.add_argument("--removed", action="store_true", help="list: removed municipalities too")
    tenant.add_argument("--json", action="store_true", help="print one JSON document for scripts")
    tenant.set_defaults(run=cmd_tenant)
