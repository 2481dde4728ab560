"""The read store: every view's queries, today and now from the clock, and read-your-writes waiting.

The API, the exports and the import's snapshot all read through it (never through the write
side's connections)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.clock import Clock
from domain.errors import InvalidValue
from infra.database import Reader
from projections.accountability_view import AccountabilityQueries
from projections.answer_cache import AnswerCache
from projections.decisions_view import DecisionQueries
from projections.decommissioning_view import DecommissioningQueries
from projections.gaps_view import GapQueries
from projections.handovers_view import HandoverQueries
from projections.progress import Progress, ViewsBehind
from projections.proposals_view import ProposalQueries
from projections.rebuild import SUFFIX as REBUILDING
from projections.register_queries import RegisterQueries
from projections.reminders_view import ReminderQueries
from projections.systems_view import DirectoryQueries, SystemQueries

DEPARTURE_SECONDS = 2.0


class ReadSide:
    def __init__(
        self, reader: Reader, clock: Clock, progress: Progress | None, wait_seconds: float,
        head: Callable[[], Awaitable[int]] | None = None,
    ) -> None:
        self.reader = reader
        self.clock = clock
        self._departures: dict[UUID, tuple[tuple[date | None, UUID | None], Any, float]] = {}  # person -> ((departed_on, merged_into), mark, when)
        self.head = head  # the log's last position: a position past it will never be reached
        self.progress = progress  # None when the views are kept current by another process
        self.wait_seconds = wait_seconds
        self.systems = SystemQueries(reader)
        self.directory = DirectoryQueries(reader)
        self.accountability = AccountabilityQueries(reader)
        self.gaps = GapQueries(reader)
        self.proposals = ProposalQueries(reader)
        self.decisions = DecisionQueries(reader)
        self.decommissionings = DecommissioningQueries(reader)
        self.register = RegisterQueries(reader)
        self.reminders = ReminderQueries(reader)
        self.handovers = HandoverQueries(reader)
        self.answers = AnswerCache()  # answers built at a view stamp (api/revalidation.py)

    def today(self) -> date:
        """The default valid-time date of every question."""
        return self.clock.today()

    def now(self) -> datetime:
        """The default record time of every question ("as known now")."""
        return self.clock.now()

    async def log_head(self) -> int:
        """The event log's last position (0 when the log cannot be asked here)."""
        return await self.head() if self.head is not None else 0

    async def departed_on(self, person_id: UUID) -> date | None:
        """The date a person left, once it has come (a departure may be announced ahead): from then
        on nothing they send is accepted, whatever token they hold. Asked on every request, so the
        answer is kept until the views move on (or for DEPARTURE_SECONDS when another process keeps
        them), and a departure counts from the moment its event is in the views."""
        departed = (await self._standing(person_id))[0]
        return departed if departed is not None and departed <= self.today() else None

    async def acting_for(self, person_id: UUID) -> UUID:
        """Whom a token or a session of `person_id` acts for: the person, or, once their record was
        merged into another (domain/person_merge.py), that survivor. Cached as `departed_on`."""
        return (await self._standing(person_id))[1] or person_id

    async def _standing(self, person_id: UUID) -> tuple[date | None, UUID | None]:
        mark = self.progress.position if self.progress is not None else None
        now = time.monotonic()
        cached = self._departures.get(person_id)
        if cached is not None and (cached[1] == mark if mark is not None else now - cached[2] < DEPARTURE_SECONDS):
            return cached[0]
        row = await self.reader.fetchrow("SELECT departed_on, merged_into FROM people WHERE id = ?", person_id)
        standing = (row["departed_on"], UUID(str(row["merged_into"])) if row["merged_into"] else None) if row else (None, None)
        if len(self._departures) >= 10_000:
            self._departures.clear()
        self._departures[person_id] = (standing, mark, now)
        return standing

    async def failing(self) -> dict[str, dict[str, Any]]:
        """Views that stopped on an event they cannot apply (projections/failures.py), by name."""
        rows = await self.reader.fetch("SELECT name, position, error, failed_at FROM projection_failures")
        return {r["name"]: r for r in rows}

    async def positions(self) -> dict[str, int]:
        """Each live view's position (a rebuild's new tables, not yet swapped in, are not views yet)."""
        rows = await self.reader.fetch("SELECT name, position FROM projection_tracking ORDER BY name")
        return {r["name"]: r["position"] for r in rows if not r["name"].endswith(REBUILDING)}

    async def stamp(self) -> tuple[int, ...]:
        """Where the views stand: an answer read from them holds while this is unchanged. Kept by
        the worker in this process, or read from the tracking rows (one round trip) when another
        process keeps the views."""
        if self.progress is not None:
            return self.progress.stamp
        return tuple((await self.positions()).values())  # by view name (the query orders them)

    async def caught_up(self, position: int | None) -> None:
        """Return once every view has applied `position`; raise ViewsBehind after the bound."""
        if not position:
            return
        if self.progress is not None and self.progress.position >= position:
            return
        if self.head is not None and position > (head := await self.head()):
            # Waiting could only end in a 503 that invites a retry that can never succeed.
            raise InvalidValue("past-the-log", field="after", position=position, head=head)
        started = time.monotonic()
        if self.progress is not None:
            if await self.progress.wait_for(position, self.wait_seconds):
                return
            raise ViewsBehind(position, self.progress.position, self.wait_seconds)
        delay = 0.002
        while True:
            reached = min((await self.positions()).values(), default=0)
            if reached >= position:
                return
            if time.monotonic() - started > self.wait_seconds:
                raise ViewsBehind(position, reached, self.wait_seconds)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)
