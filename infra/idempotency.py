"""Idempotency keys, stored by the event recorder (infra/recorders.py) in the same transaction as
the events.

A command sent with an `Idempotency-Key` runs under a `KeyClaim` (a context variable set by
api/idempotency.py). `Portfolio.save` passes the claim to the recorder as a keyword argument
(the library hands `save(**kwargs)` down to `_insert_events`), and the recorders insert the key
row inside the very transaction that inserts the events: either both are stored or neither. So a retry after a crash, a lost connection or a timeout can never write the
command's events a second time: the key is there exactly when the events are.

The answer the client got is stored on the row afterwards (it exists only once the handler
has built it); a retry that finds the key without an answer gets a 409 naming the position.

Keys expire (`ANSVAR_IDEMPOTENCY_KEY_HOURS`, default 24): a key older than that is forgotten
when it is next sent, so it runs as a new command, and the worker deletes expired keys hourly
(`forget_keys_before`), so the table holds about a day of commands, not every command ever.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.errors import Conflict

TABLE = "idempotency_keys"


class KeyAlreadyUsed(Conflict):
    """Another request with this key recorded its events first (a concurrent duplicate)."""

    slug = "idempotency-key-in-flight"
    title = "A request with this Idempotency-Key is in flight or already applied; retry to get its answer"


def stored_key(owner: str, key: str) -> str:
    """Keys are per person: the same key from two people is two keys, and nobody can be handed
    the answer another person's command got. A space never occurs in a client's key."""
    return f"{owner} {key}" if owner else key


class CommitUnknown(RuntimeError):
    """The database went away while a command's events were being committed, and it could not be
    found out in time whether they were (infra/recorders.py): the command must not be re-run
    blindly. HTTP 503 `commit-unknown`; sent again with its key, it happens at most once."""

    def __init__(self, detail: str, keyed: bool) -> None:
        super().__init__(detail)
        self.detail, self.keyed = detail, keyed


@dataclass
class KeyClaim:
    key: str  # as the client sent it
    fingerprint: str
    created_at: datetime  # when the key was first sent (the clock's now): it expires counted from here
    owner: str = ""  # the authenticated person whose key it is
    recorded: bool = False  # set once the key is written with events (then its answer is an UPDATE)
    position: int | None = None

    @property
    def stored_key(self) -> str:
        return stored_key(self.owner, self.key)


@dataclass(frozen=True)
class StoredAnswer:
    fingerprint: str
    position: int | None
    status: int | None  # None: events recorded, answer not stored (in flight, or the process died)
    content_type: str | None
    body: bytes | None


_claim: contextvars.ContextVar[KeyClaim | None] = contextvars.ContextVar("idempotency_claim", default=None)


@contextmanager
def claiming(key: str, fingerprint: str, created_at: datetime, owner: str = "") -> Iterator[KeyClaim]:
    """Run the code inside (a command) under an idempotency key."""
    claim = KeyClaim(key, fingerprint, created_at, owner)
    token = _claim.set(claim)
    try:
        yield claim
    finally:
        _claim.reset(token)


def save_kwargs() -> dict[str, Any]:
    """What `Portfolio.save` passes to the recorder: the claim, on EVERY save of the command.

    Every command saves once. Skipping the key after it was recorded let a duplicate through:
    the commit succeeded, its acknowledgement was lost with the connection, the library retried
    the insert, hit the version conflict, and `_update` re-ran the change on the fresh state.
    With the key on that save too, the duplicate fails on the key instead (409, position named).
    """
    claim = _claim.get()
    return {} if claim is None else {"idempotency": claim}
