"""The accountability answer's grounds in English, for the API (`why` of each role's answer): says
domain/explanation.py's code and parameters. People are PersonRef-like (`id`, `name`, `erased`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.explanation import Explanation


def shown(ref: Any) -> str:
    """A person as the API's words name them."""
    if ref is None:
        return "the system"
    if ref.erased:
        return "a person whose details are erased"
    return ref.name or f"person {ref.id}"


def _minute(t: datetime) -> str:
    """`f"{t:%Y-%m-%d %H:%M}"` (the year unpadded, as the C library's %Y gives it), without
    strftime: ~15x faster, and an answer says up to eight of them (bench/README.md, benchmark 1)."""
    return f"{t.year}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}"


def said(e: Explanation) -> str:
    p = e.params
    role = p["role"]
    if e.code == "never":
        return f"no fact about {role} has ever been recorded for this system"
    period = f"from {p['effective_from']}" + (f" until {p['effective_to']}" if p["effective_to"] else "")
    if e.code in ("ended_before", "begins_after"):
        side = "ended before" if e.code == "ended_before" else "begins after"
        return f"no recorded fact covers {p['day']}: the nearest, {period}, {side} it"
    recorded = f"recorded {_minute(p['recorded_at'])} UTC by {shown(p['recorded_by'])}" + (
        f" as {p['capacity']}" if p["capacity"] else "")
    if e.code == "not_yet_known":
        return (f"nothing about {role} on {p['day']} was known yet at {_minute(p['when'])} UTC: the first fact"
                f" covering it was {recorded}")
    grounds = "".join([
        f", decision {p['decision_id']}" if p["decision_id"] else "",
        f", confirming claim {p['claim_id']}" if p["claim_id"] else "",
        f", imported from {p['import_file']} row {p['import_row']}" if p["import_file"] else "",
        ", synchronised from KITOS" if p["kitos"] else "",
    ])
    if e.code == "vacant":
        return f"nobody holds {role}: it was recorded as vacant {period}, because: {p['basis']}; {recorded}{grounds}"
    basis = f" (basis: {p['basis']})" if p["basis"] else ""
    return f"{shown(p['holder'])} holds {role} {period}: {recorded}{basis}{grounds}"
