"""Settings, read from the environment in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from domain.gaps import GapPolicy

DEFAULT_DATABASE_URL = "sqlite:///data/ansvar.db"

#: Every environment variable the settings read; docker-compose.yml may set only these.
VARIABLES = (
    "ANSVAR_DATABASE_URL", "ANSVAR_HOST", "ANSVAR_PORT", "ANSVAR_LOG_LEVEL", "ANSVAR_LOG_FORMAT",
    "ANSVAR_RUN_PROJECTIONS", "ANSVAR_READ_WAIT_SECONDS", "ANSVAR_MAX_BODY_BYTES", "ANSVAR_DB_POOL_SIZE",
    "ANSVAR_REQUIRED_ROLES", "ANSVAR_CLAIM_ANSWER_DAYS", "ANSVAR_HANDOVER_ANSWER_DAYS", "ANSVAR_PING_PONG_CHANGES",
    "ANSVAR_PING_PONG_WINDOW_DAYS", "ANSVAR_ATTESTATION_DAYS", "ANSVAR_LOWEST_OWNER_LEVEL",
    "ANSVAR_AUTH_SECRET", "ANSVAR_AUTH_ISSUER", "ANSVAR_AUTH_AUDIENCE", "ANSVAR_AUTH_JWKS_URL",
    "ANSVAR_AUTH_ALGORITHMS", "ANSVAR_AUTH_JWKS_CACHE_SECONDS", "ANSVAR_IDEMPOTENCY_KEY_HOURS",
    "ANSVAR_LOG_ORIGIN", "ANSVAR_LOG_KEY", "ANSVAR_LOG_KEY_FILE", "ANSVAR_LOG_WITNESSES",
    "ANSVAR_SMTP_HOST", "ANSVAR_SMTP_PORT", "ANSVAR_SMTP_FROM", "ANSVAR_SMTP_STARTTLS", "ANSVAR_SMTP_USER",
    "ANSVAR_SMTP_PASSWORD", "ANSVAR_REMINDER_HOUR", "ANSVAR_COUNCIL_EMAIL",
    "ANSVAR_KITOS_URL", "ANSVAR_KITOS_EMAIL", "ANSVAR_KITOS_PASSWORD",
    "ANSVAR_OIDC_CLIENT_ID", "ANSVAR_OIDC_CLIENT_SECRET", "ANSVAR_PUBLIC_URL",
    "ANSVAR_TENANCY", "ANSVAR_TENANTS_OPEN", "ANSVAR_TENANT_IDLE_SECONDS", "ANSVAR_TENANT",
)


class SettingsError(ValueError):
    pass


#: libpq's `target_session_attrs` values that psycopg (libpq 14+) and asyncpg both understand.
SESSION_ATTRS = ("any", "read-write", "read-only", "primary", "standby", "prefer-standby")


@dataclass(frozen=True)
class Database:
    """Where events and read models live: `memory`, a SQLite file, or PostgreSQL.

    PostgreSQL may be several servers, in libpq's multi-host form
    (`postgresql://h1:5432,h2:5432/ansvar?target_session_attrs=read-write`): every connection,
    the write side's, the views' and the API's reads, tries them in order and takes the first
    with the wanted session attributes, so after a failover new connections find the promoted
    primary. `host` and `port` are the first server's; `hosts` all of them."""

    kind: str  # "memory" | "sqlite" | "postgres"
    path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 5432
    name: str = ""
    user: str = "postgres"
    password: str = ""
    schema: str = "public"
    hosts: tuple[tuple[str, int], ...] = ()  # () means ((host, port),)
    # None: libpq's default ("any"). Several hosts and none given: "read-write", since ansvar writes.
    target_session_attrs: str | None = None

    @classmethod
    def from_url(cls, url: str) -> Database:
        parts = urlsplit(url)
        if parts.scheme in ("memory", "mem"):
            return cls("memory")
        if parts.scheme == "sqlite":
            raw = unquote(parts.netloc + parts.path)
            path = raw[1:]  # sqlite:///relative.db, sqlite:////absolute.db
            if not path:
                raise SettingsError(f"ANSVAR_DATABASE_URL names no SQLite file: {url!r}")
            return cls("sqlite", path=Path(path))
        if parts.scheme in ("postgres", "postgresql"):
            query = parse_qs(parts.query)
            userinfo, _, hostlist = parts.netloc.rpartition("@")
            user, _, password = userinfo.partition(":")
            hosts = _hosts(hostlist, url)
            attrs = query.get("target_session_attrs", [None])[0]
            if attrs is not None and attrs not in SESSION_ATTRS:
                raise SettingsError(f"ANSVAR_DATABASE_URL: target_session_attrs must be one of {', '.join(SESSION_ATTRS)},"
                                    f" not {attrs!r}")
            if attrs is None and len(hosts) > 1:
                attrs = "read-write"
            return cls(
                "postgres",
                host=hosts[0][0],
                port=hosts[0][1],
                name=unquote(parts.path.lstrip("/")) or "postgres",
                user=unquote(user or "postgres"),
                password=unquote(password),
                schema=query.get("schema", ["public"])[0],
                hosts=hosts if len(hosts) > 1 else (),
                target_session_attrs=attrs,
            )
        raise SettingsError(f"ANSVAR_DATABASE_URL must start with sqlite://, postgresql:// or memory://, not {url!r}")

    @property
    def servers(self) -> tuple[tuple[str, int], ...]:
        """Every server, in the order they are tried."""
        return self.hosts or ((self.host, self.port),)

    @property
    def dsn(self) -> str:
        """A libpq URI for psycopg: every server, and the session attributes wanted."""
        auth = quote(self.user, safe="") + (f":{quote(self.password, safe='')}" if self.password else "")
        servers = ",".join(f"{_bracketed(h)}:{p}" for h, p in self.servers)
        attrs = f"?target_session_attrs={self.target_session_attrs}" if self.target_session_attrs else ""
        return f"postgresql://{auth}@{servers}/{quote(self.name, safe='')}{attrs}"


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _hosts(hostlist: str, url: str) -> tuple[tuple[str, int], ...]:
    """`h1:5432,h2,[::1]:5433` as ((host, port), ...); a host without a port is on 5432."""
    found = []
    for entry in (hostlist or "127.0.0.1").split(","):
        entry = entry.strip()
        if entry.startswith("["):  # an IPv6 address
            host, _, rest = entry[1:].partition("]")
            port_text = rest.removeprefix(":")
        else:
            host, _, port_text = entry.partition(":")
        if not host:
            raise SettingsError(f"ANSVAR_DATABASE_URL names an empty host in {hostlist!r}")
        if port_text and not (port_text.isdigit() and 0 < int(port_text) < 65536):
            raise SettingsError(f"ANSVAR_DATABASE_URL: {port_text!r} is not a port (in {hostlist!r})")
        found.append((unquote(host), int(port_text) if port_text else 5432))
    return tuple(found)


