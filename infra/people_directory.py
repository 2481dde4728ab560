"""Personal details (name, e-mail) in a mutable, erasable table beside the event log.

Events refer to people by id only; erasing a person here leaves every event and every
projection intact, and the API then shows "person erased"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from domain.clock import Clock
from domain.inventory import search_key

DDL = (
    "CREATE TABLE IF NOT EXISTS person_details (person_id uuid PRIMARY KEY, name text, email text,"
    " erased_at timestamptz, search text)"
)
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

    def put(self, person_id: UUID, name: str, email: str | None) -> None:
        with self.db.transaction() as cur:
            cur.execute(UPSERT.replace("{table}", "person_details"), row(person_id, name, email))

    def get(self, person_id: UUID) -> dict[str, Any] | None:
        with self.db.transaction(write=False) as cur:
            cur.execute("SELECT person_id, name, email, erased_at FROM person_details WHERE person_id = ?", (person_id,))
            return cur.fetchone()

    def forget(self, person_id: UUID) -> bool | None:
        """Erase a person's name and e-mail: True if erased now, False if they already were,
        None if nothing was ever stored for this id. Of two erasures at once, one is 'now'."""
        with self.db.transaction() as cur:
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
