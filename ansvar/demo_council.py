"""The demo municipality's portfolio council: proposals from every forvaltning, meetings, a
prioritisation and its superseding revision, approvals, a rejection, a deferral, a withdrawal,
an implementation that delivers a system into operation, a benefit review, a ruling on
disputed ownership and a decommissioning under way. Written through the real commands, so
every decision's consequences are recorded exactly as in production."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from domain.commands import Actor
from domain.portfolio import Portfolio
from domain.systems import System
from domain.vocabulary import Role

TITLES = [
    ("Digital kørselsplanlægning i hjemmeplejen", "processes", "transition", ["efficiency"]),
    ("Chatbot til borgerservice", "citizen_service", "transformation", ["citizen_quality", "efficiency"]),
    ("Robotteknologi til opfølgning på sygedagpenge", "processes", "transformation", ["efficiency"]),
    ("Fælles dataplatform for skoleområdet", "data", "transformation", ["professional_quality"]),
    ("Fugtsensorer i kommunale bygninger", "resources", "transition", ["efficiency"]),
    ("VR-træning for nye social- og sundhedsassistenter", "wellbeing_competence", "transition", ["professional_quality"]),
    ("Selvbetjening for byggetilladelser", "citizen_service", "transition", ["citizen_quality"]),
    ("Skærmbesøg for borgere med KOL", "citizen_service", "transformation", ["citizen_quality", "professional_quality"]),
    ("Droner til tilsyn af kommunale tage", "resources", "transition", ["efficiency"]),
    ("Talegenkendelse i journalføring", "wellbeing_competence", "transition", ["efficiency", "professional_quality"]),
    ("Visitering af hjælpemidler med beslutningsstøtte", "data", "transformation", ["professional_quality"]),
    ("Digital vagtplan for dagtilbud", "processes", "transition", ["efficiency"]),
    ("Elektroniske låse i hjemmeplejen", "processes", "transition", ["efficiency", "citizen_quality"]),
    ("Energidata fra kommunale bygninger", "data", "transition", ["efficiency"]),
    ("Automatiseret fakturahåndtering", "processes", "transition", ["efficiency"]),
    ("Videotolkning i borgerservice", "citizen_service", "transition", ["citizen_quality"]),
]
MARKERS = {
    "user_involvement": "Medarbejdere fra fagområdet har afprøvet en prototype",
    "organisational_anchoring": "Afdelingslederen er sponsor og har afsat ressourcer",
    "benefit_realisation": "Gevinsten måles på sagsbehandlingstid før og efter",
    "use_of_data": "Genbruger eksisterende data; ingen ny indsamling af personoplysninger",
}


def council(app: Portfolio, town: Any, systems: list[System], actor: Actor) -> None:
    """Add the council's year to a demo whose organisation and systems are already saved."""
    rng: random.Random = town.rng
    today: date = town.today
    directors = sorted({leaders[2] for leaders in town.leaders.values()}, key=str)
    chair, members = directors[0], directors[:4]
    afdelinger = sorted(town.staff)
    proposals = []
    for i, (title, category, change, purposes) in enumerate(TITLES):
        afdeling = afdelinger[i % len(afdelinger)]
        proposer = rng.choice(town._available(town.staff[afdeling], today))
        it_driven = i % 5 == 4
        content = {
            "title": title, "problem": f"{title}: i dag løses opgaven manuelt og med dobbeltregistrering",
            "purposes": purposes, "category": category, "change_kind": change,
            "driver": "it" if it_driven else "professional_area",
            "driver_org_unit_id": None if it_driven else str(town.afdeling_id[afdeling]),
            "benefits": {"text": "Færre timer på administration", "figures": [{"label": "timer pr. uge", "amount": 5 + i, "unit": "t"}]},
            "follow_up_on": (today - timedelta(days=30 - i)).isoformat(), "related_system_ids": [], "markers": MARKERS,
        }
        proposals.append((app.submit_proposal(content, proposer, actor).id, proposer))
    ids = [p for p, _ in proposals]
    for pid in ids[4:]:
        app.start_assessment(pid, actor)
    spring = app.hold_meeting(today - timedelta(days=300), members, True, actor, agenda=ids[4:10]).id
    autumn = app.hold_meeting(today - timedelta(days=120), members[:3], True, actor,
                              agenda=[ids[7], ids[4], ids[5], ids[8], ids[6], ids[9]]).id

    def decide(kind: str, rationale: str, subjects: list[UUID], **kw: Any) -> UUID:
        return app.record_decision(kind, rationale, actor, subjects=[{"kind": "proposal", "id": str(s)} for s in subjects], **kw).id

    first = decide(
        "prioritisation", "Borgerrettede løsninger først; data som fundament", [], meeting_id=spring,
        decided_on=today - timedelta(days=300), period_from=today - timedelta(days=300), period_to=today + timedelta(days=65),
        priorities=[{"proposal_id": str(p), "rank": r + 1, "note": None} for r, p in enumerate(ids[4:10])],
    )
    decide(
        "prioritisation", "Efter revisionens bemærkninger rykker dataplatformen op", [], meeting_id=autumn,
        decided_on=today - timedelta(days=120), period_from=today - timedelta(days=120), period_to=today + timedelta(days=65),
        supersedes=first, priorities=[{"proposal_id": str(p), "rank": r + 1, "note": None} for r, p in enumerate([ids[7], ids[4], ids[5], ids[8]])],
    )
    operations = town.it[0]
    decide("approval", "Passer i budgettet og har en driftsejer i IT", [ids[4], ids[5], ids[7]], meeting_id=autumn,
           decided_on=today - timedelta(days=120), operations_owner_id=operations)
    decide("rejection", "Overlapper med den regionale løsning", [ids[6]], meeting_id=autumn, decided_on=today - timedelta(days=120))
    decide("deferral", "Afventer næste budgetår", [ids[9]], decided_by=[chair], decided_on=today - timedelta(days=60))
    app.withdraw_proposal(ids[10], proposals[10][1], "Løst med eksisterende system", actor)
    app.start_implementation(ids[4], actor)
    app.start_implementation(ids[5], actor)
    delivered = app.complete_implementation(ids[4], None, actor, new_system={
        "name": TITLES[4][0], "org_unit_id": town.team_of[afdelinger[4 % len(afdelinger)]], "criticality": "medium",
        "personal_data": False, "vendor": "Lokal leverandør",
    }, effective_from=today - timedelta(days=20))
    decide("benefit_review", "Halvdelen af den forventede gevinst er hentet; opfølgning om et år", [ids[4]],
           decided_by=[chair], decided_on=today - timedelta(days=5))
    _ownership_ruling(app, systems, chair, today, actor)
    _decommissioning(app, systems, delivered.id, chair, today, actor)


