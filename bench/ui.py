"""Benchmark 10: the web pages under /ui (issue 16), each page's server time, for one
municipality and for the national data set.

    .venv/bin/python -m bench.ui [--requests 200]      # the national data set (bench/generate.py), PostgreSQL
    .venv/bin/python -m bench.ui --town                # the demo town (`ansvar demo`, ~300 systems), a SQLite file
    .venv/bin/python -m bench.ui --town --postgres     # the demo town in the schema bench_town

Figure: per page, the server's time p50/p95/p99 (the `Server-Timing: app;dur=` header set in
api/context.py: from the request reaching the app to its response headers, so the page has been
rendered), and the client's time on its keep-alive connection; target p95 <= 50 ms for the town,
<= 300 ms for the national data set. Baseline, same run and server: GET /health and the API's
JSON answer about the typical system (GET /systems/{id}/accountability). One client, one request
at a time; the pages take turns, round by round, so the machine's drift reaches each alike. A
page is signed in as a browser is: a one-time code redeemed for a session cookie (the council's
for every page but /ui/me, which is a holder's own).

The generated national data set holds no council work; before its first run here, a council year
after the demo's (ansvar/demo_council.py: its 16 proposals, 2 meetings, and 5 of its decisions:
two prioritisations, an approval, a rejection, a deferral) is added for each municipality through
the real commands, so the council's pages have something to show."""

from __future__ import annotations

import argparse
import http.client
import random
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, timedelta
from html import escape
from pathlib import Path
from urllib.parse import urlencode
from uuid import UUID

import httpx

from ansvar import demo
from ansvar.bootstrap import bootstrap
from ansvar.demo_council import MARKERS, TITLES
from bench.common import check_own_schema, drop_schema, line, load, pct, settings
from bench.server import Client, api, headers
from domain.commands import Actor
from infra.database import vacuum_analyze
from infra.settings import Database
from projections.catchup import REBUILD_BATCH


class TimedClient(Client):
    def timed(self, target: str) -> tuple[float, float, bytes]:
        """The client's and the server's milliseconds and the body of a 200 answer."""
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                self.connection.request("GET", target, headers=self.headers)
                response = self.connection.getresponse()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()  # idle past the server's keep-alive: once more, on a new one
                if attempt == 2:
                    raise
        body = response.read()
        took = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise RuntimeError(f"GET {target}: {response.status} {body[:300]!r}")
        return took, float(response.getheader("server-timing", "dur=nan").partition("dur=")[2]), body


def caught_up(runtime) -> str:
    """The views at the log's head: a view whose tables another version of the code made is remade
    empty at start (projections/catchup.py), and the server here runs no projections."""
    started = time.perf_counter()
    if not (n := runtime.catchup.run_until_caught_up(batch=REBUILD_BATCH)):
        return ""
    vacuum_analyze(runtime.settings.database, [t for v in runtime.catchup.views for t in v.tables])
    return f"views caught up ({n:,} events) in {time.perf_counter() - started:.0f} s; "


def council_years(runtime, today: date, seed: int) -> str:
    """A council year after the demo's for each municipality (kommune), once."""
    with runtime.db.transaction(write=False) as cur:
        cur.execute("SELECT COUNT(*) AS n FROM proposals")
        if cur.fetchone()["n"]:
            return "council work already there"
        cur.execute("SELECT id, parent_id, dissolved_on FROM org_units")
        units = {r["id"]: r for r in cur.fetchall()}
        cur.execute("SELECT id, org_unit_id FROM people WHERE departed_on IS NULL ORDER BY id")
        people = cur.fetchall()

    def kommune(unit):
        while units[unit]["parent_id"] is not None:
            unit = units[unit]["parent_id"]
        return unit
    towns: dict[object, list[UUID]] = {}
    for p in people:
        if units[p["org_unit_id"]]["dissolved_on"] is None:
            towns.setdefault(kommune(p["org_unit_id"]), []).append(UUID(str(p["id"])))
    rng, app = random.Random(seed), runtime.portfolio
    started = time.perf_counter()
    for town in sorted(towns, key=str):
        if len(towns[town]) >= 10:
            _council_year(app, rng, towns[town], today)
    runtime.catchup.run_until_caught_up(batch=REBUILD_BATCH)
    vacuum_analyze(runtime.settings.database, ["proposals", "proposal_purposes", "proposal_history", "meetings",
                                               "decisions", "decision_subjects", "decision_deciders", "priorities"])
    return f"added a council year for {len(towns)} municipalities in {time.perf_counter() - started:.0f} s"


