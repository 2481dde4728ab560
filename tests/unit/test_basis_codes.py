"""The log keeps meaning, not sentences: what ansvar composes is a code with its parameters, what a
person typed stays as typed; events stored before the codes are read in the new form (upcasters)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import timedelta
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from domain.basis import Basis, BasisCode
from domain.commands import Actor
from domain.org import Person
from domain.portfolio import Portfolio
from domain.systems import System
from tests.old_forms import old_form

COUNCIL = Actor(role="council")


@pytest.fixture
def told(clock):
    """Every kind of fact whose basis ansvar composes, and some a person typed."""
    app = Portfolio({"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=clock)
    today = clock.today()
    unit = app.establish_org_unit("Kommune", "kommune", None).id
    anne, bo, carl, dorte = (app.register_person(n, unit, None, None).id for n in ("Anne", "Bo", "Carl", "Dorte"))
    system = app.register_system("Lønsystem", "KMD", unit, "high", True, "in_operation", today - timedelta(days=900)).id
    app.assign_role(system, "systemejer", anne, today - timedelta(days=800), basis="the director's letter.")
    app.record_vacancy(system, "dataejer", today - timedelta(days=800), None, "stillingen er vakant")
    mine = app.make_claim(system, "forretningsejer", bo, "We run it", actor=Actor(bo, "owner")).id
    theirs = app.make_claim(system, "forretningsejer", carl, "We pay", actor=Actor(carl, "owner")).id
    app.record_decision("ownership_ruling", "Bo's team carries the budget.", COUNCIL, decided_by=[dorte],
                        subjects=[{"kind": "system", "id": str(system)}], confirmed_claim_id=mine)
    offer = app.hand_over(system, "systemejer", carl, today, "Carl overtager fra 1. januar.", actor=Actor(anne, "owner")).id
    app.accept_handover(offer, actor=Actor(carl, "owner"))
    with app.recording():
        s = app.repository.get(system)
        kitos = {"kitos": "https://kitos.example", "entity": "it-system-usage", "uuid": str(uuid4())}
        s.vacate("systemansvarlig", today, None, "Anne A, Bo B", Actor(role="kitos", source=kitos).meta(),
                 Basis(BasisCode.KITOS_SEVERAL_HOLDERS, {"count": 2}))
        s.assign("teknisk_ansvarlig", dorte, today, None, None, None, Actor(role="import", source=kitos).meta(),
                 why=Basis(BasisCode.KITOS))
        s.assign("kontraktejer", dorte, today, None, None, None, Actor(role="demo").meta(),
                 why=Basis(BasisCode.DEMO, {"step": "first_placement"}))
    app.save(s)
    erased_text = app.erase_text(app.recorder.max_notification_id() - 2, None, why=Basis(BasisCode.COMMAND_LINE)).position
    app.erase_person_details(anne, None, why=Basis(BasisCode.COMMAND_LINE))
    app.erase_person_details(bo, "request 118 (art. 17)")
    return app, {"system": system, "mine": mine, "theirs": theirs, "erased_text": erased_text}


def decoded(app, stored: StoredEvent):
    return app.mapper.to_domain_event(stored)


def events(app) -> list[StoredEvent]:
    return list(app.recorder.select_notifications(1, 10_000))


def test_the_commands_write_codes_and_keep_typed_text_as_typed(told):
    app, ids = told
    by_topic: dict[str, list] = {}
    for n in events(app):
        by_topic.setdefault(n.topic, []).append(decoded(app, n))
    assignments = {(e.role, e.basis_code, e.basis) for e in by_topic[System.AssignmentRecorded.TOPIC]}
    assert assignments == {
        ("systemejer", None, "the director's letter."),
        ("forretningsejer", "claim_confirmed", None),
        ("systemejer", "handover", None),  # the offer's note stays on the offer, as typed
        ("teknisk_ansvarlig", "kitos", None),
        ("kontraktejer", "demo", None),
    }
    [rejected] = by_topic[System.ClaimRejected.TOPIC]
    assert (rejected.basis_code, rejected.reason, rejected.claim_id) == ("council_ruling", "Bo's team carries the budget.",
                                                                         ids["theirs"])
    vacancies = {(e.role, e.basis_code, e.reason, json.dumps(e.basis_params)) for e in by_topic[System.VacancyRecorded.TOPIC]}
    assert vacancies == {("dataejer", None, "stillingen er vakant", "{}"),
                         ("systemansvarlig", "kitos_several_holders", "Anne A, Bo B", '{"count": 2}')}
    assert [(e.basis_code, e.basis) for e in by_topic[Person.DetailsErased.TOPIC]] == [
        ("command_line", None), (None, "request 118 (art. 17)")]
    assert [(e.basis_code, e.basis) for e in by_topic[System.TextErased.TOPIC]] == [("command_line", None)]


#: Sentences the old log held where it now holds codes: none is stored any more.
COMPOSED = ("claim confirmed", "ruled by the council", "handover:", "carries out the decommissioning",
            "into operation", "KITOS names", "erasure at the command line", "demo: ", "rettelse: registreret")


def test_no_event_stores_a_composed_sentence(told):
    app, _ = told
    for n in events(app):
        text = n.state.decode()
        assert not [s for s in COMPOSED if s in text], (n.topic, text)
        assert '"basis":"handover"' not in text and '"basis":"import"' not in text


def test_every_event_stored_in_the_old_form_reads_as_the_new(told):
    """Each event as an older ansvar stored it (tests/old_forms.py) decodes to the event stored now."""
    app, _ = told
    changed = 0
    for n in events(app):
        old = old_form(n)
        changed += old.state != n.state
        assert asdict(decoded(app, old)) == asdict(decoded(app, n)), n.topic
    assert changed >= 10


def _stored(app, topic: str, state: dict) -> StoredEvent:
    n = next(e for e in events(app) if e.topic == topic)
    return StoredEvent(n.originator_id, n.originator_version, topic, json.dumps(state).encode())


def _state_of(app, topic: str, **match) -> dict:
    for n in events(app):
        state = json.loads(n.state)
        if n.topic == topic and all(state.get(k) == v for k, v in match.items()):
            for new in ("basis_code", "basis_params", "class_version"):
                state.pop(new, None)
            return state
    raise AssertionError(f"no {topic} with {match}")


@pytest.mark.parametrize("old, code, params, typed", [
    ("claim confirmed", "claim_confirmed", {}, None),
    ("handover", "handover", {}, None),
    ("handover: Søren overtager … januar.", "handover", {}, "Søren overtager … januar."),
    ("carries out the decommissioning", "decommission_carrier", {}, None),
    ("takes the system delivered by proposal 0b6c3a5e-1f7e-4c61-9d2a-5a1b2c3d4e5f into operation",
     "proposal_delivered", {"proposal_id": "0b6c3a5e-1f7e-4c61-9d2a-5a1b2c3d4e5f"}, None),
    ("demo: første placering", "demo", {"step": "first_placement"}, None),
    ("rettelse: registreret forkert", "demo", {"step": "correction"}, None),
    ("rettelse: registreret forkert", None, {}, "rettelse: registreret forkert"),  # typed by the council: as typed
    ("the director's letter", None, {}, "the director's letter"),
    ("[erased]", None, {}, "[erased]"),
    (None, None, {}, None),
])
def test_an_old_assignment_reads_its_sentence_as_code_and_typed_text(told, old, code, params, typed):
    app, _ = told
    state = _state_of(app, System.AssignmentRecorded.TOPIC, role="forretningsejer")  # a confirmed claim's
    state["basis"] = old
    state["decision_id"] = {"_type_": "uuid_hex", "_data_": uuid4().hex}  # a council's (decommissioning) has one
    if code == "demo":
        state["meta"]["actor_role"] = "demo"  # the demo's own words are read as its codes, nobody else's
    event = decoded(app, _stored(app, System.AssignmentRecorded.TOPIC, state))
    assert (event.basis_code, event.basis_params, event.basis) == (code, params, typed)


def test_an_old_import_assignment_is_an_import_or_a_kitos_sync_by_its_source(told):
    app, _ = told
    state = _state_of(app, System.AssignmentRecorded.TOPIC, role="teknisk_ansvarlig")
    state["basis"] = "import"
    assert decoded(app, _stored(app, System.AssignmentRecorded.TOPIC, state)).basis_code == "kitos"
    state["meta"]["source"] = {"file": "systemer.xlsx", "sha256": "ab" * 32, "row": 7}
    assert decoded(app, _stored(app, System.AssignmentRecorded.TOPIC, state)).basis_code == "import"
    del state["meta"]["source"]  # typed "import" by a person: as typed
    event = decoded(app, _stored(app, System.AssignmentRecorded.TOPIC, state))
    assert (event.basis_code, event.basis) == (None, "import")


def test_an_old_kitos_vacancy_keeps_the_names_kitos_gave_as_its_reason(told):
    app, _ = told
    state = _state_of(app, System.VacancyRecorded.TOPIC, role="systemansvarlig")
    state["reason"] = "KITOS names 3 holders of systemansvarlig: Anne A, Bo B, Carl C"
    event = decoded(app, _stored(app, System.VacancyRecorded.TOPIC, state))
    assert (event.basis_code, event.basis_params, event.reason) == ("kitos_several_holders", {"count": 3},
                                                                   "Anne A, Bo B, Carl C")
    state["meta"]["source"] = {"file": "systemer.csv", "sha256": "cd" * 32, "row": 4}
    state["reason"] = "IT-afdelingen"
    event = decoded(app, _stored(app, System.VacancyRecorded.TOPIC, state))
    assert (event.basis_code, event.reason) == ("import", "IT-afdelingen")


@pytest.mark.parametrize("version", [1, 2])
def test_an_old_council_rejection_reads_as_the_ruling_code_with_the_rationale(told, version):
    app, _ = told
    state = _state_of(app, System.ClaimRejected.TOPIC)
    state["reason"] = "ruled by the council: Bo's team carries the budget."
    if version == 1:
        del state["answered_on"]
    else:
        state["class_version"] = 2
    event = decoded(app, _stored(app, System.ClaimRejected.TOPIC, state))
    assert (event.basis_code, event.reason) == ("council_ruling", "Bo's team carries the budget.")
    assert event.answered_on is not None
    state["reason"] = "not yours"
    assert decoded(app, _stored(app, System.ClaimRejected.TOPIC, state)).basis_code is None


def test_an_old_replay_gives_the_same_aggregate(told):
    """The system's stream stored wholly in the old form replays to the same state."""
    app, ids = told
    stream = [n for n in events(app) if n.originator_id == ids["system"]]
    replayed = None
    for n in stream:
        replayed = decoded(app, old_form(n)).mutate(replayed)
    now = app.repository.get(ids["system"])
    assert replayed.facts == now.facts
    assert {k: v.status for k, v in replayed.claims.items()} == {k: v.status for k, v in now.claims.items()}


