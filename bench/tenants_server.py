"""The servers of bench/tenants.py (`ansvar serve`, in child processes) and what their processes
use: CPU seconds, resident memory, threads, and their rows in pg_stat_activity."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bench.server import SECRET, _free_port
from infra.settings import Settings


def child_env(config: Settings, **extra: str) -> dict[str, str]:
    db = config.database
    return {**os.environ, "ANSVAR_DATABASE_URL": f"postgresql://{db.user}@{db.host}:{db.port}/{db.name}?schema={db.schema}",
            "ANSVAR_TENANCY": "schemas", "ANSVAR_AUTH_SECRET": SECRET, "ANSVAR_LOG_LEVEL": "warning", **extra}


def cpu_s(pid: int) -> float:
    """User + system CPU seconds process `pid` has used (less moved by other processes' load than wall time)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def status(pid: int, field: str) -> int:
    """A number from /proc/PID/status: VmRSS (kB), Threads (an open municipality runs one worker thread)."""
    with open(f"/proc/{pid}/status") as f:
        return next(int(row.split()[1]) for row in f if row.startswith(field + ":"))


def rss_kb(pid: int) -> int:
    return status(pid, "VmRSS")


def own_ports(pid: int) -> set[int]:
    """The local TCP ports of the sockets process `pid` holds (its threads share them)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        with open(f"/proc/{pid}/net/{table}") as f:
            for row in list(f)[1:]:
                cols = row.split()
                if cols[9] in inodes:
                    ports.add(int(cols[1].rsplit(":", 1)[1], 16))
    return ports


def connections(config: Settings, pid: int) -> tuple[int, int]:
    """(rows with the shared pools' application_name, rows whose client is the server process)."""
    import psycopg

    from infra.shared_pools import application_name

    ports = own_ports(pid)
    with psycopg.connect(config.database.dsn, autocommit=True) as conn:
        rows = conn.execute("SELECT application_name, client_port FROM pg_stat_activity WHERE datname = current_database()").fetchall()
    return (sum(r[0] == application_name(config.database) for r in rows), sum(r[1] in ports for r in rows))


class Server:
    """`ansvar serve` on an installation of many municipalities, timed from its start."""

    def __init__(self, config: Settings, tenancy: bool = True, **env: str) -> None:
        import httpx

        environment = child_env(config, **env)
        if not tenancy:
            environment.pop("ANSVAR_TENANCY")

        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.started = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, "-m", "ansvar.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                                     env=environment)
        while True:
            try:
                if httpx.get(self.base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.perf_counter() - self.started > 60:
                raise SystemExit("the API did not start")
            time.sleep(0.02)
        self.health_s = time.perf_counter() - self.started
        self.health_cpu = cpu_s(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
