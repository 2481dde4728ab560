"""Crash: SIGKILL the projection process mid-batch, start it again, and the views equal a fresh
rebuild, byte for byte (a checksum over every view table in a fixed order)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ansvar.bootstrap import bootstrap
from infra.settings import Settings
from tests.conftest import drop_schema, make_database
from tests.fault.views import checksum, write_history

pytestmark = pytest.mark.slow  # kills real worker processes

ROOT = Path(__file__).resolve().parents[2]


def url(db) -> str:
    if db.kind == "sqlite":
        return f"sqlite:///{db.path}"
    return f"postgresql://{db.user}@{db.host}:{db.port}/{db.name}?schema={db.schema}"


def start_worker(db) -> subprocess.Popen:
    env = {**os.environ, "ANSVAR_DATABASE_URL": url(db), "ANSVAR_LOG_LEVEL": "warning"}
    return subprocess.Popen(
        [sys.executable, "-m", "ansvar.cli", "worker"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.005)


@pytest.fixture(params=["sqlite", "postgres"])
def runtime(request, tmp_path, clock):
    db = make_database(request.param, tmp_path)
    runtime = bootstrap(Settings(database=db, log_level="warning"), clock)
    yield runtime
    runtime.close()
    if db.kind == "postgres":
        drop_schema(db)


def test_given_a_worker_killed_mid_catch_up_twice_when_restarted_then_the_views_equal_a_fresh_rebuild(runtime):
    db, catchup = runtime.settings.database, runtime.catchup
    head = write_history(runtime.portfolio, systems=300, facts_per_system=20)
    assert head > 6000

    kills = 0
    for _ in range(2):  # kill it twice, each time somewhere past where it last stopped
        before = min(catchup.positions().values())
        worker = start_worker(db)
        wait_for(lambda: min(catchup.positions().values()) > before or worker.poll() is not None, 60, "a batch")
        assert worker.poll() is None, worker.stderr.read().decode()
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        reached = catchup.positions()
        if max(reached.values()) < head:
            kills += 1
    assert kills >= 1, "the worker finished before it could be killed: write more events"
    assert min(catchup.positions().values()) < head

    worker = start_worker(db)  # restarted: resumes from the stored positions
    try:
        wait_for(lambda: min(catchup.positions().values()) >= head, 120, "the restarted worker to catch up")
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
    resumed = checksum(runtime.db, catchup.views)

    catchup.reset()
    catchup.run_until_caught_up()
    rebuilt = checksum(runtime.db, catchup.views)
    assert resumed[1] == rebuilt[1]  # the same number of rows in every table (nothing lost or doubled)
    assert resumed[0] == rebuilt[0]


def test_given_a_rebuild_killed_mid_way_then_the_old_views_serve_untouched_and_a_rerun_equals_them(runtime):
    db, catchup = runtime.settings.database, runtime.catchup
    head = write_history(runtime.portfolio, systems=200, facts_per_system=20)
    catchup.run_until_caught_up()
    whole, positions = checksum(runtime.db, catchup.views), catchup.positions()

    def building() -> dict[str, int]:  # the rebuild's new tables, not yet swapped in
        with runtime.db.transaction(write=False) as cur:
            cur.execute("SELECT name, position FROM projection_tracking")
            return {r["name"]: r["position"] for r in cur.fetchall() if r["name"].endswith("__next")}

    env = {**os.environ, "ANSVAR_DATABASE_URL": url(db), "ANSVAR_LOG_LEVEL": "warning"}
    # Small batches, so there is a "mid-way" (the default, 5,000 events, would take this history in one).
    rebuild = subprocess.Popen([sys.executable, "-m", "ansvar.cli", "projections", "rebuild", "--batch", "300"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: any(building().values()) or rebuild.poll() is not None, 60, "the rebuild to start")
    rebuild.send_signal(signal.SIGKILL)
    rebuild.wait()
    assert min(building().values(), default=head) < head, "the rebuild finished before it could be killed"
    assert checksum(runtime.db, catchup.views) == whole and catchup.positions() == positions  # served as they were

    again = subprocess.run([sys.executable, "-m", "ansvar.cli", "projections", "rebuild"], cwd=ROOT, env=env,
                           capture_output=True, timeout=300)
    assert again.returncode == 0, again.stderr.decode()
    assert checksum(runtime.db, catchup.views) == whole and not building()


def orphans(runtime) -> int:
    """People's details, or salts of their digests, with no registration in the event log."""
    from domain.org import Person

    registered = {(n.originator_id, n.id) for n in runtime.portfolio.recorder.select_notifications(
        1, 1_000_000, topics=[Person.Registered.TOPIC])}
    people = {person for person, _ in registered}
    with runtime.db.transaction(write=False) as cur:
        cur.execute("SELECT person_id FROM person_details")
        details = sum(1 for r in cur.fetchall() if r["person_id"] not in people)
        cur.execute("SELECT person_id, position FROM person_salts")
        return details + sum(1 for r in cur.fetchall() if (r["person_id"], r["position"]) not in registered)


def test_given_an_import_killed_at_any_point_then_no_personal_data_is_left_without_its_person(runtime, tmp_path):
    db = runtime.settings.database
    first = ["Anna", "Bo", "Carl", "Dorte", "Emil", "Frida", "Gustav", "Hanne", "Ida", "Jens",
             "Karen", "Lars", "Maja", "Niels", "Olga", "Per", "Rikke", "Søren", "Tove", "Ulla"]
    last = ["Hansen", "Jensen", "Nielsen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen", "Rasmussen",
            "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen", "Poulsen", "Johansen",
            "Møller", "Mortensen"]
    rows = [f"System {i:03d};Forvaltning {i % 3};Afdeling {i % 7};{first[i % 20]} {last[i // 20]}" for i in range(400)]
    sheet = tmp_path / "inventory.csv"
    sheet.write_text("Systemnavn;Forvaltning;Afdeling;Systemejer\r\n" + "\r\n".join(rows) + "\r\n", encoding="utf-8")
    env = {**os.environ, "ANSVAR_DATABASE_URL": url(db), "ANSVAR_LOG_LEVEL": "warning"}
    command = [sys.executable, "-m", "ansvar.cli", "import", str(sheet), "--apply"]
    for delay in (0.4, 0.8, 1.2, 1.6, 2.0, 2.4):
        started = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)  # a real process, killed at a moment of the wall clock: not business time
        started.send_signal(signal.SIGKILL)
        started.wait()
        assert orphans(runtime) == 0, f"killed after {delay} s"
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    assert orphans(runtime) == 0
    with runtime.db.transaction(write=False) as cur:
        cur.execute("SELECT COUNT(*) AS n FROM person_details")
        assert cur.fetchone()["n"] == 400
