"""Scenario helpers for the council's API tests: a small municipality and proposal bodies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.api.client import Api
from tests.story import on

MARKERS = {
    "user_involvement": "Frontline staff tested a prototype",
    "organisational_anchoring": "The department head sponsors it",
    "benefit_realisation": "Measured on case processing time",
    "use_of_data": "Reuses existing citizen data, no new collection",
}


@dataclass
class Town:
    kommune: str
    social: str  # a forvaltning
    elder: str  # an afdeling in it
    technical: str  # another forvaltning
    it: str  # an afdeling in it
    chair: str  # people
    member: str
    proposer: str
    tech: str
    other: str


def town(api: Api) -> Town:
    kommune = api.org_unit("Testkommune", "kommune")
    social = api.org_unit("Sundhed og Omsorg", "forvaltning", kommune)
    elder = api.org_unit("Hjemmeplejen", "afdeling", social)
    technical = api.org_unit("Økonomi og IT", "forvaltning", kommune)
    it = api.org_unit("IT og Digitalisering", "afdeling", technical)
    return Town(
        kommune, social, elder, technical, it,
        chair=api.person("Rådets formand", social), member=api.person("Rådsmedlem", technical),
        proposer=api.person("Medarbejder", elder), tech=api.person("IT-drift", it), other=api.person("Kollega", elder),
    )


def proposal_body(t: Town, title: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "title": title, "problem": f"{title}: the problem it solves", "purposes": ["efficiency"],
        "category": "processes", "change_kind": "transition", "driver": "professional_area",
        "driver_org_unit_id": t.elder, "proposer_id": t.proposer,
        "benefits": {"text": "Fewer hours spent", "figures": [{"label": "hours per week", "amount": 12, "unit": "h"}]},
        "follow_up_on": on("2026-06-01"), "markers": MARKERS,
    }
    body.update(overrides)
    return body


def submit(api: Api, t: Town, title: str, assess: bool = True, **overrides: Any) -> str:
    pid = api.post("/proposals", proposal_body(t, title, **overrides))["id"]
    if assess:
        api.post(f"/proposals/{pid}/assessment")
    return pid


def decide(api: Api, kind: str, rationale: str, proposals: list[str] = (), expect: int = 201, **extra: Any) -> dict:
    body = {"kind": kind, "rationale": rationale, "subjects": [{"kind": "proposal", "id": p} for p in proposals], **extra}
    return api.post("/decisions", body, expect=expect)
