"""Answers already built, kept while the views they were read from have not moved.

The views change only when events land, so an answer read at one view stamp (ReadSide.stamp:
every view's position) is the answer to the same question for as long as the stamp stays. The
key a caller gives must name everything else the answer depends on (the route, the query, the
caller's rights, today's date) and the stamp; an entry under an older stamp is never asked for
again and ages out. Bounded by entries and by bytes, least recently used first out."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

MAX_ENTRIES = 256
MAX_BYTES = 64 * 1024 * 1024  # a national sweep of every system is ~7 MB


class AnswerCache:
    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # the pages' threads and the event loop may share it
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found[0]

    def put(self, key: Hashable, value: Any, size: int) -> None:
        """Keep `value` (about `size` bytes) under `key`; one larger than the whole bound is not kept."""
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, size)
            self._bytes += size
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        return self._bytes
