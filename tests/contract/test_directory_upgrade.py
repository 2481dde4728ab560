"""A people directory made before people could be searched is upgraded in place on start."""

from __future__ import annotations

from uuid import uuid4

from domain.clock import ManualClock
from infra.database import open_sync
from infra.people_directory import PersonDirectory
from tests.story import TEST_TODAY


def test_an_old_directory_gets_its_search_column_filled_from_the_details(database):
    if database.kind == "postgres":
        from infra.database import ensure_schema

        ensure_schema(database)
    db = open_sync(database)
    person, erased = uuid4(), uuid4()
    with db.transaction() as cur:
        cur.execute("CREATE TABLE person_details (person_id uuid PRIMARY KEY, name text, email text, erased_at timestamptz)")
        cur.execute("INSERT INTO person_details (person_id, name, email) VALUES (?, ?, ?)", (person, "Søren Ærø", "s@k.dk"))
        cur.execute("INSERT INTO person_details (person_id, erased_at) VALUES (?, CURRENT_TIMESTAMP)", (erased,))
    PersonDirectory(db, ManualClock.on(TEST_TODAY)).setup()
    PersonDirectory(db, ManualClock.on(TEST_TODAY)).setup()  # and again: nothing more to do
    with db.transaction(write=False) as cur:
        cur.execute("SELECT person_id, search FROM person_details")
        assert {r["person_id"]: r["search"] for r in cur.fetchall()} == {person: "soren aero s@k dk", erased: None}
    db.close()


def test_a_directory_folded_the_older_way_is_folded_anew_once(database):
    if database.kind == "postgres":
        from infra.database import ensure_schema

        ensure_schema(database)
    db = open_sync(database)
    person = uuid4()
    with db.transaction() as cur:
        cur.execute("CREATE TABLE person_details (person_id uuid PRIMARY KEY, name text, email text,"
                    " erased_at timestamptz, search text)")
        cur.execute("INSERT INTO person_details (person_id, name, email, search) VALUES (?, ?, ?, ?)",
                    (person, "Åse Løkke", "aase.loekke@k.dk", "åse løkke aase.loekke@k.dk"))
    PersonDirectory(db, ManualClock.on(TEST_TODAY)).setup()
    with db.transaction() as cur:
        cur.execute("SELECT search FROM person_details")
        assert [r["search"] for r in cur.fetchall()] == ["ase lokke ase lokke@k dk"]
        cur.execute("UPDATE person_details SET search = 'as written'")
    PersonDirectory(db, ManualClock.on(TEST_TODAY)).setup()  # once: a second start re-folds nothing
    with db.transaction(write=False) as cur:
        cur.execute("SELECT search FROM person_details")
        assert [r["search"] for r in cur.fetchall()] == ["as written"]
    db.close()
