"""Event schemas only grow: events stored before a field was added still decode."""

from __future__ import annotations

import json
from uuid import uuid4

from eventsourcing.persistence import StoredEvent

from domain.portfolio import Portfolio
from domain.systems import SystemName


def test_a_name_reservation_stored_before_it_had_meta_still_decodes_and_replays(clock):
    app = Portfolio({"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=clock)
    with app.recording():
        reservation = SystemName(org_unit_id=uuid4(), name="ESDH", system_id=uuid4(), meta={"actor_role": "import"})
    app.save(reservation)
    stored = app.recorder.select_notifications(1, 1)[0]
    state = json.loads(stored.state)
    assert state.pop("meta") == {"actor_role": "import"}
    old = StoredEvent(stored.originator_id, stored.originator_version, stored.topic, json.dumps(state).encode())
    event = app.mapper.to_domain_event(old)
    assert event.meta is None and event.mutate(None).system_id == reservation.system_id


def test_a_registration_stored_before_names_were_committed_decodes_without_digests_and_replays(clock):
    from domain.org import OrgUnit, Person

    app = Portfolio({"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=clock)
    unit = app.establish_org_unit("Kommune", "kommune", None).id
    person = app.register_person("Bente Bro", unit, "teamleder", "bente@k.dk").id
    stored = app.recorder.select_notifications(2, 1)[0]
    state = json.loads(stored.state)
    assert state["class_version"] == 2 and state["name_digest"].startswith("sha256:")
    assert "Bente" not in stored.state.decode() and "bente@" not in stored.state.decode()
    for v2 in ("name_digest", "email_digest", "class_version"):
        del state[v2]  # the v1 form, as stored before
    old = StoredEvent(stored.originator_id, stored.originator_version, stored.topic, json.dumps(state).encode())
    event = app.mapper.to_domain_event(old)
    assert isinstance(event, Person.Registered) and (event.name_digest, event.email_digest) == (None, None)
    replayed = event.mutate(None)
    assert (replayed.id, replayed.org_unit_id, replayed.title, replayed.details_committed) == (
        person, unit, "teamleder", False)
    assert isinstance(app.repository.get(unit), OrgUnit)
