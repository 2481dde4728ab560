"""The forms that answer a hand-over offer (shown on `/ui/me`): accept, decline with a reason,
withdraw one's own. Each runs the same command as the API's `/handovers/{id}/...` route, under
the same rule of the access table."""

from __future__ import annotations

from uuid import UUID

import anyio.to_thread
from litestar import Controller, Request, post
from litestar.response import Redirect

from api import schemas as s
from api.context import provide_actor
from api.ui import UI_HANDLERS
from api.ui.pages import convert, done, form_of
from api.ui.session import csrf_guard
from domain.portfolio import Portfolio


class HandoverPageController(Controller):
    path = "/ui/handovers/{offer_id:uuid}"
    include_in_schema = False
    guards = [csrf_guard]
    exception_handlers = UI_HANDLERS

    @post("/acceptance", operation_id="uiAcceptHandover")
    async def accept(self, request: Request, offer_id: UUID, portfolio: Portfolio) -> Redirect:
        """Accept a role offered to me: it is mine from today, or the offer's later date."""
        actor = provide_actor(request)
        r = await anyio.to_thread.run_sync(lambda: portfolio.accept_handover(offer_id, actor=actor))
        return done("/ui/me", "handover_accepted", r.position)

    @post("/refusal", operation_id="uiRefuseHandover")
    async def refuse(self, request: Request, offer_id: UUID, portfolio: Portfolio) -> Redirect:
        """Decline a role offered to me, saying why."""
        form = await form_of(request)
        data = convert({"reason": form.get("reason", "")}, s.RefuseHandover)
        actor = provide_actor(request)
        r = await anyio.to_thread.run_sync(lambda: portfolio.refuse_handover(offer_id, data.reason, actor=actor))
        return done("/ui/me", "handover_refused", r.position)

    @post("/withdrawal", operation_id="uiWithdrawHandover")
    async def withdraw(self, request: Request, offer_id: UUID, portfolio: Portfolio) -> Redirect:
        """Take back a hand-over I offered that nobody has answered."""
        actor = provide_actor(request)
        r = await anyio.to_thread.run_sync(lambda: portfolio.withdraw_handover(offer_id, actor=actor))
        return done("/ui/me", "handover_withdrawn", r.position)