#: Signature algorithms an identity provider may use; symmetric ones never come from a JWKS.
ASYMMETRIC = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"})
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class Auth:
    """How bearer tokens are verified: a shared HS256 secret (local use), an identity provider's
    published keys (issuer, audience, JWKS URL), or both."""

    secret: str | None = None
    issuer: str | None = None
    audience: str | None = None
    jwks_url: str | None = None
    algorithms: tuple[str, ...] = ("RS256",)
    jwks_cache_seconds: int = 300

    @property
    def configured(self) -> bool:
        return bool(self.secret or self.jwks_url)

    def check(self) -> Auth:
        if self.secret is not None and len(self.secret) < MIN_SECRET_LENGTH:
            raise SettingsError(f"ANSVAR_AUTH_SECRET must be at least {MIN_SECRET_LENGTH} characters")
        if self.jwks_url:
            if not (self.issuer and self.audience):
                raise SettingsError("ANSVAR_AUTH_JWKS_URL needs ANSVAR_AUTH_ISSUER and ANSVAR_AUTH_AUDIENCE too")
            url = urlsplit(self.jwks_url)
            loopback = url.hostname in ("127.0.0.1", "::1", "localhost")
            if url.scheme != "https" and not (url.scheme == "http" and loopback):
                raise SettingsError("ANSVAR_AUTH_JWKS_URL must be https:// (plain http only on the loopback address)")
            wrong = set(self.algorithms) - ASYMMETRIC
            if wrong or not self.algorithms:
                raise SettingsError(f"ANSVAR_AUTH_ALGORITHMS must be asymmetric ({', '.join(sorted(ASYMMETRIC))})")
        if self.jwks_cache_seconds < 1:
            raise SettingsError("ANSVAR_AUTH_JWKS_CACHE_SECONDS must be positive")
        return self


