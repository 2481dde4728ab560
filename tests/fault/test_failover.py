"""Failover: two PostgreSQL clusters on this machine, a primary and a synchronous streaming
standby (Debian's pg_createcluster, pg_basebackup -R), and a real `ansvar serve` process on the
multi-host URL. Clients send a burst of commands with Idempotency-Keys (each retried with its
key until it is answered); mid-burst the primary is stopped (`-m immediate`, as a crash) and the
standby promoted. Then:

- every command answered 2xx is in the log (on the new primary: synchronous replication put it
  on both servers before the answer), and each key's command is recorded once;
- `ansvar verify` passes against a checkpoint the server signed before the failover;
- commands succeed again within 30 s of the primary's stop;
- nothing is answered 500: during the outage the answers are 503 problem+json.

It runs as root (CI and the dev box), and runs the PostgreSQL commands as the postgres user; it
fails under CI=true when it cannot run, and is skipped elsewhere.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
import pytest

from ansvar import cli
from domain.clock import ManualClock
from tests.api.client import TEST_SECRET, bearer
from tests.conftest import TEST_LOG_KEY
from tests.story import TEST_TODAY

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 4
AFTER_RECOVERY = 8  # commands answered 2xx after the failover before the burst ends
STOP_AFTER = 16  # commands answered before the primary is stopped
DOWN_SECONDS = 2.0  # between the stop and the promotion: the failover's detection time
RECOVERY_LIMIT = 30.0
PREFIX = "ansvar_failover_"  # the clusters' names: PREFIX, the test process's id, a or b
# The server under test runs on the tests' clock (not the calendar): the same code as `ansvar serve`.
SERVE = ("import sys; from ansvar import cli; from domain.clock import ManualClock; from tests.story import TEST_TODAY;"
         " sys.exit(cli.main(['serve'], clock=ManualClock.on(TEST_TODAY)))")


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "needs root (it runs pg_createcluster and runs PostgreSQL as the postgres user)"
    for tool in ("pg_createcluster", "pg_ctlcluster", "pg_dropcluster", "runuser"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian's postgresql-common)"
    if not _version():
        return "no PostgreSQL server is installed in /usr/lib/postgresql"
    return None


def _version() -> str | None:
    base = Path("/usr/lib/postgresql")
    found = sorted((p.name for p in base.iterdir() if (p / "bin" / "pg_basebackup").exists()), key=float) if base.is_dir() else []
    return found[-1] if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(*command: str, timeout: float = 60) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)} failed: {done.stderr or done.stdout}"
    return done.stdout


class Cluster:
    def __init__(self, version: str, name: str, port: int) -> None:
        self.version, self.name, self.port = version, name, port
        self.data = Path(f"/var/lib/postgresql/{version}/{name}")
        self.conf = Path(f"/etc/postgresql/{version}/{name}/conf.d/failover.conf")

    def create(self, settings: str) -> None:
        # trust on 127.0.0.1 (a throwaway cluster that listens nowhere else); no fsync: a process
        # crash (stop -m immediate) loses nothing the OS holds, and the test runs on a shared box
        _run("pg_createcluster", self.version, self.name, "-p", str(self.port), "--", "--auth=trust", "--no-sync")
        self.conf.write_text(f"listen_addresses = '127.0.0.1'\nfsync = off\n{settings}")

    def ctl(self, action: str, *extra: str) -> None:
        # Not through systemd where it runs: these clusters are this test's, started and stopped by it.
        _run("pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, action, *extra)

    def drop(self) -> None:
        subprocess.run(["pg_dropcluster", "--stop", self.version, self.name], capture_output=True, timeout=60)

    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"


def _drop_leftovers() -> None:
    """Clusters of an earlier run that was killed before its clean-up (its process is gone)."""
    for line in _run("pg_lsclusters", "--no-header").splitlines():
        found_version, name = line.split()[:2]
        pid = name.removeprefix(PREFIX).partition("_")[0]
        if name.startswith(PREFIX) and pid.isdigit() and not Path(f"/proc/{pid}").exists():
            Cluster(found_version, name, 0).drop()


@pytest.fixture
def failover(tmp_path):
    """The two clusters and the server on both. The server starts as soon as the primary is up:
    its start (imports, tables) overlaps the standby's copy, and its first commits wait for the
    standby, which is synchronous from the start."""
    why = _why_not()
    if why is not None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"the failover test cannot run under CI=true: {why}")
        pytest.skip(why)
    version = _version()
    assert version is not None
    _drop_leftovers()
    began = time.monotonic()
    tag = f"{PREFIX}{os.getpid()}"
    primary, standby = Cluster(version, f"{tag}_a", _free_port()), Cluster(version, f"{tag}_b", _free_port())
    url = (f"postgresql://postgres@127.0.0.1:{primary.port},127.0.0.1:{standby.port}/postgres"
           "?target_session_attrs=read-write")
    port = _free_port()
    env = {"ANSVAR_DATABASE_URL": url, "ANSVAR_PORT": str(port), "ANSVAR_AUTH_SECRET": TEST_SECRET,
           "ANSVAR_LOG_KEY": str(TEST_LOG_KEY), "ANSVAR_LOG_LEVEL": "warning", "ANSVAR_DB_POOL_SIZE": "6"}
    server_log = tmp_path / "server.log"
    process = None
    try:
        with ThreadPoolExecutor(2) as both:  # each initdb takes seconds: side by side
            # An acknowledged commit is on both: the primary waits for any standby's flush.
            made = [both.submit(primary.create, "synchronous_standby_names = '*'\n"),
                    both.submit(standby.create, "")]  # promoted, it runs alone (no synchronous standby to wait for)
            for future in made:
                future.result()
        primary.ctl("start")
        with server_log.open("w") as out:
            process = subprocess.Popen([sys.executable, "-c", SERVE], cwd=ROOT, env={**os.environ, **env}, stdout=out,
                                       stderr=subprocess.STDOUT)
        for leftover in standby.data.iterdir():  # pg_basebackup wants it empty; the directory stays postgres's
            shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
        _run("runuser", "-u", "postgres", "--", f"/usr/lib/postgresql/{version}/bin/pg_basebackup", "-R",
             "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "-D", str(standby.data), "-X", "stream",
             "-c", "fast", "--no-sync")
        standby.ctl("start")
        with psycopg.connect(primary.url(), autocommit=True, connect_timeout=5) as conn:
            deadline = time.monotonic() + 30
            while conn.execute("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'").fetchone()[0] < 1:
                assert time.monotonic() < deadline, "the standby never became synchronous"
                time.sleep(0.1)
        clusters_ready = time.monotonic() - began
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, server_log.read_text()
            try:
                if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not become ready"
            time.sleep(0.1)
        print(f"\nclusters ready in {clusters_ready:.1f} s, the server in {time.monotonic() - began:.1f} s")
        yield base, env, primary, standby, server_log
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        with ThreadPoolExecutor(2) as both:
            list(both.map(Cluster.drop, (primary, standby)))


def test_given_the_primary_fails_mid_burst_when_the_standby_is_promoted_then_nothing_acknowledged_is_lost(
    failover, monkeypatch, capsys,
):
    base, env, primary, standby, server_log = failover
    client = httpx.Client(base_url=base, headers={"Authorization": bearer()}, timeout=90)
    unit = client.post("/org-units", json={"name": "Kommune", "level": "kommune"})
    assert unit.status_code == 201, unit.text
    unit_id = unit.json()["id"]

    answered = threading.Event()  # STOP_AFTER commands answered: time to fail
    stopped_at: list[float] = []
    lock = threading.Lock()
    acknowledged: dict[str, dict] = {}  # key -> the 2xx receipt
    recorded_unanswered: dict[str, int] = {}  # key -> position: recorded, its answer lost (409 in flight)
    outage_answers: list[tuple[int, str, str]] = []  # what came back other than 2xx
    succeeded_after_stop: list[float] = []

    def command(number: int) -> None:
        key = f"failover-{number}"
        body = {"name": f"Failover {number:03d}", "org_unit_id": unit_id, "criticality": "high",
                "personal_data": False, "lifecycle": "in_operation"}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            sent = time.monotonic()
            try:
                answer = client.post("/systems", json=body, headers={"Idempotency-Key": key})
            except httpx.HTTPError as exc:  # the server never drops a request; but say so if it did
                outage_answers.append((0, "", str(exc)))
                time.sleep(0.2)
                continue
            with lock:
                if 200 <= answer.status_code < 300:
                    acknowledged[key] = answer.json()
                    if stopped_at and sent > stopped_at[0]:
                        succeeded_after_stop.append(time.monotonic() - stopped_at[0])
                    if len(acknowledged) >= STOP_AFTER:
                        answered.set()
                    return
                outage_answers.append((answer.status_code, answer.headers.get("content-type", ""), answer.text))
            if answer.status_code == 409 and answer.json().get("type") == "/problems/idempotency-key-in-flight":
                with lock:
                    recorded_unanswered[key] = answer.json()["position"]
                return
            assert answer.status_code == 503, answer.text  # nothing else is expected of a failover
            time.sleep(0.2)
        raise AssertionError(f"command {key} was never answered 2xx within 60 s")

    finish = threading.Event()  # set once commands succeed again after the failover
    numbers = itertools.count()

    def clients(c: int) -> None:
        while not finish.is_set():
            with lock:
                number = next(numbers)
            command(number)

    checkpoint = server_log.parent / "before-failover.note"
    errors: list[BaseException] = []

    def guarded(c: int) -> None:
        try:
            clients(c)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(c,)) for c in range(CLIENTS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    assert answered.wait(60), "the burst did not get going"
    note = httpx.get(f"{base}/log/checkpoint", timeout=10)
    assert note.status_code == 200, note.text
    checkpoint.write_text(note.text)
    signed_size = int(note.text.splitlines()[1])

    primary.ctl("stop", "-m", "immediate")  # a crash: no shutdown checkpoint, connections cut
    stopped_at.append(time.monotonic())
    # A command without a key while no server takes writes: a clear 503, or (if the promotion comes
    # while it waits) done once, never a 500.
    keyless_answers: list[httpx.Response] = []
    keyless_thread = threading.Thread(target=lambda: keyless_answers.append(client.post("/systems", json={
        "name": "Failover keyless", "org_unit_id": unit_id, "criticality": "low", "personal_data": False,
        "lifecycle": "in_operation"})))
    keyless_thread.start()
    time.sleep(DOWN_SECONDS)
    standby.ctl("promote")
    promoted_at = time.monotonic()
    while len(succeeded_after_stop) < AFTER_RECOVERY and time.monotonic() - stopped_at[0] < RECOVERY_LIMIT + 15:
        time.sleep(0.1)
    finish.set()
    for t in [*threads, keyless_thread]:
        t.join(120)
    assert not errors, errors
    keyless = keyless_answers[0]

    # Every 2xx is in the log on the new primary, at the position its answer named, once per key.
    with psycopg.connect(standby.url(), autocommit=True, connect_timeout=5) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] is False
        created = {str(r[0]): r[1] for r in conn.execute(
            "SELECT originator_id, notification_id FROM ansvar_events WHERE topic = 'ansvar.system.registered.v1'")}
        positions = {r[0] for r in conn.execute("SELECT notification_id FROM ansvar_events")}
    for key, receipt in acknowledged.items():
        assert receipt["id"] in created, f"{key} was answered {receipt} but is not in the log"
        assert receipt["position"] in positions
    for key, position in recorded_unanswered.items():
        assert position in positions, f"{key} was said to be recorded at {position}"
    keyless_done = 1 if 200 <= keyless.status_code < 300 else 0
    if keyless_done:
        assert keyless.json()["id"] in created
    else:
        assert keyless.status_code == 503, keyless.text
        assert keyless.headers["content-type"] == "application/problem+json"
        assert keyless.json()["type"] in ("/problems/unavailable", "/problems/commit-unknown")
    keys = next(numbers)  # every command begun was answered (2xx, or 409 naming its position), else errors
    assert len(acknowledged) + len(recorded_unanswered) == keys
    if keyless.status_code == 503 and keyless.json()["type"] == "/problems/commit-unknown":
        assert keys <= len(created) <= keys + 1
    else:
        assert len(created) == keys + keyless_done, "a command with a key was recorded more than once (or lost)"

    # The answers besides 2xx were 503 problem+json (or a 409 naming where a command is recorded).
    for status, content_type, text in outage_answers:
        assert status in (409, 503) and content_type == "application/problem+json", (status, text)
    # Commands succeeded again within 30 s of the primary's stop.
    assert succeeded_after_stop, "no command was answered 2xx after the failover"
    recovered = min(succeeded_after_stop)
    assert recovered <= RECOVERY_LIMIT, f"commands succeeded again only {recovered:.1f} s after the primary stopped"

    # `ansvar verify`, against the new primary (through the multi-host URL) and the checkpoint taken before.
    client.close()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()
    verified = cli.main(["verify", "--checkpoint", str(checkpoint), "--json"], clock=ManualClock.on(TEST_TODAY))
    result = json.loads(capsys.readouterr().out)
    assert verified == 0 and result["ok"], result
    assert result["size"] >= signed_size, result
    assert any("signature, and consistent with the log now" in line for line in result["checked"]), result
    with capsys.disabled():
        print(f"\nfailover: {len(acknowledged)} acknowledged, {len(recorded_unanswered)} recorded without an answer,"
              f" {len(outage_answers)} 503/409 answers; commands again {recovered:.1f} s after the stop"
              f" ({promoted_at - stopped_at[0]:.1f} s to promotion); burst and checks {time.monotonic() - started:.1f} s")
