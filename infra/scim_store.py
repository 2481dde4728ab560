"""SCIM's own tables beside the event log: the provisioning credentials (stored as digests) and
the users an identity provider keeps here, each linked to a person.

A user's attributes (userName, e-mail: personal data) live here, in a mutable and erasable table,
never in an event; the events the provisioning writes carry the person's id and the SCIM id only."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

DDL = (
    "CREATE TABLE IF NOT EXISTS scim_credentials (id uuid PRIMARY KEY, name text NOT NULL UNIQUE,"
    " digest text NOT NULL UNIQUE, issued_at timestamptz NOT NULL)",
    # deleted: the provider deleted the user; the row stays so that its externalId still finds the person.
    "CREATE TABLE IF NOT EXISTS scim_users (id uuid PRIMARY KEY, person_id uuid NOT NULL, external_id text,"
    " user_name text NOT NULL, user_name_key text NOT NULL, email_key text, attributes text NOT NULL,"
    " version integer NOT NULL, created_at timestamptz NOT NULL, modified_at timestamptz NOT NULL,"
    " deleted boolean NOT NULL)",
    "CREATE UNIQUE INDEX IF NOT EXISTS scim_users_user_name ON scim_users (user_name_key) WHERE NOT deleted",
    "CREATE INDEX IF NOT EXISTS scim_users_external_id ON scim_users (external_id)",
    "CREATE INDEX IF NOT EXISTS scim_users_email ON scim_users (email_key)",
    "CREATE INDEX IF NOT EXISTS scim_users_person ON scim_users (person_id)",
    # Matching a new user to a person already registered (by e-mail, then by name).
    "CREATE INDEX IF NOT EXISTS person_details_email_ci ON person_details (lower(email))",
    "CREATE INDEX IF NOT EXISTS person_details_name_ci ON person_details (lower(name))",
)
PREFIX = "scim_"
#: A secret found valid is trusted again for this long without asking the database (a provider
#: sends thousands of requests a minute); a replaced secret stops working within it.
TRUSTED_SECONDS = 5.0
_COLUMNS = "id, person_id, external_id, user_name, attributes, version, created_at, modified_at"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def is_scim_secret(token: str) -> bool:
    return token.startswith(PREFIX)


class ScimStore:
    def __init__(self, db: Any) -> None:
        self.db = db
        self._known: dict[str, tuple[UUID, float]] = {}  # digest -> (credential, trusted until)

    def setup(self) -> None:
        with self.db.transaction() as cur:
            for statement in DDL:
                cur.execute(statement)

    # Credentials ----------------------------------------------------------------------------

    def issue(self, name: str, now: datetime) -> tuple[UUID, str]:
        """A new secret for the credential `name` (made if new; a secret issued before stops working)."""
        secret = PREFIX + secrets.token_urlsafe(32)
        self._known.clear()  # in this process, a replaced secret stops working at once
        with self.db.transaction() as cur:
            cur.execute("SELECT id FROM scim_credentials WHERE name = ?", (name,))
            row = cur.fetchone()
            if row is None:
                credential = uuid.uuid4()
                cur.execute("INSERT INTO scim_credentials (id, name, digest, issued_at) VALUES (?, ?, ?, ?)",
                            (credential, name, _digest(secret), now))
            else:
                credential = row["id"]
                cur.execute("UPDATE scim_credentials SET digest = ?, issued_at = ? WHERE id = ?",
                            (_digest(secret), now, credential))
        return credential, secret

    def credential(self, secret: str) -> UUID | None:
        digest = _digest(secret)
        with self.db.transaction(write=False) as cur:
            cur.execute("SELECT id FROM scim_credentials WHERE digest = ?", (digest,))
            row = cur.fetchone()
        if row is None:
            self._known.pop(digest, None)
            return None
        self._known[digest] = (row["id"], time.monotonic() + TRUSTED_SECONDS)
        return row["id"]

    def trusted(self, secret: str) -> UUID | None:
        """The credential of a secret checked less than TRUSTED_SECONDS ago (None: ask `credential`)."""
        known = self._known.get(_digest(secret))
        return known[0] if known is not None and known[1] > time.monotonic() else None

    # Users ----------------------------------------------------------------------------------

    def get(self, scim_id: UUID) -> dict[str, Any] | None:
        return self._one("id = ? AND NOT deleted", (scim_id,))

    def by_user_name(self, user_name: str) -> dict[str, Any] | None:
        return self._one("user_name_key = ? AND NOT deleted", (user_name.lower(),))

    def by_external_id(self, external_id: str) -> dict[str, Any] | None:
        """The newest user with this externalId, deleted ones included (they still name the person)."""
        return self._one("external_id = ? ORDER BY deleted, modified_at DESC", (external_id,))

    def linked(self, person_id: UUID) -> bool:
        with self.db.transaction(write=False) as cur:
            cur.execute("SELECT 1 FROM scim_users WHERE person_id = ? AND NOT deleted", (person_id,))
            return cur.fetchone() is not None

    def people_by_email(self, email: str) -> list[UUID]:
        with self.db.transaction(write=False) as cur:
            cur.execute("SELECT person_id FROM person_details WHERE lower(email) = ? AND erased_at IS NULL",
                        (email.lower(),))
            return [r["person_id"] for r in cur.fetchall()]

    def people_by_name(self, name: str, domain: str | None) -> list[UUID]:
        """People of this name (any case) with no e-mail or one in `domain`."""
        with self.db.transaction(write=False) as cur:
            cur.execute("SELECT person_id, email FROM person_details WHERE lower(name) = ? AND erased_at IS NULL",
                        (name.lower(),))
            rows = cur.fetchall()
        return [r["person_id"] for r in rows
                if not r["email"] or (domain is not None and r["email"].lower().rsplit("@", 1)[-1] == domain)]

    def people_without_email(self) -> list[tuple[UUID, str]]:
        """(id, name) of every person with a name and no e-mail address: those an address may spell
        (domain/person_match.py); someone with an address of their own is matched by it, or is another."""
        with self.db.transaction(write=False) as cur:
            cur.execute("SELECT person_id, name FROM person_details WHERE email IS NULL AND erased_at IS NULL"
                        " AND name IS NOT NULL")
            return [(r["person_id"], r["name"]) for r in cur.fetchall()]

    def domain_in_use(self, domain: str) -> bool:
        """Whether `domain` is the municipality's: a registered person's address has it, or nobody's
        address has any (the first user provisioned names the domain)."""
        with self.db.transaction(write=False) as cur:
            literal = domain.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            cur.execute("SELECT 1 FROM person_details WHERE lower(email) LIKE ? ESCAPE '\\' AND erased_at IS NULL"
                        " LIMIT 1", ("%@" + literal,))
            if cur.fetchone() is not None:
                return True
            cur.execute("SELECT 1 FROM person_details WHERE email IS NOT NULL AND erased_at IS NULL LIMIT 1")
            return cur.fetchone() is None

    def details(self, person_id: UUID) -> dict[str, Any] | None:
        with self.db.transaction(write=False) as cur:
            cur.execute("SELECT name, email FROM person_details WHERE person_id = ? AND erased_at IS NULL", (person_id,))
            return cur.fetchone()

    def org_unit_named(self, name: str) -> UUID | None:
        with self.db.transaction(write=False) as cur:
            cur.execute("SELECT id FROM org_units WHERE lower(name) = ? AND dissolved_on IS NULL ORDER BY position",
                        (name.lower(),))
            row = cur.fetchone()
        return row["id"] if row else None

    def top_org_unit(self) -> UUID | None:
        """Where a user without a known department is placed: the first unit with no parent."""
        with self.db.transaction(write=False) as cur:
            cur.execute("SELECT id FROM org_units WHERE parent_id IS NULL AND dissolved_on IS NULL ORDER BY position")
            row = cur.fetchone()
        return row["id"] if row else None

    def search(self, column: str | None, value: str | None, start: int, count: int) -> tuple[int, list[dict[str, Any]]]:
        """(how many match, the page from `start` (1-based) of at most `count`), oldest first."""
        where, params = "NOT deleted", []
        if column is not None:
            where += f" AND {column} = ?"
            params.append(value)
        with self.db.transaction(write=False) as cur:
            cur.execute(f"SELECT count(*) AS n FROM scim_users WHERE {where}", params)
            total = cur.fetchone()["n"]
            if count <= 0:
                return total, []
            cur.execute(f"SELECT {_COLUMNS} FROM scim_users WHERE {where} ORDER BY created_at, id LIMIT ? OFFSET ?",
                        [*params, count, start - 1])
            return total, [_decoded(r) for r in cur.fetchall()]

    def put(self, users: list[tuple[UUID, UUID, dict[str, Any], str | None]], now: datetime) -> None:
        """New users (scim id, person id, attributes, e-mail), in one transaction."""
        with self.db.transaction() as cur:
            cur.executemany(
                "INSERT INTO scim_users (id, person_id, external_id, user_name, user_name_key, email_key, attributes,"
                " version, created_at, modified_at, deleted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(scim_id, person_id, attrs.get("externalId"), attrs["userName"], attrs["userName"].lower(),
                  email.lower() if email else None, json.dumps(attrs), 1, now, now, False)
                 for scim_id, person_id, attrs, email in users],
            )

    def update(self, scim_id: UUID, attrs: dict[str, Any], version: int, now: datetime, email: str | None) -> None:
        with self.db.transaction() as cur:
            cur.execute(
                "UPDATE scim_users SET external_id = ?, user_name = ?, user_name_key = ?, email_key = ?, attributes = ?,"
                " version = ?, modified_at = ? WHERE id = ?",
                (attrs.get("externalId"), attrs["userName"], attrs["userName"].lower(),
                 email.lower() if email else None, json.dumps(attrs), version, now, scim_id),
            )

    @staticmethod
    def forget(cur: Any, person_id: UUID) -> None:
        """Erase the person's users' personal data (userName, names, e-mails), in the directory's
        erasure transaction: what is left is the ids and whether the user is active."""
        cur.execute("SELECT id, attributes FROM scim_users WHERE person_id = ?", (person_id,))
        for row in cur.fetchall():
            attrs = json.loads(row["attributes"])
            kept = {"userName": str(row["id"]), **{k: attrs[k] for k in ("externalId", "active") if k in attrs}}
            cur.execute("UPDATE scim_users SET user_name = ?, user_name_key = ?, email_key = NULL, attributes = ?"
                        " WHERE id = ?", (str(row["id"]), str(row["id"]), json.dumps(kept), row["id"]))

    def mark_deleted(self, scim_id: UUID, now: datetime) -> None:
        with self.db.transaction() as cur:
            cur.execute("UPDATE scim_users SET deleted = ?, modified_at = ? WHERE id = ?", (True, now, scim_id))

    def _one(self, where: str, params: tuple[Any, ...]) -> dict[str, Any] | None:
        with self.db.transaction(write=False) as cur:
            cur.execute(f"SELECT {_COLUMNS}, deleted FROM scim_users WHERE {where}", params)
            row = cur.fetchone()
        return _decoded(row) if row else None


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "attributes": json.loads(row["attributes"])}
