"""A meeting's agenda (issue 25 part 2): the proposals it is to deal with, in order, by id in the
event and by title in the answer; an agenda naming no proposal, or one twice, is refused whole;
meetings stored before the agenda was recorded read with an empty one."""

from __future__ import annotations

import json
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from domain.commands import Actor
from domain.council import Meeting
from domain.portfolio import Portfolio
from tests.api.council_helpers import decide, submit, town
from tests.story import on


@pytest.fixture
def t(api):
    return town(api)


def head(api) -> int:
    return api.get("/ready")["head"]


def test_a_meeting_keeps_its_agenda_in_order_and_answers_it_with_titles(api, t):
    first, second = submit(api, t, "Fælles booking"), submit(api, t, "Digital post", assess=False)
    meeting = api.post("/meetings", {"held_on": on("2026-03-01"), "attendee_ids": [t.chair], "quorum": True,
                                     "agenda": [second, first]})["id"]
    shown = api.get(f"/meetings/{meeting}")
    assert [a["proposal_id"] for a in shown["agenda"]] == [second, first]
    assert [(a["title"], a["status"]) for a in shown["agenda"]] == [("Digital post", "submitted"),
                                                                    ("Fælles booking", "under_assessment")]
    decide(api, "approval", "Godt forslag", [first], meeting_id=meeting)
    again = api.get(f"/meetings/{meeting}")["agenda"]
    assert again[1]["status"] == "approved", "the agenda shows each proposal's state now"
    listed = {m["id"]: m for m in api.get("/meetings")["items"]}
    assert [a["title"] for a in listed[meeting]["agenda"]] == ["Digital post", "Fælles booking"]


def test_a_meeting_without_an_agenda_has_an_empty_one(api, t):
    meeting = api.post("/meetings", {"held_on": on("2026-03-01"), "attendee_ids": [t.chair], "quorum": True})["id"]
    assert api.get(f"/meetings/{meeting}")["agenda"] == []


@pytest.mark.parametrize("agenda", ["unknown", "twice", "a person"])
def test_an_agenda_naming_no_proposal_or_one_twice_is_a_422_naming_agenda_and_nothing_is_written(api, t, agenda):
    pid = submit(api, t, "På dagsordenen")
    items = {"unknown": [pid, str(uuid4())], "twice": [pid, pid], "a person": [t.chair]}[agenda]
    before = head(api)
    problem = api.post("/meetings", {"held_on": on("2026-03-01"), "attendee_ids": [t.chair], "quorum": True,
                                     "agenda": items}, expect=422)
    assert problem["field"] == "agenda"
    assert head(api) == before and api.get("/meetings")["items"] == []


def test_a_meeting_stored_before_the_agenda_reads_with_an_empty_one(clock):
    """The v1 form (no `agenda`, no `class_version`) decodes through the upcaster."""
    app = Portfolio({"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=clock)
    unit = app.establish_org_unit("Kommune", "kommune", None).id
    chair = app.register_person("Rådets formand", unit, None, None).id
    meeting = app.hold_meeting(clock.today(), [chair], True, Actor(role="council")).id
    stored = next(n for n in app.recorder.select_notifications(1, 10_000) if n.topic == Meeting.Held.TOPIC)
    state = json.loads(stored.state)
    assert state["class_version"] == 2 and state["agenda"] == []
    del state["agenda"], state["class_version"]
    old = StoredEvent(stored.originator_id, stored.originator_version, stored.topic, json.dumps(state).encode())
    event = app.mapper.to_domain_event(old)
    assert event.agenda == [] and event.attendee_ids == [chair] and event.quorum is True
    assert isinstance(event.attendee_ids[0], UUID)
    read = event.mutate(None)
    assert read.id == meeting and read.agenda == [] and read.held_on == clock.today()
