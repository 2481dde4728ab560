"""A small, believable demo municipality, written through the real application.

Deterministic per seed, and loaded only into an empty store, so `serve --demo` can be run
again and again without doubling anything.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from uuid import UUID

from domain.org import OrgUnit, Person
from domain.portfolio import Actor, Portfolio
from domain.systems import System

DEMO = Actor(role="demo", request_id="demo-loader")

FORVALTNINGER = {
    "Borger- og Arbejdsmarkedsforvaltningen": ["Jobcenter", "Ydelsescenter"],
    "Sundheds- og Omsorgsforvaltningen": ["Hjemmeplejen", "Sygeplejen"],
    "Børne- og Ungeforvaltningen": ["Skoler", "Dagtilbud"],
    "Teknik- og Miljøforvaltningen": ["Byggeri", "Natur og Miljø"],
    "Økonomi- og Personaleforvaltningen": ["IT og Digitalisering", "Løn og Personale"],
}
SYSTEMS = [
    ("Sagsbehandlingssystem (ESDH)", "Netcompany", "critical", True),
    ("Lønsystem", "KMD", "critical", True),
    ("Omsorgssystem og kørelister", "Systematic", "critical", True),
    ("Jobcentersystem", "Netcompany", "high", True),
    ("Sygedagpengesystem", "KMD", "high", True),
    ("Skoleintra og forældreintra", "IST", "high", True),
    ("Dagtilbudsportal", "IST", "medium", True),
    ("Byggesagssystem (BOM)", "Septima", "medium", False),
    ("GIS-platform", "Geodatastyrelsen", "medium", False),
    ("GPS-sporing af borgere med demens", "Sikom", "high", True),
    ("Telemedicinsk KOL-kuffert", "Medisat", "high", True),
    ("VR i undervisningen", "Lix Technologies", "low", False),
    ("Droner til opmåling", "DJI / Sweco", "low", False),
    ("Økonomisystem", "Fujitsu", "critical", False),
]
TITLES = ["direktør", "fagchef", "afdelingsleder", "teamleder", "medarbejder"]
FIRST = ["Anne", "Mette", "Lars", "Jens", "Sofie", "Peter", "Hanne", "Søren", "Camilla", "Mads", "Line", "Henrik"]
LAST = ["Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen", "Rasmussen"]


def is_empty(app: Portfolio) -> bool:
    return not app.recorder.max_notification_id()


def load(app: Portfolio, seed: int = 7, progress: Callable[[int, int], None] | None = None) -> bool:
    """Load the demo into an empty store; returns False (and writes nothing) if it is not empty."""
    if not is_empty(app):
        return False
    rng = random.Random(seed)
    today = app.today()
    start = today - timedelta(days=3 * 365)
    kommune = app.establish_org_unit("Demo Kommune", "kommune", None, DEMO).id
    teams = []
    people = []
    for forvaltning, afdelinger in FORVALTNINGER.items():
        f_id = app.establish_org_unit(forvaltning, "forvaltning", kommune, DEMO).id
        people.append(app.register_person(_name(rng), f_id, "fagchef", None, DEMO).id)
        for afdeling in afdelinger:
            a_id = app.establish_org_unit(afdeling, "afdeling", f_id, DEMO).id
            people.append(app.register_person(_name(rng), a_id, "afdelingsleder", None, DEMO).id)
            t_id = app.establish_org_unit(f"{afdeling} team 1", "team", a_id, DEMO).id
            teams.append(t_id)
            people += [app.register_person(_name(rng), t_id, rng.choice(TITLES[3:]), None, DEMO).id for _ in range(2)]
    for i, (name, vendor, criticality, personal) in enumerate(SYSTEMS):
        unit = teams[i % len(teams)]
        since = start + timedelta(days=rng.randrange(0, 400))
        system = app.register_system(name, vendor, unit, criticality, personal, "in_operation", since, DEMO).id
        owner, manager, tech = rng.sample(people, 3)
        app.assign_role(system, "systemejer", owner, since, basis="demo: initial placement", actor=DEMO)
        app.assign_role(system, "systemansvarlig", manager, since, basis="demo: initial placement", actor=DEMO)
        if i % 4:
            app.assign_role(system, "teknisk_ansvarlig", tech, since, basis="demo: IT took over operation", actor=DEMO)
        if i % 3 == 0:  # a handover, recorded late
            successor = rng.choice(people)
            app.assign_role(system, "systemejer", successor, since + timedelta(days=500), basis="demo: handover", actor=DEMO)
        if i % 5 == 0:
            app.make_claim(system, "dataejer", rng.choice(people), "demo: I believe this data is ours", DEMO)
        if progress:
            progress(i + 1, len(SYSTEMS))
    app.record_departure(people[3], today - timedelta(days=40), DEMO)
    return True


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def demo_users(app: Portfolio) -> dict[str, UUID]:
    """Four demo people to act as - an admin in IT, a council member (the first fagchef), an
    auditor in payroll and HR, and a person who owns a system today - found in the log, so a
    second `serve --demo` names the same people. Empty if the store does not hold the demo."""
    first = app.recorder.select_notifications(1, 1)
    if not first or (getattr(app.mapper.to_domain_event(first[0]), "meta", None) or {}).get("request_id") != DEMO.request_id:
        return {}
    topics = [OrgUnit.Established.TOPIC, Person.Registered.TOPIC, System.Registered.TOPIC]
    units: dict[UUID, str] = {}
    people: list[Person.Registered] = []
    systems: list[UUID] = []
    for n in app.recorder.select_notifications(1, 10_000, topics=topics):
        e = app.mapper.to_domain_event(n)
        if isinstance(e, OrgUnit.Established):
            units[e.originator_id] = e.name
        elif isinstance(e, Person.Registered):
            people.append(e)
        elif isinstance(e, System.Registered):
            systems.append(e.originator_id)
    chosen: dict[str, UUID] = {}

    def pick(role: str, ok: Callable[[Person.Registered], bool]) -> None:
        found = next((p.originator_id for p in people if ok(p) and p.originator_id not in chosen.values()), None)
        if found is not None:
            chosen[role] = found

    pick("admin", lambda p: units.get(p.org_unit_id, "").startswith("IT og Digitalisering"))
    pick("council", lambda p: p.title == "fagchef")
    pick("auditor", lambda p: units.get(p.org_unit_id, "").startswith("Løn og Personale"))
    today = app.today()
    for system_id in systems:
        owner = app.system(system_id).holder("systemejer", today)
        if owner is not None and owner not in chosen.values() and not app.person(owner).departed_by(today):
            chosen["owner"] = owner
            break
    return chosen
