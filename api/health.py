"""Liveness and readiness."""

from __future__ import annotations

from litestar import Controller, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Response

from api import schemas as s
from projections import failures
from projections.read_side import ReadSide


class HealthController(Controller):
    path = "/"
    tags = ["operations"]
    security = [{}]  # public (api/access.py): documented as needing no token

    @get("/health", operation_id="health")
    async def health(self) -> s.Health:
        """The process is alive (it does not ask the database: `/ready` does). For a load balancer's
        liveness probe."""
        return s.Health(status="ok")

    @get("/ready", operation_id="ready", responses={503: ResponseSpec(s.Ready, description="Not ready")})
    async def ready(self, reads: ReadSide) -> Response[s.Ready]:
        """The database answers and every view can follow the log: each projection's position and
        lag. 503 when the database is away, when a view has stopped on an event it cannot apply
        (`status: failing`, the view named with its position and the error), or when an event read
        back for the views does not match the log's leaf (`status: log-broken`, `log` naming the
        position and what differs: a rebuild refused to adopt it; the views serve as they were)."""
        try:
            positions = await reads.positions()
            failing = await reads.failing()
            head = await reads.log_head()
        except Exception as exc:  # readiness reports failure instead of raising it
            body = s.Ready(status="unavailable", database=f"unreachable: {type(exc).__name__}", head=0, projections=[])
            return Response(body, status_code=503)
        broken = failing.pop(failures.LOG, None)
        projections = [
            s.ProjectionStatus(name, pos, max(head - pos, 0), *(
                (failing[name]["position"], failing[name]["error"], failing[name]["failed_at"]) if name in failing else ()
            ))
            for name, pos in positions.items()
        ]
        if broken is not None:
            why = s.LogBreak(broken["position"], broken["error"], broken["failed_at"])
            return Response(s.Ready(status="log-broken", database="ok", head=head, projections=projections, log=why),
                            status_code=503)
        if failing:
            return Response(s.Ready(status="failing", database="ok", head=head, projections=projections), status_code=503)
        return Response(s.Ready(status="ready", database="ok", head=head, projections=projections))