@pytest.mark.parametrize("old, code, reply", [
    ("no council member is on record (no meeting yet) and ANSVAR_COUNCIL_EMAIL is not set", "no_council_address", None),
    ("person 0b6c3a5e-1f7e-4c61-9d2a-5a1b2c3d4e5f has no details in the directory (erased?)", "no_directory_details",
     None),
    ("person 0b6c3a5e-1f7e-4c61-9d2a-5a1b2c3d4e5f has no e-mail address", "no_email_address", None),
    ("550 5.1.1 mailbox unavailable", None, "550 5.1.1 mailbox unavailable"),  # the server's reply: as it answered
])
def test_an_old_undeliverable_reminder_reads_its_sentence_as_a_code(clock, old, code, reply):
    from domain.reminders import ReminderRecord

    app = Portfolio({"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=clock)
    with app.recording():
        record = ReminderRecord(duty="attestation_overdue", due_on=clock.today(), recipient_id=uuid4(), system_id=None,
                                role=None, subject_id=None, about_person_id=None, details=[], meta={})
        record.record_failed(None, None, True, {}, Basis(BasisCode.NO_EMAIL_ADDRESS))
    app.save(record)
    stored = events(app)[-1]
    assert stored.topic == ReminderRecord.Failed.TOPIC
    state = json.loads(stored.state)
    for new in ("basis_code", "basis_params", "class_version"):
        state.pop(new)
    state["reply"] = old
    event = decoded(app, StoredEvent(stored.originator_id, stored.originator_version, stored.topic,
                                     json.dumps(state).encode()))
    assert (event.basis_code, event.reply) == (code, reply)
