"""Why a role's answer is what it is, as a code and its parameters: the one case analysis behind
every explained accountability answer. The phrasebook says it (infra/phrasebook: English for the
API, Danish for the pages and the auditor's pack); nothing here is a sentence.

The codes:
- `never`: no fact about the role has ever been recorded for the system;
- `held`: `holder` holds it over the deciding fact's period;
- `vacant`: the deciding fact records it as vacant, for the reason in `basis`;
- `not_yet_known`: a fact covers the day, but none was recorded yet at the time asked;
- `ended_before` / `begins_after`: no fact covers the day; the nearest ended before it, or begins after.

`held`, `vacant` and `not_yet_known` carry how the fact was recorded (`recorded_at`, `recorded_by`,
`capacity`) and its grounds (`decision_id`, `claim_id`, `import_file`/`import_row`, `kitos`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol


class DecidingFact(Protocol):
    effective_from: date
    effective_to: date | None
    recorded_at: datetime
    recorded_by: Any
    capacity: str | None
    basis: str | None
    decision_id: Any
    claim_id: Any
    source: dict | None


@dataclass(frozen=True, slots=True)
class Explanation:
    code: str
    params: dict[str, Any] = field(default_factory=dict)


CODES = ("never", "held", "vacant", "not_yet_known", "ended_before", "begins_after")


def explain(role: str, kind: str, fact: DecidingFact | None, holder: Any, day: date, when: datetime) -> Explanation:
    """The grounds of one role's answer (`kind`: held, vacant, not_yet_known, not_covered, never) at
    `day` as known at `when`; `holder` is the person (as the caller names people) when held."""
    base: dict[str, Any] = {"role": role, "day": day, "when": when}
    if fact is None:
        return Explanation("never", base)
    period = {"effective_from": fact.effective_from, "effective_to": fact.effective_to}
    if kind == "not_covered":
        ended = fact.effective_to is not None and fact.effective_to <= day
        return Explanation("ended_before" if ended else "begins_after", {**base, **period})
    source = fact.source or {}
    recorded = {
        "recorded_at": fact.recorded_at, "recorded_by": fact.recorded_by, "capacity": fact.capacity,
        "decision_id": fact.decision_id, "claim_id": fact.claim_id,
        "import_file": source.get("file"), "import_row": source.get("row"), "kitos": bool(source.get("kitos")),
    }
    if kind == "not_yet_known":
        return Explanation("not_yet_known", {**base, **period, **recorded})
    if kind == "vacant":
        return Explanation("vacant", {**base, **period, **recorded, "basis": fact.basis})
    return Explanation("held", {**base, **period, **recorded, "basis": fact.basis, "holder": holder})