def _council_year(app, rng: random.Random, people: list[UUID], today: date) -> None:
    members, chair = people[:4], people[0]
    actor = Actor(person_id=chair, role="council", request_id="bench-ui-council")
    ids = []
    for i, (title, category, change, purposes) in enumerate(TITLES):
        ids.append(app.submit_proposal({
            "title": title, "problem": f"{title}: i dag løses opgaven manuelt", "purposes": purposes,
            "category": category, "change_kind": change, "driver": "it", "driver_org_unit_id": None,
            "benefits": {"text": "Færre timer på administration", "figures": [{"label": "timer pr. uge", "amount": 5 + i, "unit": "t"}]},
            "follow_up_on": (today - timedelta(days=30 - i)).isoformat(), "related_system_ids": [], "markers": MARKERS,
        }, rng.choice(people[4:]), actor).id)
    for pid in ids[4:]:
        app.start_assessment(pid, actor)
    spring = app.hold_meeting(today - timedelta(days=300), members, True, actor).id
    autumn = app.hold_meeting(today - timedelta(days=120), members[:3], True, actor).id

    def decide(kind: str, rationale: str, subjects: list[UUID], **kw) -> UUID:
        return app.record_decision(kind, rationale, actor, subjects=[{"kind": "proposal", "id": str(s)} for s in subjects], **kw).id
    ranks = [{"proposal_id": str(p), "rank": r + 1, "note": None} for r, p in enumerate(ids[4:10])]
    first = decide("prioritisation", "Borgerrettede løsninger først", [], meeting_id=spring, decided_on=today - timedelta(days=300),
                   period_from=today - timedelta(days=300), period_to=today + timedelta(days=65), priorities=ranks)
    decide("prioritisation", "Dataplatformen rykker op", [], meeting_id=autumn, decided_on=today - timedelta(days=120),
           period_from=today - timedelta(days=120), period_to=today + timedelta(days=65), supersedes=first,
           priorities=[{**r, "rank": len(ranks) - i} for i, r in enumerate(ranks)])
    decide("approval", "Passer i budgettet", [ids[4], ids[5], ids[7]], meeting_id=autumn,
           decided_on=today - timedelta(days=120), operations_owner_id=members[1])
    decide("rejection", "Overlapper med den regionale løsning", [ids[6]], meeting_id=autumn, decided_on=today - timedelta(days=120))
    decide("deferral", "Afventer næste budgetår", [ids[9]], decided_by=[chair], decided_on=today - timedelta(days=60))


