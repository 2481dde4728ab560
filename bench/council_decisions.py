"""How fast the council's commands and views are: submit + assess N proposals, approve them in
decisions of ten (each decision and its ten consequences in one save), then rebuild the three
council views from the log.

    .venv/bin/python bench/council_decisions.py [sqlite|postgres] [N]

Prints one line per figure. PostgreSQL uses a fresh schema in ANSVAR_TEST_POSTGRES_URL's
database (default postgresql://postgres@127.0.0.1:5432/test) and drops it afterwards.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from ansvar.bootstrap import bootstrap
from domain.commands import Actor
from infra.settings import Database, Settings

ACTOR = Actor(role="bench")
MARKERS = {m: "answered" for m in ("user_involvement", "organisational_anchoring", "benefit_realisation", "use_of_data")}
VIEWS = ["proposals", "decisions", "decommissionings"]


def database(kind: str, tmp: Path) -> Database:
    if kind == "sqlite":
        return Database("sqlite", path=tmp / "bench.db")
    base = Database.from_url(os.environ.get("ANSVAR_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    return Database("postgres", host=base.host, port=base.port, name=base.name, user=base.user,
                    password=base.password, schema=f"bench_{uuid.uuid4().hex[:10]}")


def main(kind: str = "sqlite", n: int = 500) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = database(kind, Path(tmp))
        runtime = bootstrap(Settings(database=db, log_level="warning"))
        try:
            run(runtime, kind, n)
        finally:
            runtime.close()
            if db.kind == "postgres":
                import psycopg

                with psycopg.connect(db.dsn, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA "{db.schema}" CASCADE')


def run(runtime, kind: str, n: int) -> None:
    app = runtime.portfolio
    kommune = app.establish_org_unit("K", "kommune", None, ACTOR).id
    unit = app.establish_org_unit("F", "forvaltning", kommune, ACTOR).id
    person = app.register_person("P", unit, None, None, ACTOR).id
    content = {"title": "T", "problem": "P", "purposes": ["efficiency"], "category": "data",
               "change_kind": "transition", "driver": "professional_area", "driver_org_unit_id": str(unit),
               "benefits": {"text": "b"}, "markers": MARKERS}
    started = time.perf_counter()
    ids = []
    for _ in range(n):
        ids.append(app.submit_proposal(content, person, ACTOR).id)
        app.start_assessment(ids[-1], ACTOR)
    took = time.perf_counter() - started
    print(f"{kind}: submit+assess {n} proposals: {2 * n / took:,.0f} commands/s")
    started = time.perf_counter()
    for i in range(0, n, 10):
        app.record_decision("approval", "bench", ACTOR, decided_by=[person],
                            subjects=[{"kind": "proposal", "id": p} for p in ids[i:i + 10]])
    took = time.perf_counter() - started
    print(f"{kind}: approval decisions of 10 proposals (11 events, one save): {n / 10 / took:,.1f} decisions/s")
    runtime.catchup.run_until_caught_up()
    runtime.catchup.reset(VIEWS)
    events = runtime.catchup.head()
    started = time.perf_counter()
    runtime.catchup.run_until_caught_up()
    took = time.perf_counter() - started
    print(f"{kind}: rebuild of the council views over {events:,} events: {events / took:,.0f} events/s")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite", int(sys.argv[2]) if len(sys.argv) > 2 else 500)