@dataclass(frozen=True)
class Oidc:
    """The web pages' sign-in through the identity provider (OpenID Connect, authorization code
    with PKCE). The provider is the one whose tokens the API already trusts (ANSVAR_AUTH_ISSUER,
    its keys at ANSVAR_AUTH_JWKS_URL); the pages are its client `client_id`."""

    client_id: str | None = None
    client_secret: str | None = None  # a confidential client's; a public client has none (PKCE suffices)
    public_url: str | None = None  # where browsers reach ansvar (the redirect URI's base); default: the request's

    @classmethod
    def from_env(cls, get: Any, audience: str | None) -> Oidc:
        return cls(get("ANSVAR_OIDC_CLIENT_ID") or audience, get("ANSVAR_OIDC_CLIENT_SECRET") or None,
                   (get("ANSVAR_PUBLIC_URL") or "").rstrip("/") or None)


@dataclass(frozen=True)
class Witness:
    """A C2SP tlog-witness: where its add-checkpoint endpoint is, and its verifier key."""

    url: str
    key: str


@dataclass(frozen=True)
class LogSigning:
    """How the log's checkpoints are signed: the origin line naming this installation, and the
    Ed25519 signer key (a `PRIVATE+KEY+...` string, or a file holding one). On the embedded
    default a key is made on first run beside the database (infra/log_key.py)."""

    origin: str | None = None
    key: str | None = None
    key_file: Path | None = None
    witnesses: tuple[Witness, ...] = ()

    @classmethod
    def from_env(cls, get: object) -> LogSigning:
        read = get  # type: ignore[assignment]
        witnesses = []
        for entry in (read("ANSVAR_LOG_WITNESSES") or "").replace("\n", ";").split(";"):  # type: ignore[operator]
            if not entry.strip():
                continue
            parts = entry.split()
            if len(parts) != 2 or not parts[0].startswith(("http://", "https://")):
                raise SettingsError("ANSVAR_LOG_WITNESSES is '<add-checkpoint URL> <verifier key>' entries, ';' between")
            witnesses.append(Witness(parts[0], parts[1]))
        key_file = read("ANSVAR_LOG_KEY_FILE")  # type: ignore[operator]
        return cls(
            origin=read("ANSVAR_LOG_ORIGIN") or None, key=read("ANSVAR_LOG_KEY") or None,  # type: ignore[operator]
            key_file=Path(key_file) if key_file else None, witnesses=tuple(witnesses),
        )


@dataclass(frozen=True)
class Smtp:
    """Where reminders are sent from (ANSVAR_SMTP_*)."""

    host: str
    port: int = 587
    sender: str = "ansvar@localhost"
    starttls: bool = True
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0


@dataclass(frozen=True)
class Reminders:
    """Reminders (advis): the SMTP server (none: nothing is sent on its own), the hour of the day
    (Danish time) the worker sends them, and the council's shared mailbox, used while no council
    meeting names its members."""

    smtp: Smtp | None = None
    hour: int = 7
    council_email: str | None = None

    @classmethod
    def from_env(cls, read: object) -> Reminders:
        get = read  # type: ignore[assignment]
        hour = int(get("ANSVAR_REMINDER_HOUR") or 7)  # type: ignore[operator]
        if not 0 <= hour <= 23:
            raise SettingsError(f"ANSVAR_REMINDER_HOUR is an hour of the day, 0 to 23, not {hour}")
        host = get("ANSVAR_SMTP_HOST")  # type: ignore[operator]
        smtp = None
        if host:
            smtp = Smtp(
                host=host, port=int(get("ANSVAR_SMTP_PORT") or 587),  # type: ignore[operator]
                sender=get("ANSVAR_SMTP_FROM") or "ansvar@localhost",  # type: ignore[operator]
                starttls=(get("ANSVAR_SMTP_STARTTLS") or "true").lower() in ("1", "true", "yes", "y"),  # type: ignore[operator]
                user=get("ANSVAR_SMTP_USER") or None, password=get("ANSVAR_SMTP_PASSWORD") or None,  # type: ignore[operator]
            )
        return cls(smtp=smtp, hour=hour, council_email=get("ANSVAR_COUNCIL_EMAIL") or None)  # type: ignore[operator]


