"""Benchmark 11: provisioning from the identity provider (SCIM, issue 27), on a SQLite file.

    .venv/bin/python -m bench.scim [--users 15000] [--departures 200] [--clients 8]

The real API (`ansvar serve`) on 127.0.0.1, its worker running, a fresh SQLite file.
(a) `--users` POST /scim/v2/Users from empty over `--clients` keep-alive connections (a provider's
    parallel workers; 1 = one at a time), as Entra ID's first cycle sends them (target: 15,000 in
    <= 60 s);
(b) a deactivation to its gap in the views: PATCH active "False" (Entra ID's dialect) on users who
    hold a role, then the view's table polled until the holder_departed gap is there (target p99
    <= 1 s). The SCIM answer waits for the views, so the poll normally finds it at once.
Baselines, same run: (a) `--baseline` POST /people (an admin registering people, no matching),
(b) POST /people/{id}/departure followed by GET /responsibility-gaps?after=<position>."""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx

from ansvar.bootstrap import bootstrap
from bench.common import line, load, pct, summary
from bench.server import api, headers
from domain.clock import SystemClock
from infra.settings import Database, Settings


def prepare(path: Path) -> tuple[str, str]:
    """The kommune and a SCIM credential, written before the API starts."""
    runtime = bootstrap(Settings(database=Database.from_url(f"sqlite:///{path}"), log_level="warning"), SystemClock())
    try:
        kommune = runtime.portfolio.establish_org_unit("Benchmark Kommune", "kommune", None).id
        runtime.catchup.run_until_caught_up()  # the org unit is in the views before the first user comes
        secret = runtime.extras["scim_store"].issue("bench", runtime.clock.now())[1]
    finally:
        runtime.close()
    return str(kommune), secret


def user(i: int) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": f"user{i}@bench.dk",
        "externalId": f"obj-{i:08d}", "active": True, "displayName": f"Bruger {i}",
        "name": {"givenName": "Bruger", "familyName": str(i)},
        "emails": [{"value": f"user{i}@bench.dk", "type": "work", "primary": True}],
    }


def gap_seen(db: sqlite3.Connection, person_id: str) -> bool:
    return db.execute("SELECT 1 FROM responsibility_gaps WHERE person_id = ? AND rule = 'holder_departed'",
                      (person_id,)).fetchone() is not None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=15_000)
    parser.add_argument("--departures", type=int, default=200)
    parser.add_argument("--baseline", type=int, default=3000, help="POST /people for the baseline")
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections, as a provider's workers")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ansvar.db"
        kommune, secret = prepare(path)
        print(f"# SCIM provisioning on SQLite ({path.name}); {load()}")
        with api(ANSVAR_DATABASE_URL=f"sqlite:///{path}") as base:
            scim = {"Authorization": f"Bearer {secret}", "Content-Type": "application/scim+json"}
            admin = headers(("admin", "council"))
            with httpx.Client(base_url=base, timeout=60) as http:
                while http.get("/scim/v2/ServiceProviderConfig", headers=scim).status_code != 200:
                    time.sleep(0.1)
                def provision(i: int) -> str:
                    r = clients[i % args.clients].post("/scim/v2/Users", json=user(i), headers=scim)
                    assert r.status_code == 201, r.text
                    return r.json()["id"]

                def register(i: int) -> None:
                    r = clients[i % args.clients].post("/people", headers=admin, json={
                        "name": f"Medarbejder {i}", "org_unit_id": kommune, "title": None, "email": f"m{i}@bench.dk"})
                    assert r.status_code == 201, r.text

                clients = [httpx.Client(base_url=base, timeout=60) for _ in range(args.clients)]
                with ThreadPoolExecutor(args.clients) as pool:
                    started = time.perf_counter()
                    scim_ids = list(pool.map(provision, range(args.users)))
                    provisioned = time.perf_counter() - started
                    print(f"(a) {args.users} users provisioned in {provisioned:.1f} s", flush=True)
                    clients = [httpx.Client(base_url=base, timeout=60) for _ in range(args.clients)]
                    started = time.perf_counter()
                    list(pool.map(register, range(args.baseline)))
                    registered = time.perf_counter() - started
                line(f"(a) {args.users} users, {args.clients} connections", f"{provisioned:7.1f} s"
                     f" ({args.users / provisioned:.0f}/s)", f"{args.baseline} POST /people: {registered:5.1f} s"
                     f" ({args.baseline / registered:.0f}/s)", "ok" if provisioned <= 60 else "OVER 60 s")

                # (b) users who hold a role, deactivated one by one
                people = {p["email"]: p["id"] for p in _all_people(http, admin)}
                today = SystemClock().today()
                targets, baseline_people = [], []
                for k in range(args.departures):
                    system = http.post("/systems", headers=admin, json={
                        "name": f"System {k}", "org_unit_id": kommune, "criticality": "high", "personal_data": True,
                        "lifecycle": "in_operation", "lifecycle_from": (today - timedelta(days=900)).isoformat()}).json()["id"]
                    scim_person = people[f"user{k}@bench.dk"]
                    plain_person = people[f"m{k}@bench.dk"]  # --departures <= --baseline
                    for role, person in (("systemejer", scim_person), ("dataejer", plain_person)):
                        r = http.post(f"/systems/{system}/assignments", headers=admin, json={
                            "role": role, "person_id": person,
                            "effective_from": (today - timedelta(days=400)).isoformat()})
                        assert r.status_code == 201, r.text
                    targets.append((scim_ids[k], scim_person))
                    baseline_people.append(plain_person)
                http.get("/responsibility-gaps", headers=admin, params={"after": r.json()["position"]})
                db = sqlite3.connect(path)
                visible, departed = [], []
                body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                        "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}
                for (scim_id, person), plain in zip(targets, baseline_people, strict=True):
                    started = time.perf_counter()
                    r = http.patch(f"/scim/v2/Users/{scim_id}", json=body, headers=scim)
                    assert r.status_code == 200, r.text
                    while not gap_seen(db, person):
                        pass
                    visible.append((time.perf_counter() - started) * 1000)
                    started = time.perf_counter()
                    r = http.post(f"/people/{plain}/departure", headers=admin, json={"effective": today.isoformat()})
                    http.get("/responsibility-gaps", headers=admin, params={"after": r.json()["position"], "limit": 1})
                    departed.append((time.perf_counter() - started) * 1000)
                line("(b) deactivation -> gap in the view", summary(visible), "")
                line("    baseline: POST departure + GET ?after", summary(departed), "",
                     "ok" if pct(visible, 99) <= 1000 else "OVER 1 s")


def _all_people(http: httpx.Client, admin: dict) -> list[dict]:
    found, cursor = [], None
    while True:
        params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        page = http.get("/people", headers=admin, params=params).json()
        found += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return found


if __name__ == "__main__":
    main()
