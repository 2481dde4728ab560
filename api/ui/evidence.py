"""A system's page as the auditor's evidence: every fact of its timeline, with the names, the
recorder, the capacity, the basis and its log position (which `ansvar verify` and the log's
inclusion proofs vouch for), as CSV or XLSX with the exports' own writer."""

from __future__ import annotations

from api import schemas as s
from infra.phrasebook.da.explanation import basis
from infra.phrasebook.da.labels import ROLE_LABEL
from infra.spreadsheet import MEDIA_TYPES, write

HEADERS = ["Rolle", "Art", "Person", "Fra", "Til", "Registreret", "Registreret af", "Som", "Grundlag", "Afgørelse",
           "Krav", "Kilde", "Logposition"]


def _person(name: str | None, erased: bool, person_id: object) -> str:
    if erased:
        return "(oplysninger slettet)"
    return name or (str(person_id) if person_id else "")


def evidence(system_name: str, timeline: s.Timeline, kind: str) -> tuple[bytes, str]:
    rows = []
    for role in timeline.roles:
        for f in role.facts:
            source = f.source or {}
            rows.append([
                ROLE_LABEL.get(role.role, role.role), "Ubesat" if f.kind == "vacancy" else "Tildeling",
                _person(f.person_name, f.person_erased, f.person_id), f.effective_from, f.effective_to,
                f.recorded_at.isoformat(), _person(f.actor_name, f.actor_erased, f.actor_id), f.actor_role or "",
                basis(f.basis) or "", f.decision_id or "", f.claim_id or "",
                source.get("file") or source.get("kitos") or "", f.position,
            ])
    return write(kind, system_name or "Ansvar", HEADERS, rows), MEDIA_TYPES[kind]
