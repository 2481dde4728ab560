"""The municipalities of one installation (ANSVAR_TENANCY=schemas) and the national log of what
was done to them.

Each municipality (a tenant) has a slug (`aarhus`, `koege-kommune`), its name, and its own
PostgreSQL schema, `t_<slug>` with `-` as `_`, which holds everything of it: its event log and
tree, its views, sessions, idempotency keys, reminders' state. A slug is checked against
`[a-z0-9-]{2,40}` before anything else sees it and reaches SQL only as a quoted identifier, so no
tenant id is ever pasted into a statement.

The registry lives in the installation's own schema (the one ANSVAR_DATABASE_URL names): the
`tenants` table, and `tenant_operations`, the national log: one row per add, export, setting and
removal, each row's hash covering the row before it, so that a removed municipality's record
cannot be quietly rewritten. A municipality's own settings (required roles, attestation days,
reminder sender) are a few of the ANSVAR_* variables (TENANT_VARIABLES), kept per tenant.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.clock import Clock
from infra.settings import Database, Settings, SettingsError, gap_policy

SLUG = re.compile(r"^[a-z0-9-]{2,40}$")

#: The settings a municipality may have of its own; everything else is the installation's.
TENANT_VARIABLES = (
    "ANSVAR_REQUIRED_ROLES", "ANSVAR_CLAIM_ANSWER_DAYS", "ANSVAR_HANDOVER_ANSWER_DAYS", "ANSVAR_PING_PONG_CHANGES",
    "ANSVAR_PING_PONG_WINDOW_DAYS", "ANSVAR_ATTESTATION_DAYS", "ANSVAR_LOWEST_OWNER_LEVEL",
    "ANSVAR_SMTP_FROM", "ANSVAR_COUNCIL_EMAIL", "ANSVAR_REMINDER_HOUR",
    # its own identity provider (with --issuer): where its keys are, and the audience its tokens name
    "ANSVAR_AUTH_JWKS_URL", "ANSVAR_AUTH_AUDIENCE",
    # the pages' client at that provider, for signing in to the pages (api/ui/oidc_client.py)
    "ANSVAR_OIDC_CLIENT_ID", "ANSVAR_OIDC_CLIENT_SECRET",
    # its own KITOS account (`ansvar --tenant SLUG kitos sync`)
    "ANSVAR_KITOS_URL", "ANSVAR_KITOS_EMAIL", "ANSVAR_KITOS_PASSWORD",
)
SECRET_VARIABLES = frozenset({"ANSVAR_KITOS_PASSWORD", "ANSVAR_OIDC_CLIENT_SECRET"})  # never shown, nor written into the national log


def shown(settings: Mapping[str, str]) -> dict[str, str]:
    """A municipality's settings as a list or the national log may show them: secrets masked."""
    return {k: ("***" if k in SECRET_VARIABLES else v) for k, v in settings.items()}

DDL = (
    "CREATE TABLE IF NOT EXISTS tenants (slug text PRIMARY KEY, name text NOT NULL, schema_name text NOT NULL UNIQUE,"
    " issuer text UNIQUE, settings jsonb NOT NULL DEFAULT '{}', created_at timestamptz NOT NULL,"
    " exported_at timestamptz, exported_size bigint, removed_at timestamptz)",
    "CREATE TABLE IF NOT EXISTS tenant_operations (seq bigint PRIMARY KEY, at timestamptz NOT NULL,"
    " operation text NOT NULL, slug text NOT NULL, detail jsonb NOT NULL, hash bytea NOT NULL)",
)
LOOKUP_SECONDS = 5.0  # a removal reaches every process's cache within this


class TenantError(ValueError):
    """An operation on a municipality that cannot be done; `str(exc)` says why, for an operator."""


def check_slug(slug: object) -> str:
    if not isinstance(slug, str) or not SLUG.match(slug):
        raise TenantError("a municipality's slug is 2 to 40 of a-z, 0-9 and '-' (e.g. 'aarhus')")
    return slug


def schema_for(slug: str) -> str:
    return "tenant_" + check_slug(slug).replace("-", "_")


