"""`ansvar log export`: what a third party needs to verify the log without ansvar.

JSON Lines, UTF-8. The first line describes the log:

    {"format": "ansvar-log-export/v1", "origin": ..., "key": <verifier key>, "checkpoint": <signed note>}

then one line per leaf, in leaf order:

    {"index": 0, "position": 1, "leaf": <base64 leaf>, "event": {"originator_id": ..., "originator_version": 1,
     "topic": ..., "state": <base64 of the stored state bytes>, "salts": {field: <base64>}, "erased": {field: digest}}}

From it anyone can recompute each leaf (infra/tlog.py), the tree's root (RFC 9162), and check the
checkpoint's signature: the README shows it in twenty lines of Python with `cryptography`.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from infra import merkle as M
from infra.checkpoints import Checkpoint
from infra.log_proofs import Event, LogProofs, NotInLog
from infra.log_tree import Entry

FORMAT = "ansvar-log-export/v1"


def write(proofs: LogProofs, checkpoint: Checkpoint | None, key: str | None, out: IO[str]) -> int:
    """Write the export; the checkpoint is the head it is taken at (entries beyond it are left out)."""
    size = checkpoint.size if checkpoint else proofs.size()
    out.write(json.dumps({"format": FORMAT, "origin": checkpoint.origin if checkpoint else None, "key": key,
                          "checkpoint": checkpoint.note() if checkpoint else None, "size": size}) + "\n")
    written, index = 0, 0
    events = proofs.events()
    while index < size:
        entries = proofs.entries(index, min(2000, size - index))
        if not entries:
            break
        for entry in entries:
            event = next(events, None)
            out.write(json.dumps({
                "index": entry.idx, "position": entry.position, "leaf": base64.b64encode(entry.leaf).decode(),
                "event": None if event is None else {
                    "position": event.position, "originator_id": str(event.originator_id),
                    "originator_version": event.originator_version, "topic": event.topic,
                    "state": base64.b64encode(event.state).decode(),
                    "salts": {f: base64.b64encode(s).decode() for f, s in event.salts.items()},
                    "erased": event.erased,
                },
            }, ensure_ascii=False) + "\n")
            written += 1
        index += len(entries)
    return written


@dataclass
class Exported:
    origin: str | None
    key: str | None
    checkpoint: Checkpoint | None


#: Where a municipality's export (`ansvar tenant export`, a zip) holds its log.
LOG_MEMBER = "log.jsonl"


@contextmanager
def _opened(path: Path) -> Iterator[IO[str]]:
    """The export's lines: the file itself, or the log inside a municipality's export."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as pack, pack.open(LOG_MEMBER) as raw:
            yield io.TextIOWrapper(raw, encoding="utf-8")
        return
    with path.open(encoding="utf-8") as f:
        yield f


class ExportProofs:
    """An export read back, answering as LogProofs does (for `ansvar verify --export`)."""

    def __init__(self, path: Path) -> None:
        with _opened(path) as f:
            head = json.loads(f.readline())
            if head.get("format") != FORMAT:
                raise ValueError(f"{path} is not an {FORMAT} file")
            lines = [json.loads(line) for line in f if line.strip()]
        note = head.get("checkpoint")
        self.described = Exported(head.get("origin"), head.get("key"), Checkpoint.parse(note) if note else None)
        self._entries = [Entry(r["index"], r["position"], base64.b64decode(r["leaf"])) for r in lines]
        self._events = [
            Event(e["position"], e["originator_id"], e["originator_version"], e["topic"], base64.b64decode(e["state"]),
                  {f: base64.b64decode(s) for f, s in e["salts"].items()}, dict(e["erased"]))
            for r in lines if (e := r["event"]) is not None
        ]
        self._nodes = M.tree([M.leaf_hash(e.leaf) for e in self._entries])

    def size(self) -> int:
        return len(self._entries)

    def entries(self, start: int, limit: int) -> list[Entry]:
        return self._entries[start : start + limit]

    def events(self, after: int = 0, page: int = 1000) -> Iterator[Event]:
        return iter([e for e in self._events if e.position > after])

    def head(self, size: int | None = None) -> tuple[int, bytes]:
        size = self.size() if size is None else size
        return size, M.root_from(size, self._nodes)

    def consistency(self, old: int, new: int) -> list[bytes]:
        if not 0 <= old <= new <= self.size():
            raise NotInLog(f"no consistency proof from {old} to {new}")
        return M.consistency_from(old, new, self._nodes)

    def index_of(self, position: int) -> int | None:
        return next((e.idx for e in self._entries if e.position == position), None)

    # What verify holds a store to (infra/log_store_checks.py): an export's nodes are made from its
    # leaves, and its erasures are the ones its events carry.

    def nodes_completed(self, start: int, end: int) -> dict[M.Node, bytes]:
        wanted = [(lv, i) for lv, a, b in M.completed_between(start, end) for i in range(a, b + 1)]
        return {n: self._nodes[n] for n in wanted if n in self._nodes}

    def extra_node(self) -> None:
        return None

    def stored_edge(self) -> None:
        return None

    def erasure_rows(self) -> Iterator[tuple[int, str]]:
        return iter(sorted((e.position, f) for e in self._events for f in e.erased))
