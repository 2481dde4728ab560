"""What a person reads, read as a checker would: no ISO date, no UUID, no enum key and no English
word in it; the names of systems, people and units (data, in any language) left aside."""

from __future__ import annotations

import re
from collections.abc import Iterable

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
ENUM_KEY = re.compile(r"\b[a-z]+_[a-z_]+\b")  # attestation_due, teknisk_ansvarlig, archive_duty, ...
DANISH_DATE = re.compile(r"\b\d{1,2}\. (januar|februar|marts|april|maj|juni|juli|august|september|oktober|november"
                         r"|december) \d{4}\b")
#: English words a Danish sentence never holds (none of them is also a Danish word).
ENGLISH = {"the", "and", "of", "is", "was", "has", "not", "with", "your", "you", "please", "claim", "claims",
           "owner", "overdue", "due", "attestation", "reminder", "role", "left", "page", "open", "gap", "gaps",
           "holder", "none", "unknown", "erased", "council", "decommissioning", "handover", "confirmed", "rejected"}


def problems(text: str, names: Iterable[str] = ()) -> list[str]:
    """What is wrong with `text` for a Danish reader; empty if nothing."""
    found = [f"ISO date {m}" for m in ISO_DATE.findall(text)]
    found += [f"UUID {m}" for m in UUID_TEXT.findall(text)]
    found += [f"key {m}" for m in ENUM_KEY.findall(text)]
    words = text
    for name in sorted(names, key=len, reverse=True):
        words = words.replace(name, " ")
    found += [f"English {w}" for w in sorted(ENGLISH & {w.lower() for w in re.findall(r"[A-Za-z]+", words)})]
    return found