def check_settings(settings: Mapping[str, str]) -> dict[str, str]:
    unknown = sorted(set(settings) - set(TENANT_VARIABLES))
    if unknown:
        raise TenantError(f"a municipality cannot have its own {', '.join(unknown)}; it may set {', '.join(TENANT_VARIABLES)}")
    return {k: str(v) for k, v in settings.items()}


@dataclass(frozen=True)
class Tenant:
    slug: str
    name: str
    schema: str
    created_at: datetime
    issuer: str | None = None
    settings: dict[str, str] = field(default_factory=dict)
    exported_at: datetime | None = None
    exported_size: int | None = None
    removed_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.removed_at is None


@dataclass(frozen=True)
class Operation:
    seq: int
    at: datetime
    operation: str
    slug: str
    detail: dict[str, Any]
    hash: bytes


def operation_hash(previous: bytes, seq: int, at: datetime, operation: str, slug: str, detail: Mapping[str, Any]) -> bytes:
    body = json.dumps([seq, at.isoformat(), operation, slug, dict(detail)], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(previous + body.encode()).digest()


_COLUMNS = "slug, name, schema_name, created_at, issuer, settings, exported_at, exported_size, removed_at"


def _tenant(row: tuple[Any, ...]) -> Tenant:
    slug, name, schema, created, issuer, settings, exported, size, removed = row
    return Tenant(slug, name, schema, created, issuer, dict(settings or {}), exported, size, removed)


class TenantRegistry:
    """The installation's municipalities, on PostgreSQL, in the schema ANSVAR_DATABASE_URL names."""

    def __init__(self, db: Database, clock: Clock, pool: Any = None) -> None:
        if db.kind != "postgres":
            raise SettingsError("ANSVAR_TENANCY=schemas needs PostgreSQL (ANSVAR_DATABASE_URL=postgresql://...)")
        self.db = db
        self.clock = clock
        self.pool = pool  # a running service's shared pool (infra/shared_pools.py); else a connection per use
        self._seen: dict[str, tuple[Tenant | None, float]] = {}
        self._issuers: dict[str, tuple[Tenant | None, float]] = {}
        self._lock = threading.Lock()

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        """A connection in a transaction on the installation's schema (SET LOCAL: nothing outlives it)."""
        import psycopg
        from psycopg import sql

        set_local = sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(self.db.schema))
        if self.pool is not None:
            from psycopg.rows import dict_row, tuple_row

            with self.pool.connection() as conn:
                conn.row_factory = tuple_row  # the pool's other users read dicts
                try:
                    with conn.transaction():
                        conn.execute(set_local)
                        yield conn
                finally:
                    conn.row_factory = dict_row
            return
        with psycopg.connect(self.db.dsn, autocommit=True, connect_timeout=5) as conn, conn.transaction():
            conn.execute(set_local)
            yield conn

    def setup(self) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.db.dsn, autocommit=True, connect_timeout=5) as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(7243, hashtext(%s))", (self.db.schema,))
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.db.schema)))
            conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(self.db.schema)))
            for statement in DDL:
                conn.execute(statement)

    def add(self, slug: str, name: str, *, issuer: str | None = None, settings: Mapping[str, str] | None = None) -> Tenant:
        """Register a municipality and make its schema (its tables are made when it is first opened)."""
        from psycopg import errors, sql

        check_slug(slug)
        name = " ".join(str(name).split())
        if not name or len(name) > 200:
            raise TenantError("a municipality's name is 1 to 200 characters (e.g. 'Aarhus Kommune')")
        own = check_settings(settings or {})
        now = self.clock.now()
        try:
            with self._connection() as conn:
                conn.execute(f"INSERT INTO tenants ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, NULL, NULL, NULL)",
                             (slug, name, schema_for(slug), now, issuer, json.dumps(own)))
                conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema_for(slug))))
                self._record(conn, "add", slug, {"name": name, "issuer": issuer, "settings": shown(own)})
        except errors.UniqueViolation:
            raise TenantError(f"a municipality with the slug {slug!r}, its schema or the issuer {issuer!r} exists already"
                              " (a removed one's slug is not given out again)") from None
        self._forget(slug)
        return self.get(slug, fresh=True)  # type: ignore[return-value]

    def configure(self, slug: str, *, settings: Mapping[str, str] | None = None, issuer: str | None = None) -> Tenant:
        tenant = self.require(slug)
        own = {**tenant.settings, **check_settings(settings or {})}
        with self._connection() as conn:
            conn.execute("UPDATE tenants SET settings = %s, issuer = %s WHERE slug = %s",
                         (json.dumps(own), issuer if issuer is not None else tenant.issuer, slug))
            self._record(conn, "configure", slug, {"settings": shown(own), "issuer": issuer or tenant.issuer})
        self._forget(slug)
        return self.require(slug)

    def exported(self, slug: str, size: int, digest: str) -> None:
        """Remember that everything up to log size `size` was exported (a removal needs it)."""
        self.require(slug)
        with self._connection() as conn:
            conn.execute("UPDATE tenants SET exported_at = %s, exported_size = %s WHERE slug = %s",
                         (self.clock.now(), size, slug))
            self._record(conn, "export", slug, {"size": size, "sha256": digest})
        self._forget(slug)

    def granted(self, person_id: Any, slugs: list[str], ttl: Any) -> None:
        """Record that a national auditor's token reads these municipalities (ansvar token issue --tenants)."""
        with self._connection() as conn:
            for slug in slugs:
                self._record(conn, "grant-read", slug, {"person_id": str(person_id), "seconds": int(ttl.total_seconds())})

    def remove(self, slug: str, size_now: int) -> None:
        """Drop a municipality's schema, only after an export that holds its whole log."""
        from psycopg import sql

        tenant = self.require(slug)
        if tenant.exported_size is None:
            raise TenantError(f"{slug} has not been exported: run 'ansvar tenant export {slug} FILE' first")
        if tenant.exported_size != size_now:
            raise TenantError(f"{slug}'s log has {size_now} events and its last export holds {tenant.exported_size}:"
                              " export it again first")
        with self._connection() as conn:
            conn.execute("UPDATE tenants SET removed_at = %s, issuer = NULL WHERE slug = %s", (self.clock.now(), slug))
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(tenant.schema)))
            self._record(conn, "remove", slug, {"size": size_now})
        self._forget(slug)

    def _record(self, conn: Any, operation: str, slug: str, detail: Mapping[str, Any]) -> None:
        conn.execute("LOCK TABLE tenant_operations IN EXCLUSIVE MODE")
        last = conn.execute("SELECT seq, hash FROM tenant_operations ORDER BY seq DESC LIMIT 1").fetchone()
        seq, previous = (last[0] + 1, bytes(last[1])) if last else (1, b"")
        at = self.clock.now()
        conn.execute("INSERT INTO tenant_operations (seq, at, operation, slug, detail, hash) VALUES (%s, %s, %s, %s, %s, %s)",
                     (seq, at, operation, slug, json.dumps(dict(detail)), operation_hash(previous, seq, at, operation, slug, detail)))

    def operations(self) -> list[Operation]:
        with self._connection() as conn:
            rows = conn.execute("SELECT seq, at, operation, slug, detail, hash FROM tenant_operations ORDER BY seq").fetchall()
        return [Operation(seq, at, op, slug, dict(detail), bytes(digest)) for seq, at, op, slug, detail, digest in rows]

    def broken_operation(self) -> int | None:
        """The first row of the national log whose hash does not follow from the rows before it."""
        previous = b""
        for op in self.operations():
            if operation_hash(previous, op.seq, op.at, op.operation, op.slug, op.detail) != op.hash:
                return op.seq
            previous = op.hash
        return None

    def list(self, *, removed: bool = False) -> list[Tenant]:
        with self._connection() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM tenants ORDER BY slug").fetchall()
        return [t for t in map(_tenant, rows) if removed or t.active]

    def get(self, slug: str, *, fresh: bool = False) -> Tenant | None:
        """The active municipality with this slug (None for an unknown or removed one); read again
        at most every LOOKUP_SECONDS."""
        if not isinstance(slug, str) or not SLUG.match(slug):
            return None
        now = time.monotonic()
        with self._lock:
            seen = self._seen.get(slug)
        if seen is not None and not fresh and now - seen[1] < LOOKUP_SECONDS:
            return seen[0]
        with self._connection() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM tenants WHERE slug = %s", (slug,)).fetchone()
        tenant = _tenant(row) if row else None
        tenant = tenant if tenant is not None and tenant.active else None
        with self._lock:
            self._seen[slug] = (tenant, now)
            if len(self._seen) > 10_000:
                self._seen.clear()
        return tenant

    def remembered(self, slug: str) -> tuple[bool, Tenant | None]:
        """(True, the municipality) if `get` would answer from what it read less than
        LOOKUP_SECONDS ago, without I/O; (False, None) if it would read the registry."""
        with self._lock:
            seen = self._seen.get(slug)
        if seen is not None and time.monotonic() - seen[1] < LOOKUP_SECONDS:
            return True, seen[0]
        return False, None

    def require(self, slug: str) -> Tenant:
        tenant = self.get(check_slug(slug), fresh=True)
        if tenant is None:
            raise TenantError(f"there is no municipality {slug!r} (see 'ansvar tenant list')")
        return tenant

    def by_issuer(self, issuer: str) -> Tenant | None:
        """The municipality an identity provider's issuer is registered to (read again at most every LOOKUP_SECONDS)."""
        now = time.monotonic()
        with self._lock:
            seen = self._issuers.get(issuer)
        if seen is not None and now - seen[1] < LOOKUP_SECONDS:
            return seen[0]
        with self._connection() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM tenants WHERE issuer = %s AND removed_at IS NULL",
                               (issuer,)).fetchone()
        tenant = _tenant(row) if row else None
        with self._lock:
            if len(self._issuers) > 1000:
                self._issuers.clear()
            self._issuers[issuer] = (tenant, now)
        return tenant

    def _forget(self, slug: str) -> None:
        with self._lock:
            self._seen.pop(slug, None)


