"""Several API processes at once on one database, each with its projection worker: nothing one
holds is needed by the other. Two real servers (`ansvar serve`, on the tests' clock) share a fresh
schema; clients send commands to both in turn, and every command twice at the same moment, once to
each process, with the same Idempotency-Key. Each key's command is recorded once, each process
reads what the other wrote (read-your-writes by position), their views agree, and the log verifies.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from domain.portfolio import Portfolio
from infra import recorders
from infra.checkpoints import Checkpoint, VerifierKey
from infra.log_proofs import LogProofs
from infra.log_verify import verify
from infra.settings import Settings
from tests.api.client import TEST_SECRET, bearer
from tests.conftest import TEST_LOG_KEY, drop_schema, make_database
from tests.fault.test_failover import SERVE, _free_port

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = 24


@pytest.fixture
def two_servers(tmp_path):
    db = make_database("postgres", tmp_path)
    url = f"postgresql://{db.user}@{db.host}:{db.port}/{db.name}?schema={db.schema}"
    env = {"ANSVAR_DATABASE_URL": url, "ANSVAR_AUTH_SECRET": TEST_SECRET, "ANSVAR_LOG_KEY": str(TEST_LOG_KEY),
           "ANSVAR_LOG_LEVEL": "warning", "ANSVAR_DB_POOL_SIZE": "4"}
    ports = [_free_port(), _free_port()]
    processes, logs = [], []
    try:
        for n, port in enumerate(ports):  # the first makes the tables; the second starts beside it
            logs.append(tmp_path / f"server-{n}.log")
            with logs[-1].open("w") as out:
                processes.append(subprocess.Popen([sys.executable, "-c", SERVE], cwd=ROOT, stdout=out,
                                                  stderr=subprocess.STDOUT,
                                                  env={**os.environ, **env, "ANSVAR_PORT": str(port)}))
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        deadline = time.monotonic() + 90
        for process, base, log in zip(processes, bases, logs):
            while True:
                assert process.poll() is None, log.read_text()
                try:
                    if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "a server did not become ready"
                time.sleep(0.1)
        yield bases, Settings.from_env(env)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        drop_schema(db)


def test_given_two_api_processes_on_one_database_then_each_command_happens_once_and_both_read_it(two_servers, clock):
    bases, settings = two_servers
    clients = [httpx.Client(base_url=base, headers={"Authorization": bearer()}, timeout=60) for base in bases]
    unit = clients[0].post("/org-units", json={"name": "Kommune", "level": "kommune"}).json()
    barrier = threading.Barrier(2)

    def send(n: int, which: int) -> httpx.Response:
        body = {"name": f"Delt {n:02d}", "org_unit_id": unit["id"], "criticality": "high", "personal_data": False,
                "lifecycle": "in_operation"}
        barrier.wait()  # both processes get the same command at the same moment
        return clients[which].post("/systems", json=body, headers={"Idempotency-Key": f"both-{n}"})

    receipts = {}
    with ThreadPoolExecutor(2) as pool:
        for n in range(COMMANDS):
            first, second = pool.map(lambda which: send(n, which), (n % 2, 1 - n % 2))
            answers = [first, second]
            done = [a for a in answers if a.status_code == 201]
            assert done, [a.text for a in answers]
            for a in answers:  # the other: the same answer replayed, or a conflict (in flight, or the name now taken)
                assert a.status_code in (201, 409) and a.headers["content-type"].startswith("application/"), a.text
            assert len({a.json()["id"] for a in done}) == 1, "one key, two systems"
            receipts[n] = done[0].json()
    for n, receipt in receipts.items():  # sent again, to either process: the first answer, replayed
        again = clients[1 - n % 2].post("/systems", json={
            "name": f"Delt {n:02d}", "org_unit_id": unit["id"], "criticality": "high", "personal_data": False,
            "lifecycle": "in_operation"}, headers={"Idempotency-Key": f"both-{n}"})
        assert again.status_code == 201 and again.json() == receipt, again.text
        assert again.headers["idempotent-replayed"] == "true"
    head = max(r["position"] for r in receipts.values())

    listings = []
    for client in clients:  # each process reads everything, whichever wrote it
        page = client.get("/systems", params={"after": head, "limit": 100, "org_unit_id": unit["id"]})
        assert page.status_code == 200, page.text
        listings.append(sorted((s["name"], s["id"]) for s in page.json()["items"]))
    assert listings[0] == listings[1]
    assert listings[0] == sorted((f"Delt {n:02d}", r["id"]) for n, r in receipts.items())

    # Both processes sign the same log with the same key: their checkpoints agree, and it verifies.
    notes = [httpx.get(f"{base}/log/checkpoint", params={"after": head}, timeout=10).text for base in bases]
    assert notes[0].splitlines()[:3] == notes[1].splitlines()[:3]
    for client in clients:
        client.close()
    portfolio = Portfolio(recorders.with_recorders(settings.eventsourcing_env()), clock=clock)
    try:
        result = verify(LogProofs(portfolio.recorder), [Checkpoint.parse(notes[0])],
                        VerifierKey.parse(str(TEST_LOG_KEY.verifier)))
    finally:
        portfolio.close()
    assert result.ok, result.findings