@dataclass(frozen=True)
class KitosAccount:
    """The KITOS API user a municipality's local admin has (ANSVAR_KITOS_*)."""

    url: str | None = None
    email: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class Tenancy:
    """Many municipalities in one installation (ANSVAR_TENANCY=schemas, PostgreSQL only): each in a
    schema of its own (infra/tenants.py); at most `open` of them held open in a process at once, and
    one unused for `idle_seconds` closed. `tenant` (ANSVAR_TENANT) is the one a command-line run acts on."""

    enabled: bool = False
    open: int = 16
    idle_seconds: float = 600.0
    tenant: str | None = None

    @classmethod
    def from_env(cls, get: Any) -> Tenancy:
        mode = (get("ANSVAR_TENANCY") or "off").strip().lower()
        if mode not in ("off", "schemas"):
            raise SettingsError(f"ANSVAR_TENANCY is 'off' or 'schemas', not {mode!r}")
        return cls(enabled=mode == "schemas", open=_positive("ANSVAR_TENANTS_OPEN", get("ANSVAR_TENANTS_OPEN") or "16"),
                   idle_seconds=float(_positive("ANSVAR_TENANT_IDLE_SECONDS", get("ANSVAR_TENANT_IDLE_SECONDS") or "600")),
                   tenant=get("ANSVAR_TENANT") or None)


