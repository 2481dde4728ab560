"""`POST /kitos/sync`: the same sync as `ansvar kitos sync`, answering its report as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Response, post
from litestar.datastructures import State

from domain.commands import Actor
from usecases import kitos_sync


class KitosSync(msgspec.Struct, forbid_unknown_fields=True):
    organization: UUID  # the municipality's organisation uuid in KITOS
    apply: bool = False  # false: a dry run, nothing written
    since: datetime | None = None  # only usages changed since; default: since the last sync
    roles: dict[str, str] | None = None  # the municipality's KITOS role names -> ansvar roles


class KitosController(Controller):
    path = "/kitos"
    tags = ["import and export"]

    @post("/sync", operation_id="syncKitos", status_code=200)
    async def sync(self, data: KitosSync, state: State, actor: Actor) -> Response[dict[str, Any]]:
        """Bring over what KITOS holds for the organisation (ANSVAR_KITOS_URL, _EMAIL, _PASSWORD):
        org units, systems, people and role holders. A dry run that reports what would be created,
        matched and changed, and every problem with its KITOS uuid and field, unless `apply`: then
        it is written all or nothing (201). A KITOS refusal is a 502 naming the URL and status."""
        if data.roles is not None:
            kitos_sync.read_roles(msgspec.json.encode(data.roles))
        report = await kitos_sync.sync(state.runtime, str(data.organization), apply=data.apply, since=data.since,
                                       roles=data.roles, actor=actor)
        return Response(report, status_code=201 if report["applied"] else 200)
