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
