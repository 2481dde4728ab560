"""A person's name and e-mail: kept out of the log, yet committed to by it.

The directory beside the log holds them (infra/people_directory.py). The event that registers a
person, corrects their details, or commits them once for a person registered before names were
committed (the upgrade), carries a salted SHA-256 of each, `sha256:<hex SHA-256(salt || UTF-8
text)>` as an erasable text's leaf does (infra/tlog.py), and its leaf commits to that. The salts
are kept beside the log with the directory's row, so an edit in the directory no longer matches
(`ansvar verify` names the person); erasing the person deletes the salts with the name, and the
digest left in the event then names no one.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import Literal
from uuid import UUID

SALT_BYTES = 16
#: How details come to be committed: registered with them, corrected, or committed by the upgrade.
How = Literal["registered", "corrected", "upgrade"]


def salted_digest(salt: bytes, text: str) -> str:
    return "sha256:" + hashlib.sha256(salt + text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Commitment:
    """A name and e-mail with a fresh salt each, and the digests an event carries."""

    name: str
    email: str | None
    salts: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def of(cls, name: str, email: str | None) -> Commitment:
        salts = {"name": os.urandom(SALT_BYTES)}
        if email is not None:
            salts["email"] = os.urandom(SALT_BYTES)
        return cls(name, email, salts)

    @property
    def name_digest(self) -> str:
        return salted_digest(self.salts["name"], self.name)

    @property
    def email_digest(self) -> str | None:
        return None if self.email is None else salted_digest(self.salts["email"], self.email)


@dataclass(frozen=True)
class PersonDetails:
    """A person's erasable details, saved with the event that commits to them (never in it):
    `version` is that event's version of the person; `how` whether the directory's row is new
    (registered) or must be there, not erased (corrected, upgrade)."""

    person_id: UUID
    name: str
    email: str | None
    salts: dict[str, bytes] = field(default_factory=dict)
    version: int = 1
    how: How = "registered"

    @classmethod
    def committed(cls, person_id: UUID, commitment: Commitment, version: int, how: How) -> PersonDetails:
        return cls(person_id, commitment.name, commitment.email, dict(commitment.salts), version, how)
