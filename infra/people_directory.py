"""Personal details (name, e-mail) in a mutable, erasable table beside the event log.

Events refer to people by id only; erasing a person here leaves every event and every
projection intact, and the API then shows "person erased".

The events that register a person, correct their details, or commit them at the upgrade carry a
salted digest of the name and e-mail (domain/person_details.py); the salts are kept here, in
`person_salts` by the event's log position, written in that event's transaction, and deleted with
the name when the person is erased. `ansvar verify` holds each row to the latest digests
(infra/people_verify.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from domain.clock import Clock
from domain.errors import AlreadyDone
from domain.inventory import search_key
from domain.person_details import PersonDetails

DDL = (
    "CREATE TABLE IF NOT EXISTS person_details (person_id uuid PRIMARY KEY, name text, email text,"
    " erased_at timestamptz, search text)"
)
SALTS_DDL = {
    kind: f"CREATE TABLE IF NOT EXISTS person_salts (person_id uuid NOT NULL, position bigint NOT NULL,"
          f" field text NOT NULL, salt {blob} NOT NULL, PRIMARY KEY (position, field))"
    for kind, blob in (("sqlite", "BLOB"), ("postgres", "bytea"))
}
SALTS_INDEX = "CREATE INDEX IF NOT EXISTS person_salts_person ON person_salts (person_id)"
#: How the search column is folded (domain/person_match.fold); a new name re-folds every row at start.
SEARCH_FOLDING = "danish-transliteration-1"
#: A person's details, written anew (and no longer erased). The event recorders run it in the
#: transaction of the person's registration (infra/recorders.py), with `row()`'s values.
UPSERT = (
    "INSERT INTO {table} (person_id, name, email, search) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (person_id) DO UPDATE SET name = excluded.name, email = excluded.email,"
    " search = excluded.search, erased_at = NULL"
)


def row(person_id: Any, name: str, email: str | None) -> tuple[Any, str, str | None, str]:
    """The values UPSERT takes: the details, and what a search of the directory compares with."""
    return person_id, name, email, search_key(name, email)


#: A correction's (or the upgrade's) details: only into a row that is there and not erased; the
#: recorder fails the save when none was (an erasure came first).
CORRECT = ("UPDATE {table} SET name = ?, email = ?, search = ? WHERE person_id = ? AND erased_at IS NULL"
           " RETURNING person_id")
ADD_SALT = "INSERT INTO {table} (person_id, position, field, salt) VALUES (?, ?, ?, ?)"


def correction(person_id: Any, name: str, email: str | None) -> tuple[str, str | None, str, Any]:
    """The values CORRECT takes."""
    return name, email, search_key(name, email), person_id


def salt_rows(details: PersonDetails, position: int, person_id: Any = None) -> list[tuple[Any, int, str, bytes]]:
    """The values ADD_SALT takes, for the event at `position` that committed to `details`."""
    who = details.person_id if person_id is None else person_id
    return [(who, position, f, salt) for f, salt in details.salts.items()]


def erased_meanwhile(person_id: Any) -> AlreadyDone:
    return AlreadyDone("details-erased", field="person_id", person_id=str(person_id))


class PersonDirectory:
    def __init__(self, db: Any, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        #: Other stores of a person's details, erased in the same transaction (SCIM's users).
        self.also_forget: list[Callable[[Any, UUID], None]] = []

    def setup(self) -> None:
        with self.db.transaction() as cur:
            cur.execute(DDL)
            self._with_search_column(cur)
            self._refold(cur)
            cur.execute(SALTS_DDL[self.db.dialect])
            cur.execute(SALTS_INDEX)

    def _with_search_column(self, cur: Any) -> None:
        """Directories made before people could be searched get the column, filled from the details."""
        if self.db.dialect == "postgres":
            cur.execute("SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()"
                        " AND table_name = 'person_details' AND column_name = 'search'")
        else:
            cur.execute("SELECT 1 FROM pragma_table_info('person_details') WHERE name = 'search'")
        if cur.fetchone() is not None:
            return
        cur.execute("ALTER TABLE person_details ADD COLUMN search text")
        cur.execute("SELECT person_id, name, email FROM person_details WHERE erased_at IS NULL")
        cur.executemany("UPDATE person_details SET search = ? WHERE person_id = ?",
                        [(search_key(r["name"], r["email"]), r["person_id"]) for r in cur.fetchall()])

    def _refold(self, cur: Any) -> None:
        """Directories whose search text was folded an older way are folded anew, once."""
        cur.execute("CREATE TABLE IF NOT EXISTS person_details_search (folding text PRIMARY KEY)")
        cur.execute("SELECT folding FROM person_details_search")
        if [r["folding"] for r in cur.fetchall()] == [SEARCH_FOLDING]:
            return
        cur.execute("SELECT person_id, name, email FROM person_details WHERE erased_at IS NULL")
        cur.executemany("UPDATE person_details SET search = ? WHERE person_id = ?",
                        [(search_key(r["name"], r["email"]), r["person_id"]) for r in cur.fetchall()])
        cur.execute("DELETE FROM person_details_search")
        cur.execute("INSERT INTO person_details_search (folding) VALUES (?)", (SEARCH_FOLDING,))

    def record(self, details: PersonDetails, position: int) -> None:
        """The in-memory store's way (the SQL recorders write the same in the events' transaction)."""
        with self.db.transaction() as cur:
            if details.how == "registered":
                cur.execute(UPSERT.replace("{table}", "person_details"), row(details.person_id, details.name, details.email))
            else:
                cur.execute(CORRECT.replace("{table}", "person_details"),
                            correction(details.person_id, details.name, details.email))
                if cur.fetchone() is None:
                    raise erased_meanwhile(details.person_id)
            cur.executemany(ADD_SALT.replace("{table}", "person_salts"), salt_rows(details, position))

    def uncommitted(self) -> list[tuple[UUID, str, str | None]]:
        """People whose details no event commits to: registered before names were committed (the
        upgrade commits them; Portfolio.commit_earlier_details checks each against the log)."""
        with self.db.transaction(write=False) as cur:
            cur.execute("SELECT person_id, name, email FROM person_details d WHERE erased_at IS NULL AND NOT EXISTS"
                        " (SELECT 1 FROM person_salts s WHERE s.person_id = d.person_id)")
            return [(UUID(str(r["person_id"])), r["name"], r["email"]) for r in cur.fetchall()]

    def get(self, person_id: UUID) -> dict[str, Any] | None:
        with self.db.transaction(write=False) as cur:
            cur.execute("SELECT person_id, name, email, erased_at FROM person_details WHERE person_id = ?", (person_id,))
            return cur.fetchone()

    def emails(self) -> list[tuple[UUID, str | None, str]]:
        """Everyone's e-mail address (id, name, e-mail), for the one-address-one-person check."""
        with self.db.transaction(write=False) as cur:
            cur.execute("SELECT person_id, name, email FROM person_details WHERE email IS NOT NULL AND erased_at IS NULL")
            return [(r["person_id"], r["name"], r["email"]) for r in cur.fetchall()]

    def forget(self, person_id: UUID) -> bool | None:
        """Erase a person's name and e-mail, and the salts their digests in the log were made with:
        True if erased now, False if they already were, None if nothing was ever stored for this
        id. Of two erasures at once, one is 'now'."""
        with self.db.transaction() as cur:
            cur.execute("DELETE FROM person_salts WHERE person_id = ?", (person_id,))
            for forget in self.also_forget:
                forget(cur, person_id)
            cur.execute(
                "UPDATE person_details SET name = NULL, email = NULL, search = NULL, erased_at = ?"
                " WHERE person_id = ? AND erased_at IS NULL RETURNING person_id",
                (self.clock.now(), person_id),
            )
            if cur.fetchone() is not None:
                return True
            cur.execute("SELECT erased_at FROM person_details WHERE person_id = ?", (person_id,))
            return None if cur.fetchone() is None else False