def _ownership_ruling(app: Portfolio, systems: list[System], chair: UUID, today: date, actor: Actor) -> None:
    for s in systems:
        open_ = [cid for cid, c in s.claims.items() if c.status == "open" and c.role == Role.FORRETNINGSEJER]
        if len(open_) >= 2:
            app.record_decision(
                "ownership_ruling", "Fagafdelingen, der betaler licensen, ejer forretningen", actor,
                subjects=[{"kind": "system", "id": str(s.id)}], decided_by=[chair], decided_on=today - timedelta(days=3),
                confirmed_claim_id=open_[1],
            )
            return


def _decommissioning(app: Portfolio, systems: list[System], replacement: UUID, chair: UUID, today: date, actor: Actor) -> None:
    """The system the new one replaces is being retired: decided, archive settled, sign-off missing."""
    for s in systems:
        owner = s.holder(Role.SYSTEMEJER, today)
        if s.lifecycle_at(today) == "in_operation" and s.criticality in ("low", "medium") and owner is not None:
            try:
                app.person(owner)
            except Exception:
                continue
            if app.person(owner).departed_by(today):
                continue
            app.propose_decommissioning(s.id, f"Erstattes af {replacement}", owner, actor)
            app.record_decision(
                "decommission", "Erstattet af ny løsning; kontrakten udløber", actor,
                subjects=[{"kind": "system", "id": str(s.id)}], decided_by=[chair], decided_on=today - timedelta(days=10),
                responsible_id=owner,
            )
            app.settle_archive_duty(s.id, "B", "Stadsarkivet 2026/204", None, actor)
            return