@dataclass(frozen=True)
class Settings:
    database: Database = field(default_factory=lambda: Database.from_url(DEFAULT_DATABASE_URL))
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    log_format: str = "console"
    run_projections: bool = True
    read_wait_seconds: float = 5.0
    max_body_bytes: int = 1_048_576
    pool_size: int = 10
    idempotency_key_hours: int = 24  # an Idempotency-Key is remembered this long (infra/idempotency.py)
    gap_policy: GapPolicy = field(default_factory=GapPolicy)
    auth: Auth = field(default_factory=Auth)
    log: LogSigning = field(default_factory=LogSigning)
    reminders: Reminders = field(default_factory=Reminders)
    kitos: KitosAccount = field(default_factory=KitosAccount)
    oidc: Oidc = field(default_factory=Oidc)
    tenancy: Tenancy = field(default_factory=lambda: Tenancy())
    environ: tuple[tuple[str, str], ...] = ()  # the ANSVAR_* variables read, for a municipality's own settings

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        get = env.get
        try:
            policy = gap_policy(get, GapPolicy())
            return cls(
                database=Database.from_url(get("ANSVAR_DATABASE_URL") or DEFAULT_DATABASE_URL),
                host=get("ANSVAR_HOST") or "127.0.0.1",
                port=int(get("ANSVAR_PORT") or 8000),
                log_level=(get("ANSVAR_LOG_LEVEL") or "info").lower(),
                log_format=(get("ANSVAR_LOG_FORMAT") or "console").lower(),
                run_projections=(get("ANSVAR_RUN_PROJECTIONS") or "true").lower() in ("1", "true", "yes", "y"),
                read_wait_seconds=float(get("ANSVAR_READ_WAIT_SECONDS") or 5.0),
                max_body_bytes=int(get("ANSVAR_MAX_BODY_BYTES") or 1_048_576),
                pool_size=int(get("ANSVAR_DB_POOL_SIZE") or 10),
                idempotency_key_hours=_positive("ANSVAR_IDEMPOTENCY_KEY_HOURS", get("ANSVAR_IDEMPOTENCY_KEY_HOURS") or "24"),
                gap_policy=policy,
                auth=Auth(
                    secret=get("ANSVAR_AUTH_SECRET") or None,
                    issuer=get("ANSVAR_AUTH_ISSUER") or None,
                    audience=get("ANSVAR_AUTH_AUDIENCE") or None,
                    jwks_url=get("ANSVAR_AUTH_JWKS_URL") or None,
                    algorithms=tuple(a.strip() for a in (get("ANSVAR_AUTH_ALGORITHMS") or "RS256").split(",") if a.strip()),
                    jwks_cache_seconds=int(get("ANSVAR_AUTH_JWKS_CACHE_SECONDS") or 300),
                ).check(),
                log=LogSigning.from_env(get),
                reminders=Reminders.from_env(get),
                kitos=KitosAccount(get("ANSVAR_KITOS_URL") or None, get("ANSVAR_KITOS_EMAIL") or None,
                                   get("ANSVAR_KITOS_PASSWORD") or None),
                oidc=Oidc.from_env(get, get("ANSVAR_AUTH_AUDIENCE") or None),
                tenancy=Tenancy.from_env(get),
                environ=tuple(sorted((k, v) for k, v in env.items() if k in VARIABLES)),
            )
        except ValueError as exc:
            raise SettingsError(str(exc)) from exc

    def served_at(self) -> str:
        """Where `ansvar serve` answers, as a client on this machine reaches it (a server listening on
        every address is reached on the loopback one)."""
        host = self.host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def eventsourcing_env(self) -> dict[str, str]:
        """The eventsourcing library's own settings for this database (never its DB functions)."""
        db = self.database
        if db.kind == "memory":
            return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
        if db.kind == "sqlite":
            assert db.path is not None
            return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(db.path), "SQLITE_LOCK_TIMEOUT": "10"}
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": db.name,
            # libpq takes lists: the library hands these to psycopg, which tries the servers in order.
            "POSTGRES_HOST": ",".join(h for h, _ in db.servers),
            "POSTGRES_PORT": ",".join(str(p) for _, p in db.servers),
            "POSTGRES_USER": db.user,
            "POSTGRES_PASSWORD": db.password,
            "POSTGRES_SCHEMA": db.schema,
            "POSTGRES_POOL_SIZE": str(self.pool_size),
            "POSTGRES_MAX_OVERFLOW": str(self.pool_size),
            "POSTGRES_LOCK_TIMEOUT": "5",
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
            # Read by infra/recorders.py's factory, not the library (which has no such setting).
            "POSTGRES_TARGET_SESSION_ATTRS": db.target_session_attrs or "",
        }


def gap_policy(get: Any, policy: GapPolicy) -> GapPolicy:
    """`policy` with the thresholds the variables (read by `get`) set."""
    if roles := get("ANSVAR_REQUIRED_ROLES"):
        policy = _replace(policy, required_roles=tuple(r.strip() for r in roles.split(",") if r.strip()))
    for var, attr in (
        ("ANSVAR_CLAIM_ANSWER_DAYS", "claim_answer_days"),
        ("ANSVAR_HANDOVER_ANSWER_DAYS", "handover_answer_days"),
        ("ANSVAR_PING_PONG_CHANGES", "ping_pong_changes"),
        ("ANSVAR_PING_PONG_WINDOW_DAYS", "ping_pong_window_days"),
        ("ANSVAR_ATTESTATION_DAYS", "attestation_days"),
    ):
        if get(var):
            policy = _replace(policy, **{attr: int(get(var))})
    if get("ANSVAR_LOWEST_OWNER_LEVEL"):
        policy = _replace(policy, lowest_owner_level=get("ANSVAR_LOWEST_OWNER_LEVEL"))
    return policy


def _replace(policy: GapPolicy, **changes: object) -> GapPolicy:
    from dataclasses import replace

    return replace(policy, **changes)


def _positive(variable: str, value: str) -> int:
    number = int(value) if value.strip().isdigit() else 0
    if number <= 0:
        raise SettingsError(f"{variable} must be a positive whole number, not {value!r}")
    return number
