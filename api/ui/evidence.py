"""A system's page as the auditor's evidence: every fact of its timeline, with the names, the
recorder, the capacity, the basis and its log position (which `ansvar verify` and the log's
inclusion proofs vouch for), as rows for the exports' own writer (api/ui/exports.py)."""

from __future__ import annotations

from typing import Any

from api import schemas as s
from infra.phrasebook.da.explanation import basis
from infra.phrasebook.da.labels import CAPACITY, FACT_KIND, ROLE_LABEL

HEADERS = ["Rolle", "Art", "Person", "Fra", "Til", "Registreret", "Registreret af", "Som", "Grundlag",
           "Afgørelse i porteføljerådet", "Bekræftet krav", "Kilde", "Logposition"]
ERASED = "(oplysninger slettet)"


def _person(name: str | None, erased: bool, person_id: object) -> str:
    if erased:
        return ERASED
    if name:
        return name
    return "ikke registreret" if person_id else ""


def _source(source: dict[str, Any]) -> str:
    if source.get("file"):
        return f"{source['file']}, række {source['row']}" if source.get("row") else str(source["file"])
    return "KITOS" if source.get("kitos") else ""


def evidence_rows(timeline: s.Timeline, decided: dict[Any, str]) -> list[list[Any]]:
    """One row a fact, role by role; `decided` names each decision (its kind and date) by id."""
    rows = []
    for role in timeline.roles:
        for f in role.facts:
            rows.append([
                ROLE_LABEL.get(role.role, role.role), "Ubesat" if f.kind == "vacancy" else FACT_KIND.get(f.kind, "Tildeling"),
                _person(f.person_name, f.person_erased, f.person_id) if f.kind != "vacancy" else "",
                f.effective_from, f.effective_to, f.recorded_at, _person(f.actor_name, f.actor_erased, f.actor_id),
                CAPACITY.get(f.actor_role or "", f.actor_role or ""), basis(f.basis) or "",
                decided.get(f.decision_id, "") if f.decision_id else "", "Ja" if f.claim_id else "",
                _source(f.source or {}), f.position,
            ])
    return rows
