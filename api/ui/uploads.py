"""A spreadsheet uploaded for a dry run, held in the server's memory by its SHA-256 until it is
applied, so that the administrator need not send it twice. Only the person who uploaded it may
apply it; a few files are held, each for an hour of the application's clock, the oldest going first."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

HELD = 8
HOLD_FOR = timedelta(hours=1)


@dataclass(frozen=True)
class Upload:
    content: bytes
    filename: str
    mapping: bytes | None
    person_id: UUID
    held_at: datetime


class Uploads:
    def __init__(self) -> None:
        self._held: OrderedDict[tuple[UUID, str], Upload] = OrderedDict()  # by who uploaded it, and its hash
        self._lock = threading.Lock()

    def hold(self, sha256: str, upload: Upload) -> None:
        with self._lock:
            key = (upload.person_id, sha256)
            self._held.pop(key, None)
            self._held[key] = upload
            while len(self._held) > HELD:
                self._held.popitem(last=False)

    def find(self, sha256: str, person_id: UUID, now: datetime) -> Upload | None:
        with self._lock:
            found = self._held.get((person_id, sha256))
        if found is None or now - found.held_at > HOLD_FOR:
            return None
        return found
