"""The web pages' sign-in state, in a table beside the views: sessions, one-time sign-in codes
and the OpenID Connect flows under way.

Only a SHA-256 of each secret is stored, so someone who reads the table cannot sign in with
what they read. A session holds the person and the roles their token (or identity provider)
vouched for, a CSRF token its forms carry, and when it ends; signing out deletes it, so a
stolen cookie stops working at once. Times come from the application's clock.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec

from domain.clock import Clock

DDL = (
    "CREATE TABLE IF NOT EXISTS ui_secrets (secret_hash text PRIMARY KEY, kind text NOT NULL, person_id uuid,"
    " roles text NOT NULL, csrf text, data text, expires_at timestamptz NOT NULL)"
)
SESSION, CODE, FLOW = "session", "code", "flow"
SESSION_TTL = timedelta(hours=8)
CODE_TTL = timedelta(minutes=15)
FLOW_TTL = timedelta(minutes=10)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class UiSession:
    person_id: UUID
    roles: frozenset[str]
    csrf: str
    expires_at: datetime


class SessionStore:
    def __init__(self, db: Any, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def setup(self) -> None:
        with self.db.transaction() as cur:
            cur.execute(DDL)

    def _put(self, kind: str, person_id: UUID | None, roles: frozenset[str] | tuple[str, ...], ttl: timedelta,
             csrf: str | None = None, data: dict[str, Any] | None = None) -> str:
        secret = secrets.token_urlsafe(32)
        with self.db.transaction() as cur:
            cur.execute(
                "INSERT INTO ui_secrets (secret_hash, kind, person_id, roles, csrf, data, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (_hash(secret), kind, person_id, " ".join(sorted(roles)), csrf,
                 msgspec.json.encode(data).decode() if data is not None else None, self.clock.now() + ttl),
            )
        return secret

    def _take(self, kind: str, secret: str) -> dict[str, Any] | None:
        """The row, deleted in the same statement: a code or a flow is used once, even by two at once."""
        if not secret or len(secret) > 200:
            return None
        with self.db.transaction() as cur:
            cur.execute("DELETE FROM ui_secrets WHERE secret_hash = ? AND kind = ?"
                        " RETURNING person_id, roles, data, expires_at", (_hash(secret), kind))
            row = cur.fetchone()
        if row is None or row["expires_at"] <= self.clock.now():
            return None
        return row

    def start(self, person_id: UUID, roles: frozenset[str], ttl: timedelta = SESSION_TTL) -> tuple[str, UiSession]:
        """A new session: its id (the cookie's value) and what it holds."""
        csrf = secrets.token_urlsafe(32)
        session_id = self._put(SESSION, person_id, roles, ttl, csrf)
        return session_id, UiSession(person_id, frozenset(roles), csrf, self.clock.now() + ttl)

    def find(self, session_id: str) -> UiSession | None:
        if not session_id or len(session_id) > 200:
            return None
        with self.db.transaction(write=False) as cur:
            cur.execute("SELECT person_id, roles, csrf, expires_at FROM ui_secrets WHERE secret_hash = ? AND kind = ?",
                        (_hash(session_id), SESSION))
            row = cur.fetchone()
        if row is None or row["expires_at"] <= self.clock.now():
            return None
        return UiSession(UUID(str(row["person_id"])), frozenset(row["roles"].split()), row["csrf"], row["expires_at"])

    def end(self, session_id: str) -> None:
        with self.db.transaction() as cur:
            cur.execute("DELETE FROM ui_secrets WHERE secret_hash = ? AND kind = ?", (_hash(session_id), SESSION))

    def issue_code(self, person_id: UUID, roles: frozenset[str] | tuple[str, ...], ttl: timedelta = CODE_TTL) -> str:
        """A one-time sign-in code (the demo's links): short-lived, and gone once used."""
        return self._put(CODE, person_id, frozenset(roles), ttl)

    def redeem(self, code: str) -> tuple[UUID, frozenset[str]] | None:
        row = self._take(CODE, code)
        return None if row is None else (UUID(str(row["person_id"])), frozenset(row["roles"].split()))

    def begin_flow(self, data: dict[str, Any], ttl: timedelta = FLOW_TTL) -> str:
        """An OpenID Connect sign-in under way: its `state`, which the provider sends back."""
        return self._put(FLOW, None, (), ttl, data=data)

    def finish_flow(self, state: str) -> dict[str, Any] | None:
        row = self._take(FLOW, state)
        return None if row is None else msgspec.json.decode(row["data"])

    def forget_expired(self) -> int:
        with self.db.transaction() as cur:
            cur.execute("DELETE FROM ui_secrets WHERE expires_at <= ? RETURNING secret_hash", (self.clock.now(),))
            return len(cur.fetchall())