def choose(runtime, today: date, rng: random.Random) -> dict:
    """The typical system (the median count of facts), the busiest, a past (at, known_at) for each,
    a part of the typical one's name, and people to sign in as."""
    with runtime.db.transaction(write=False) as cur:
        cur.execute("SELECT s.id, s.name, COUNT(f.position) AS n FROM systems s LEFT JOIN responsibility_facts f"
                    " ON f.system_id = s.id GROUP BY s.id, s.name ORDER BY n, s.id")
        systems = cur.fetchall()
        typical, busiest = systems[len(systems) // 2], systems[-1]
        past = {}
        for s in (typical, busiest):
            cur.execute("SELECT effective_from, recorded_at FROM responsibility_facts WHERE system_id = ?", (s["id"],))
            facts = cur.fetchall()
            at = min(sorted(f["effective_from"] for f in facts)[len(facts) // 2], today - timedelta(days=1))
            recorded = sorted(f["recorded_at"] for f in facts)
            known = recorded[0] + (recorded[-1] - recorded[0]) * 0.75  # before the last quarter of its facts was known
            known = known.replace(microsecond=0) + timedelta(seconds=1)
            past[s["id"]] = {"at": at.isoformat(), "known_at": known.astimezone(UTC).isoformat().replace("+00:00", "Z")}
        cur.execute("SELECT id FROM people WHERE departed_on IS NULL ORDER BY id")
        present = [r["id"] for r in cur.fetchall()]
        cur.execute("SELECT f.person_id, COUNT(*) AS n FROM responsibility_facts f JOIN people p ON p.id = f.person_id"
                    " WHERE p.departed_on IS NULL GROUP BY f.person_id ORDER BY n DESC LIMIT 30")
        busy = [r["person_id"] for r in cur.fetchall()]
        cur.execute("SELECT id FROM org_units WHERE level = 'forvaltning' ORDER BY id LIMIT 1")
        forvaltning = cur.fetchone()["id"]
        cur.execute("SELECT COUNT(*) AS n FROM responsibility_gaps WHERE since <= ? AND (until IS NULL OR until > ?)",
                    (today, today))
        gaps = cur.fetchone()["n"]
        cur.execute("SELECT COUNT(*) AS n FROM people")
        people = cur.fetchone()["n"]
    word = max(reversed(typical["name"].split()), key=len)[:5]  # "System 019178": "01917", a real search
    council = demo.demo_users(runtime.portfolio).get("council") or rng.choice(present)
    return {"typical": typical, "busiest": busiest, "past": past, "q": word, "council": council,
            "forvaltning": forvaltning, "last_page": max(1, -(-len(systems) // 50)), "busy_person": busy[0],
            "late_gap_page": max(1, -(-gaps // 50) - 1), "late_people_page": max(1, -(-people // 50) - 1),
            "candidates": list(dict.fromkeys([*busy, *rng.sample(present, min(300, len(present)))]))}


def register_pages(chosen: dict, council: TimedClient, admin: TimedClient) -> list[tuple[str, str, TimedClient]]:
    """The register, the gap list and the people to browse (issue 25): filtered, and a late page."""
    forvaltning, last_page = chosen["forvaltning"], chosen["last_page"]
    return [
        ("/ui/systems?page=last", f"/ui/systems?page={last_page}", council),
        ("/ui/systems?sort=criticality&page=last", f"/ui/systems?sort=criticality&page={last_page}", council),
        ("/ui/systems?org_unit_id=forvaltning&lifecycle&crit",
         "/ui/systems?" + urlencode({"org_unit_id": forvaltning, "lifecycle": "in_operation", "criticality": "high"}),
         council),
        ("/ui/systems?no_systemejer=true", "/ui/systems?no_systemejer=true", council),
        ("/ui/systems?holder=busiest", f"/ui/systems?holder={chosen['busy_person']}", council),
        ("/ui/systems?at=&known_at=&lifecycle",
         "/ui/systems?" + urlencode({**chosen["past"][chosen["typical"]["id"]], "lifecycle": "in_operation"}), council),
        ("/ui/gaps?page=late", f"/ui/gaps?page={chosen['late_gap_page']}", council),
        ("/ui/gaps?forvaltning=&rule=no_holder", "/ui/gaps?" + urlencode({"forvaltning": forvaltning,
                                                                          "rule": "no_holder"}), council),
        ("/ui/people?status=present&page=late", f"/ui/people?status=present&page={chosen['late_people_page']}", admin),
        ("/ui/people?org_unit_id=forvaltning", f"/ui/people?org_unit_id={forvaltning}", admin),
    ]


def holders(base: str, candidates: list) -> tuple[tuple[UUID, int], tuple[UUID, int]]:
    """A typical holder of several roles (the median of those holding 2+) and the busiest."""
    bearer = Client(base, headers())
    held = sorted((len(bearer.get_json(f"/people/{p}/responsibilities")["holds"]), str(p)) for p in candidates)
    bearer.close()
    several = [h for h in held if h[0] >= 2] or held
    (n_typ, typ), (n_max, top) = several[len(several) // 2], held[-1]
    return (UUID(typ), n_typ), (UUID(top), n_max)


def signed_in(base: str, runtime, person: UUID, roles: tuple[str, ...]) -> TimedClient:
    code = runtime.ui_sessions.issue_code(person, roles)
    answer = httpx.get(f"{base}/ui/login/code", params={"code": code})
    if answer.status_code != 303 or "ansvar_session" not in answer.cookies:
        raise SystemExit(f"signing in failed: {answer.status_code} {answer.headers.get('location')}")
    return TimedClient(base, {"Cookie": f"ansvar_session={answer.cookies['ansvar_session']}"})


def council_pages(bearer: TimedClient, council: TimedClient) -> list[tuple[str, str, TimedClient]]:
    """The council's pages (issue 25): the forms, a meeting's minutes, a proposal and a decision in names."""
    meeting = bearer.get_json("/meetings")["items"][-1]["id"]
    proposal = (bearer.get_json("/proposals?status=in_implementation&limit=1")["items"]
                or bearer.get_json("/proposals?limit=1")["items"])[0]["id"]
    ruled = bearer.get_json("/decisions?kind=prioritisation&limit=1")["items"][0]["id"]
    return [(label, path, council) for label, path in [
        ("/ui/proposals/new", "/ui/proposals/new"), ("/ui/proposals/{id}", f"/ui/proposals/{proposal}"),
        ("/ui/meetings", "/ui/meetings"), ("/ui/meetings/new", "/ui/meetings/new"),
        ("/ui/meetings/{latest}", f"/ui/meetings/{meeting}"),
        ("/ui/decisions/new?kind=prioritisation", "/ui/decisions/new?kind=prioritisation"),
        ("/ui/decisions/new?kind=ownership_ruling", "/ui/decisions/new?kind=ownership_ruling"),
        ("/ui/decisions/{prioritisation}", f"/ui/decisions/{ruled}"),
    ]]


def figures(ms: list[float]) -> str:
    return f"p50 {pct(ms, 50):7.2f}  p95 {pct(ms, 95):7.2f}  p99 {pct(ms, 99):7.2f} ms"


def town_database(postgres: bool, folder: str) -> tuple[Database, str]:
    if postgres:
        db = replace(settings().database, schema="bench_town")
        check_own_schema(db)
        drop_schema(db)
        return db, f"postgresql://{db.user}@{db.host}:{db.port}/{db.name}?schema={db.schema}"
    url = f"sqlite:///{Path(folder) / 'ansvar.db'}"
    return Database.from_url(url), url


def prepare(args: argparse.Namespace, folder: str) -> tuple[object, dict[str, str], str, float]:
    """The runtime on the data set, the server's environment, what was done to get there, the target."""
    if not args.town:
        config = settings()
        check_own_schema(config.database)
        runtime = bootstrap(config)
        rebuilt = caught_up(runtime)
        return runtime, {}, rebuilt + council_years(runtime, runtime.clock.today(), args.seed), 300.0
    db, url = town_database(args.postgres, folder)
    runtime = bootstrap(settings(database=db))
    started = time.perf_counter()
    demo.load(runtime.portfolio)
    runtime.catchup.run_until_caught_up(batch=REBUILD_BATCH)
    vacuum_analyze(db, [t for v in runtime.catchup.views for t in v.tables])
    return runtime, {"ANSVAR_DATABASE_URL": url}, f"demo loaded in {time.perf_counter() - started:.1f} s", 50.0


def describe(runtime) -> str:
    db = runtime.settings.database
    with runtime.db.transaction(write=False) as cur:
        counts = []
        for table in ("systems", "responsibility_facts", "people", "responsibility_gaps", "proposals", "decisions"):
            cur.execute(f"SELECT COUNT(*) AS n FROM {table}")
            counts.append(f"{cur.fetchone()['n']:,} {table}")
    return f"{db.kind}" + (f" schema {db.schema}" if db.kind == "postgres" else "") + ": " + ", ".join(counts)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--town", action="store_true", help="the demo town, loaded anew, instead of the national data set")
    p.add_argument("--postgres", action="store_true", help="with --town: in the PostgreSQL schema bench_town, not SQLite")
    p.add_argument("--requests", type=int, default=200, help="timed requests per page")
    p.add_argument("--warmup", type=int, default=10, help="untimed rounds first")
    p.add_argument("--seed", type=int, default=10)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        runtime, env, prepared, target = prepare(args, folder)
        chosen = choose(runtime, runtime.clock.today(), random.Random(args.seed))
        print(f"ui pages on {describe(runtime)}; {prepared}  [{load()}]")
        with api(run_projections=False, **env) as base:
            (typ, n_typ), (top, n_top) = holders(base, chosen["candidates"])
            council = signed_in(base, runtime, chosen["council"], ("council",))
            holder, busy_holder = signed_in(base, runtime, typ, ()), signed_in(base, runtime, top, ())
            admin = signed_in(base, runtime, chosen["council"], ("admin",))
            bearer = TimedClient(base, headers())
            t, b, past = chosen["typical"], chosen["busiest"], chosen["past"]
            print(f"typical system {t['name']!r} ({t['n']} facts), busiest {b['name']!r} ({b['n']} facts); "
                  f"q={chosen['q']!r}; as of {past[b['id']]} (busiest), {past[t['id']]} (typical); "
                  f"/ui/me as holders of {n_typ} and {n_top} roles")
            pages = [
                ("baseline: GET /health", "/health", council),
                ("baseline: API /systems/{id}/accountability", f"/systems/{t['id']}/accountability", bearer),
                ("/ui/ overview (council)", "/ui/", council),
                ("/ui/gaps", "/ui/gaps", council),
                ("/ui/gaps?rule=no_holder", "/ui/gaps?rule=no_holder", council),
                ("/ui/systems", "/ui/systems", council),
                (f"/ui/systems?q={chosen['q']}", "/ui/systems?" + urlencode({"q": chosen["q"]}), council),
                *register_pages(chosen, council, admin),
                ("/ui/systems/{typical}", f"/ui/systems/{t['id']}", council),
                ("/ui/systems/{busiest}", f"/ui/systems/{b['id']}", council),
                ("/ui/systems/{typical}?at=&known_at=", f"/ui/systems/{t['id']}?{urlencode(past[t['id']])}", council),
                ("/ui/systems/{busiest}?at=&known_at=", f"/ui/systems/{b['id']}?{urlencode(past[b['id']])}", council),
                (f"/ui/me (holder of {n_typ} roles)", "/ui/me", holder),
                (f"/ui/me (holder of {n_top} roles)", "/ui/me", busy_holder),
                ("/ui/proposals", "/ui/proposals", council),
                ("/ui/decisions", "/ui/decisions", council),
                ("/ui/decisions/new", "/ui/decisions/new", council),
                *council_pages(bearer, council),
            ]
            for _ in range(args.warmup):
                for _, path, client in pages:
                    client.timed(path)
            server: dict[str, list[float]] = {label: [] for label, _, _ in pages}
            client_side: dict[str, list[float]] = {label: [] for label, _, _ in pages}
            size: dict[str, int] = {}
            for _ in range(args.requests):  # round by round: the machine's drift reaches every page alike
                for label, path, client in pages:
                    took, on_server, body = client.timed(path)
                    server[label].append(on_server)
                    client_side[label].append(took)
                    size[label] = len(body)
            for label, path, client in pages:
                if "/ui/systems/" in path:
                    name = b["name"] if str(b["id"]) in path else t["name"]
                    assert escape(name).encode() in client.timed(path)[2], f"{label}: the system's name is missing"
            for client in (council, holder, busy_holder, bearer, admin):
                client.close()
        print(f"{'':44} {'server time (Server-Timing)':<46} {'client time, one connection':<46}")
        for label, _, _ in pages:
            verdict = "" if label.startswith("baseline") else (
                f"{size[label] / 1024:5.0f} KB; p95 target {target:.0f} ms {'met' if pct(server[label], 95) <= target else 'MISSED'}")
            line(label, figures(server[label]), figures(client_side[label]), verdict)
        print(f"[{load()}]")
        runtime.close()


if __name__ == "__main__":
    main()
