"""Which ansvar org unit, person and system each KITOS entity became: read off the provenance
(meta.source) of the events a KITOS sync wrote, so a second sync finds them again."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.kitos_plan import Links
from domain.org import OrgUnit, Person
from domain.systems import System
from projections.dispatch import Handlers, meta

_KINDS = {OrgUnit.Established: "unit", Person.Registered: "person", System.Registered: "system"}


class KitosView(Handlers):
    name = "kitos"
    tables = ("kitos_links",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS kitos_links (kind text NOT NULL, kitos_uuid text NOT NULL, ansvar_id uuid NOT NULL,"
        " kitos text NOT NULL, last_modified text, position bigint NOT NULL, PRIMARY KEY (kind, kitos_uuid))",
    )

    def apply(self, cur: Any, event: Any, position: int) -> None:
        kind = _KINDS.get(type(event))
        source = meta(event).get("source") if kind else None
        if not isinstance(source, dict) or not source.get("kitos") or not source.get("uuid"):
            return
        cur.execute(
            "INSERT INTO kitos_links (kind, kitos_uuid, ansvar_id, kitos, last_modified, position) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (kind, kitos_uuid) DO NOTHING",
            (kind, str(source["uuid"]), event.originator_id, str(source["kitos"]), source.get("lastModified"), position),
        )


def load_links(cur: Any, kitos: str) -> Links:
    cur.execute("SELECT kind, kitos_uuid, ansvar_id FROM kitos_links WHERE kitos = ?", (kitos,))
    found: dict[str, dict[str, UUID]] = {"unit": {}, "person": {}, "system": {}}
    for r in cur.fetchall():
        found[r["kind"]][r["kitos_uuid"]] = UUID(str(r["ansvar_id"]))
    return Links(found["unit"], found["system"], found["person"])