def settings_for(base: Settings, tenant: Tenant) -> Settings:
    """The installation's settings as one municipality runs on them: its schema, its checkpoint
    origin (`<installation origin>/<slug>`) and signer key (infra/log_key.py), its own thresholds
    and reminder sender."""
    from dataclasses import replace

    from infra import log_key

    own = tenant.settings.get
    installation_key = log_key.signing_key(base)
    origin = f"{log_key.origin(base, installation_key)}/{tenant.slug}"
    key = log_key.tenant_key(installation_key, origin, tenant.slug)
    reminders = base.reminders
    if own("ANSVAR_SMTP_FROM") and reminders.smtp is not None:
        reminders = replace(reminders, smtp=replace(reminders.smtp, sender=own("ANSVAR_SMTP_FROM")))
    if own("ANSVAR_COUNCIL_EMAIL"):
        reminders = replace(reminders, council_email=own("ANSVAR_COUNCIL_EMAIL"))
    if own("ANSVAR_REMINDER_HOUR"):
        reminders = replace(reminders, hour=int(own("ANSVAR_REMINDER_HOUR")))
    try:
        policy = gap_policy(own, base.gap_policy)
    except ValueError as exc:
        raise TenantError(f"{tenant.slug}'s own settings: {exc}") from None
    kitos = replace(base.kitos, **{field: own(variable) for variable, field in (
        ("ANSVAR_KITOS_URL", "url"), ("ANSVAR_KITOS_EMAIL", "email"), ("ANSVAR_KITOS_PASSWORD", "password"),
    ) if own(variable)})
    return replace(
        base, database=replace(base.database, schema=tenant.schema), gap_policy=policy, reminders=reminders, kitos=kitos,
        log=replace(base.log, origin=origin, key=str(key) if key else None, key_file=None),
        tenancy=replace(base.tenancy, tenant=tenant.slug),
    )
