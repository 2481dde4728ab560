"""A save whose connection is lost around its COMMIT (a failover, a cut connection) on PostgreSQL:
the command happens once, whether the commit landed or not, and is never re-run blindly.

The loss is made where it matters, in the event store's one insert: after the real commit (its
answer lost), or before it (rolled back); and the store then unreachable, for the 503."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import OperationalError
from eventsourcing.postgres import PostgresApplicationRecorder
from litestar.testing import TestClient

from ansvar.web import create_app
from infra.recorders import PostgresRecorder
from infra.settings import Auth, Settings
from tests.api.client import TEST_SECRET, bearer
from tests.conftest import drop_schema, make_database

pytestmark = pytest.mark.postgres

SYSTEM = {"criticality": "high", "personal_data": False, "lifecycle": "in_operation"}


@pytest.fixture
def served(tmp_path, clock):
    db = make_database("postgres", tmp_path)
    app = create_app(Settings(database=db, log_level="error", auth=Auth(secret=TEST_SECRET)), clock=clock,
                     configure_logging=False)
    with TestClient(app) as client:
        client.headers["Authorization"] = bearer()
        unit = client.post("/org-units", json={"name": "Kommune", "level": "kommune"}).json()["id"]
        yield client, app.state.portfolio.recorder, unit
    drop_schema(db)


def lose_connection(recorder: PostgresRecorder, monkeypatch, *, committed: bool, times: int = 1) -> list[str]:
    """The next `times` inserts lose their connection: after committing, or instead of it."""
    real = recorder._insert_once
    happened: list[str] = []

    def insert(stored_events, **kwargs):
        if len(happened) >= times:
            return real(stored_events, **kwargs)
        kwargs["attempt"].began = True
        if committed:
            real(stored_events, **kwargs)
        happened.append("committed, answer lost" if committed else "lost before the commit")
        raise OperationalError("the connection is lost")

    monkeypatch.setattr(recorder, "_insert_once", insert)
    return happened


def systems_named(client, unit, name: str, position: int) -> list[dict]:
    page = client.get("/systems", params={"q": name, "after": position, "limit": 100, "org_unit_id": unit})
    assert page.status_code == 200, page.text
    return [s for s in page.json()["items"] if s["name"] == name]


def log_events_of(recorder: PostgresRecorder, system_id: str) -> int:
    with recorder.datastore.transaction(commit=False) as cur:
        cur.execute(f'SELECT count(*) AS n FROM "{recorder.datastore.schema}".ansvar_events WHERE originator_id = %s',
                    (system_id,))
        return cur.fetchone()["n"]


@pytest.mark.parametrize("key", [None, "lost-answer-1"], ids=["without a key", "with a key"])
def test_given_the_commit_landed_but_its_answer_was_lost_then_the_command_is_answered_once(served, monkeypatch, key):
    client, recorder, unit = served
    happened = lose_connection(recorder, monkeypatch, committed=True)
    headers = {"Idempotency-Key": key} if key else {}
    answer = client.post("/systems", json={"name": "Sag", "org_unit_id": unit, **SYSTEM}, headers=headers)
    assert happened == ["committed, answer lost"]
    assert answer.status_code == 201, answer.text
    receipt = answer.json()
    assert [s["id"] for s in systems_named(client, unit, "Sag", receipt["position"])] == [receipt["id"]]
    assert log_events_of(recorder, receipt["id"]) == 1
    if key:  # the answer is stored for the key as usual: a retry gets it again
        again = client.post("/systems", json={"name": "Sag", "org_unit_id": unit, **SYSTEM}, headers=headers)
        assert again.status_code == 201 and again.json() == receipt
        assert again.headers["idempotent-replayed"] == "true"


def test_given_an_update_whose_answer_was_lost_then_it_is_not_applied_twice(served, monkeypatch):
    client, recorder, unit = served
    system = client.post("/systems", json={"name": "Lon", "org_unit_id": unit, **SYSTEM}).json()["id"]
    lose_connection(recorder, monkeypatch, committed=True)
    changed = client.post(f"/systems/{system}/lifecycle", json={"lifecycle": "phasing_out", "effective_from": "2031-01-01"})
    assert changed.status_code == 201, changed.text
    assert log_events_of(recorder, system) == 2  # registered, and the one change; not a second re-run on fresh state


def test_given_the_connection_was_lost_before_the_commit_then_the_command_is_sent_again_and_recorded(served, monkeypatch):
    client, recorder, unit = served
    happened = lose_connection(recorder, monkeypatch, committed=False, times=2)
    answer = client.post("/systems", json={"name": "Arkiv", "org_unit_id": unit, **SYSTEM})
    assert happened == ["lost before the commit"] * 2
    assert answer.status_code == 201, answer.text
    assert log_events_of(recorder, answer.json()["id"]) == 1


def test_given_the_commit_lands_after_the_store_said_it_had_not_then_the_retry_finds_its_own_events(served, monkeypatch):
    client, recorder, unit = served
    lose_connection(recorder, monkeypatch, committed=True)
    real_ours, looks = recorder._ours, []

    def late(stored_events):  # the first look comes before the commit is visible
        looks.append(len(looks))
        return None if len(looks) == 1 else real_ours(stored_events)

    monkeypatch.setattr(recorder, "_ours", late)
    answer = client.post("/systems", json={"name": "Post", "org_unit_id": unit, **SYSTEM})
    assert answer.status_code == 201, answer.text
    assert len(looks) == 2  # absent, then the retry met its own events and looked again
    assert log_events_of(recorder, answer.json()["id"]) == 1


@pytest.mark.parametrize("key", [None, "unknown-1"], ids=["without a key", "with a key"])
def test_given_the_store_cannot_be_asked_then_503_commit_unknown_and_no_blind_retry(served, monkeypatch, key):
    client, recorder, unit = served
    monkeypatch.setattr(PostgresRecorder, "failover_seconds", 0.3)
    happened = lose_connection(recorder, monkeypatch, committed=True, times=100)

    def unreachable(stored_events):
        raise OperationalError("no server is the primary")

    monkeypatch.setattr(recorder, "_ours", unreachable)
    headers = {"Idempotency-Key": key} if key else {}
    answer = client.post("/systems", json={"name": "Uvis", "org_unit_id": unit, **SYSTEM}, headers=headers)
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json" and answer.headers["retry-after"]
    problem = answer.json()
    assert problem["type"] == "/problems/commit-unknown"
    assert ("same Idempotency-Key 'unknown-1'" in problem["detail"]) if key else ("Idempotency-Key" in problem["detail"])
    assert len(happened) <= 4  # tried again only while it could not be asked, within the 0.3 s

    monkeypatch.undo()  # the database is back: the key's command was recorded once
    if key:
        again = client.post("/systems", json={"name": "Uvis", "org_unit_id": unit, **SYSTEM}, headers=headers)
        assert again.status_code == 409 and again.json()["type"] == "/problems/idempotency-key-in-flight"
        assert again.json()["position"] is not None


def test_given_reading_an_aggregate_loses_its_connection_then_it_is_read_again_and_the_command_done(served, monkeypatch):
    client, recorder, unit = served
    system = client.post("/systems", json={"name": "Laes", "org_unit_id": unit, **SYSTEM}).json()["id"]
    real, lost = PostgresApplicationRecorder.select_events.__wrapped__, []

    def once(self, *args, **kwargs):
        if not lost:
            lost.append(args)
            raise OperationalError("the connection is lost")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(PostgresApplicationRecorder.select_events, "__wrapped__", once)
    changed = client.post(f"/systems/{system}/lifecycle", json={"lifecycle": "phasing_out", "effective_from": "2031-01-01"})
    assert changed.status_code == 201, changed.text
    assert lost and log_events_of(recorder, system) == 2
