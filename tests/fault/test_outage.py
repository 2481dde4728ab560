"""Database outage on PostgreSQL: this app's connections are cut (pg_terminate_backend, only
the backends of this test's own schema) while clients keep sending commands and reads.
Answers are 2xx, 409 or 503 problem+json, never a 500; the app recovers by itself; and no
command is half-applied: after retrying every unanswered command with its Idempotency-Key,
the view holds exactly one fact per accepted command.

The server is not stopped: other people use it. Cutting every connection of the app
repeatedly is the same fault as seen from the app (each reconnect then succeeds)."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from litestar.testing import TestClient

from ansvar.web import create_app
from infra.settings import Auth, Settings
from tests.api.client import TEST_SECRET, bearer
from tests.conftest import drop_schema, make_database

pytestmark = [pytest.mark.slow, pytest.mark.postgres]  # cuts PostgreSQL connections under load

CLIENTS = 4
COMMANDS_PER_CLIENT = 12
CUTS = 8
LOAD_SECONDS = 60  # the most the load goes on for while no client has seen the outage


@pytest.fixture
def outage_app(tmp_path, clock, monkeypatch):
    db = make_database("postgres", tmp_path)
    # libpq (psycopg: the event store, the views, the listener) names its connections after
    # PGAPPNAME; the asyncpg reader names its own after the schema. Only these are cut.
    appname = f"ansvar-fault {db.schema}"
    monkeypatch.setenv("PGAPPNAME", appname)
    app = create_app(Settings(database=db, log_level="error", read_wait_seconds=15, pool_size=4, auth=Auth(secret=TEST_SECRET)),
                     clock=clock, configure_logging=False)
    with TestClient(app) as client:
        client.headers["Authorization"] = bearer()
        yield client, db, (appname, f"ansvar-api {db.schema}")
    drop_schema(db)


def cut_connections(db, names) -> int:
    with psycopg.connect(db.dsn, autocommit=True, application_name="ansvar-fault-killer") as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = ANY(%s) AND datname = current_database() AND pid <> pg_backend_pid()",
            (list(names),),
        ).fetchall()
    return len(rows)


def test_given_connections_cut_under_load_then_503s_not_500s_recovery_and_nothing_half_applied(outage_app):
    client, db, names = outage_app
    unit = client.post("/org-units", json={"name": "Kommune", "level": "kommune"}).json()["id"]
    person = client.post("/people", json={"name": "Ejer", "org_unit_id": unit}).json()["id"]
    registered = client.post("/systems", json={"name": "ESDH", "org_unit_id": unit, "criticality": "high",
                                               "personal_data": True, "lifecycle": "in_operation"}).json()
    system = registered["id"]
    stop = threading.Event()
    outage_seen = threading.Event()
    cuts = []
    load_deadline = time.monotonic() + LOAD_SECONDS

    def killer():
        # Cuts land between queries as often as inside one, and a connection cut while idle is
        # replaced quietly: cut until a client has seen the outage, not a fixed number of times.
        stop.wait(0.3)  # let the load start
        while not stop.is_set() and (len(cuts) < CUTS or not outage_seen.is_set()):
            cuts.append(cut_connections(db, names))
            stop.wait(0.15 if len(cuts) < CUTS else 0.03)

    def assignment(key: str):
        day = f"20{10 + int(key.split('-')[1]) % 15}-{int(key.split('-')[2]) % 12 + 1:02d}-01"
        return client.post(f"/systems/{system}/assignments", headers={"Idempotency-Key": key},
                           json={"role": "systemejer", "person_id": person, "effective_from": day})

    def client_load(c: int):
        answers = {}
        i = 0
        while i < COMMANDS_PER_CLIENT or (not outage_seen.is_set() and time.monotonic() < load_deadline):
            key = f"k-{c}-{i}-{uuid.uuid4().hex[:6]}"
            answers[key] = assignment(key)
            read = client.get(f"/systems/{system}/accountability", params={"after": registered["position"]})
            assert read.status_code in (200, 503), read.text
            if 503 in (answers[key].status_code, read.status_code):
                outage_seen.set()
            i += 1
        return answers

    thread = threading.Thread(target=killer)
    thread.start()
    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            results = {k: v for answers in pool.map(client_load, range(CLIENTS)) for k, v in answers.items()}
    finally:
        stop.set()
        thread.join()

    assert sum(cuts) > 0, "no connection of this app was ever cut"
    statuses = [r.status_code for r in results.values()]
    assert set(statuses) <= {201, 409, 503}, [r.text for r in results.values() if r.status_code not in (201, 409, 503)]
    for r in results.values():
        if r.status_code == 503:
            assert r.headers["content-type"].startswith("application/problem+json") and "retry-after" in r.headers
    assert outage_seen.is_set(), f"the outage never showed in {LOAD_SECONDS} s of cuts ({len(cuts)} rounds)"

    # Recovers by itself, and every unanswered command retried with its key ends up applied once.
    accepted = {}
    deadline = time.monotonic() + 60
    pending = dict(results)
    while pending:
        assert time.monotonic() < deadline, f"no recovery: {[r.text for r in pending.values()][:3]}"
        for key, response in list(pending.items()):
            if response.status_code == 201:
                accepted[key] = response.json()
                del pending[key]
            elif response.json()["type"] == "/problems/idempotency-key-in-flight" and response.json().get("position"):
                # Recorded, but its answer was lost with the connection: the problem names where.
                accepted[key] = {"position": response.json()["position"]}
                del pending[key]
            else:
                pending[key] = assignment(key)
        if pending:
            time.sleep(0.2)
    last = max(a["position"] for a in accepted.values())
    timeline = client.get(f"/systems/{system}/timeline", params={"after": last})
    assert timeline.status_code == 200, timeline.text
    [owner] = timeline.json()["roles"]
    assert sorted(f["position"] for f in owner["facts"]) == sorted(a["position"] for a in accepted.values())
    assert len(accepted) == len(results) >= CLIENTS * COMMANDS_PER_CLIENT
