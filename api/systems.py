"""The system register: registering systems, listing and reading them, moving their lifecycle."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter

from api import schemas as s
from api.dependencies import Cursor, decode_cursor, encode_cursor
from api.revalidation import revalidated, whole
from domain.commands import Actor
from domain.errors import SystemNotFound
from domain.portfolio import Portfolio
from domain.vocabulary import Criticality, Lifecycle
from projections.read_side import ReadSide

_JSON = msgspec.json.Encoder()

After = Annotated[int | None, Parameter(ge=1, description="Wait until the views include this log position.")]
Limit = Annotated[int, Parameter(ge=1, le=500, description="Page size.")]


def receipt(r: object) -> s.Receipt:
    return s.Receipt(position=r.position, recorded_at=r.recorded_at, id=r.id)  # type: ignore[attr-defined]


class SystemController(Controller):
    path = "/systems"
    tags = ["systems"]

    @post("/", operation_id="registerSystem", status_code=201, sync_to_thread=True)
    def register(self, data: s.RegisterSystem, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Register a system. A second system with the same name in the same org unit is a 409."""
        return receipt(portfolio.register_system(
            data.name, data.vendor, data.org_unit_id, data.criticality, data.personal_data, data.lifecycle,
            data.lifecycle_from, actor=actor,
        ))

    @get("/", operation_id="listSystems")
    async def list_systems(
        self, reads: ReadSide, after: After = None, limit: Limit = 50,
        cursor: Cursor = None, org_unit_id: UUID | None = None, criticality: Criticality | None = None,
        lifecycle: Lifecycle | None = None, personal_data: bool | None = None,
        q: Annotated[str | None, Parameter(max_length=200, pattern=r"^[^\x00]*$", description="Part of the name.")] = None,
        *, request: Request,
    ) -> Response[s.SystemPage]:
        """Systems by name, filterable; `lifecycle` is the state in effect today. Keyset-paginated.
        Answered with an `ETag`: sent back in `If-None-Match` while no event has landed, it gets a 304."""
        await reads.caught_up(after)
        start = decode_cursor(cursor, tuple[str, UUID])
        today = reads.today()

        async def build() -> bytes:
            rows = await reads.systems.page(
                today, limit + 1, start, org_unit_id=org_unit_id, criticality=criticality,
                lifecycle=lifecycle, personal_data=personal_data, name_contains=q,
            )
            more = len(rows) > limit
            rows = rows[:limit]
            next_cursor = encode_cursor([rows[-1]["name"], str(rows[-1]["id"])]) if more else None
            return _JSON.encode(s.SystemPage(items=[s.System(**r) for r in rows], next_cursor=next_cursor))

        return await revalidated(request, reads, (today,), build, whole, len)

    @get("/{system_id:uuid}", operation_id="getSystem")
    async def get_system(self, system_id: UUID, reads: ReadSide, after: After = None) -> s.SystemDetail:
        """One system: its name, vendor, org unit, criticality, personal data, and its lifecycle
        history (each state and the date it took effect)."""
        await reads.caught_up(after)
        row = await reads.systems.get(system_id, reads.today())
        if row is None:
            raise SystemNotFound(id=system_id)
        history = await reads.systems.lifecycle_history(system_id)
        return s.SystemDetail(**row, lifecycle_history=[s.LifecycleEntry(**h) for h in history])

    @post("/{system_id:uuid}/lifecycle", operation_id="changeLifecycle", status_code=201, sync_to_thread=True)
    def change_lifecycle(self, system_id: UUID, data: s.ChangeLifecycle, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Move the system to a lifecycle state from a date (past or future)."""
        return receipt(portfolio.change_lifecycle(system_id, data.lifecycle, data.effective_from, actor=actor))
