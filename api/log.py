"""The proof that the record has not been altered: the log's signed checkpoint and verifier key
(public, so a witness or an auditor's script can fetch them), its entries and its inclusion and
consistency proofs (RFC 9162 2.1.3 and 2.1.4), for auditors."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, MediaType, Response, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers import BaseRouteHandler
from litestar.params import Parameter, QueryParameter

from api import schemas as s
from api.problems import ServiceUnavailable
from api.systems import receipt
from api.tenancy import enter, hub_of, tenant_of
from domain.commands import Actor
from domain.errors import InvalidValue, NotFound
from domain.portfolio import Portfolio
from infra.checkpoints import b64
from infra.log_proofs import NotInLog
from infra.transparency import DamagedTree, NotSigning, TransparencyLog

Size = Annotated[int, Parameter(ge=0, le=2**62)]


class NotInTheLog(NotFound):
    slug = "not-in-log"
    title = "Not in the log"


def NoSigningKey(detail: str) -> ServiceUnavailable:  # noqa: N802  (raised like the exception it makes)
    return ServiceUnavailable(detail, retry_after=3600)


class LogEntry(msgspec.Struct):
    index: int  # the leaf's index in the tree: the event's place in log order, from 0
    position: int  # the event's position in the log
    leaf: str  # base64 of the leaf bytes (infra/tlog.py documents them)


class LogEntries(msgspec.Struct):
    tree_size: int
    items: list[LogEntry]


class InclusionProof(msgspec.Struct):
    position: int
    leaf_index: int
    tree_size: int
    leaf: str  # base64 leaf bytes; its leaf hash is SHA-256(0x00 || leaf)
    hashes: list[str]  # base64, RFC 9162 2.1.3.1 order


class ConsistencyProof(msgspec.Struct):
    from_: int = msgspec.field(name="from")
    to: int = 0
    hashes: list[str] = []  # base64, RFC 9162 2.1.4.1 order


class EraseText(msgspec.Struct, forbid_unknown_fields=True):
    position: Annotated[int, msgspec.Meta(ge=1, le=2**62)]  # the event holding the text
    basis: s.Text  # why, e.g. the data subject's request and its case number; kept in the log
    field: str | None = None  # which of its texts; default: its one erasable text


def _signed(transparency: TransparencyLog) -> TransparencyLog:
    if transparency.key is None:
        raise NoSigningKey("this installation has no key to sign the log with: set ANSVAR_LOG_KEY or"
                           " ANSVAR_LOG_KEY_FILE")
    return transparency


def _checkpoint(transparency: TransparencyLog, after: int | None) -> Response[str]:
    try:
        checkpoint = _signed(transparency).checkpoint()
    except NotSigning as exc:
        raise NoSigningKey(str(exc)) from None
    if after is not None and after > 0 and transparency.proofs.index_of(after) is None:
        raise NotInTheLog(field="after", position=after)
    return Response(checkpoint.note(), media_type="text/plain; charset=utf-8")


def _key(transparency: TransparencyLog) -> Response[str]:
    return Response(_signed(transparency).verifier_key + "\n", media_type="text/plain; charset=utf-8")


def _entries(transparency: TransparencyLog, start: int, limit: int) -> LogEntries:
    proofs = transparency.proofs
    found = proofs.entries(start, limit)
    return LogEntries(proofs.size(), [LogEntry(e.idx, e.position, b64(e.leaf)) for e in found])


async def _inclusion(transparency: TransparencyLog, position: int, tree_size: int | None) -> InclusionProof:
    try:
        found = await transparency.inclusion_async(position, tree_size)
    except NotInLog:
        raise InvalidValue("not-in-tree", field="tree_size", position=position, tree_size=tree_size) from None
    except DamagedTree as exc:
        raise ServiceUnavailable(str(exc), retry_after=3600) from None
    if found is None:
        raise NotInTheLog("no-event-at", field="position", position=position)
    entry, size, hashes = found
    return InclusionProof(position, entry.idx, size, b64(entry.leaf), [b64(h) for h in hashes])


def _consistency(transparency: TransparencyLog, from_: int, to: int | None) -> ConsistencyProof:
    proofs = transparency.proofs
    new = proofs.size() if to is None else to
    if from_ > new:
        raise InvalidValue("from-after-to", field="from", tree_from=from_, tree_to=new)
    try:
        hashes = proofs.consistency(from_, new)
    except NotInLog:
        raise InvalidValue("no-consistency-proof", field="to", tree_from=from_, tree_to=new) from None
    return ConsistencyProof(from_, new, [b64(h) for h in hashes])


class LogController(Controller):
    path = "/log"
    tags = ["proof"]

    # The checkpoint and the key are public (api/access.py): documented as needing no token.

    @get("/checkpoint", operation_id="getLogCheckpoint", media_type=MediaType.TEXT, sync_to_thread=True, security=[{}])
    def checkpoint(
        self, transparency: TransparencyLog,
        after: Annotated[int | None, Parameter(ge=0, le=2**62, description="A log position the checkpoint must cover.")] = None,
    ) -> Response[str]:
        """The latest signed checkpoint of the log (C2SP tlog-checkpoint in a signed note, as
        text): its origin, tree size and root hash, signed by this installation's key (and
        cosigned by its witnesses). It covers every event recorded before the answer; with
        `after`, a position that must be in it."""
        return _checkpoint(transparency, after)

    @get("/key", operation_id="getLogKey", media_type=MediaType.TEXT, sync_to_thread=True, security=[{}])
    def key(self, transparency: TransparencyLog) -> Response[str]:
        """The key that verifies the checkpoints: `<key name>+<key id, 8 hex digits>+<base64(0x01 ||
        Ed25519 public key)>` (the signed-note verifier key format)."""
        return _key(transparency)

    @get("/entries", operation_id="listLogEntries", sync_to_thread=True)
    def entries(
        self, transparency: TransparencyLog,
        start: Annotated[int, Parameter(ge=0, le=2**62, description="The first leaf index (0: the first event).")] = 0,
        limit: Annotated[int, Parameter(ge=1, le=10_000, description="At most this many entries.")] = 1000,
    ) -> LogEntries:
        """The log's leaves, consecutive from leaf index `start`: each event's position and the leaf
        the tree commits to, from which anyone can recompute the root."""
        return _entries(transparency, start, limit)

    @get("/proof/inclusion", operation_id="getInclusionProof")
    async def inclusion(
        self, transparency: TransparencyLog,
        position: Annotated[int, Parameter(ge=1, le=2**62, description="The event's position in the log.")],
        tree_size: Annotated[int | None, Parameter(ge=1, le=2**62, description="Default: the tree now.")] = None,
    ) -> InclusionProof:
        """That the event at `position` is in the tree of `tree_size` leaves: the audit path of RFC
        9162 2.1.3, to check against a checkpoint of that size."""
        return await _inclusion(transparency, position, tree_size)

    @get("/proof/consistency", operation_id="getConsistencyProof", sync_to_thread=True)
    def consistency(
        self, transparency: TransparencyLog,
        from_: Annotated[int, QueryParameter(name="from", ge=0, le=2**62, description="The older tree size.")],
        to: Annotated[int | None, Parameter(ge=0, le=2**62, description="The newer tree size; default: now.")] = None,
    ) -> ConsistencyProof:
        """That the tree of `to` leaves extends the tree of `from` leaves unchanged: RFC 9162 2.1.4."""
        return _consistency(transparency, from_, to)

    @post("/erasures", operation_id="eraseText", status_code=201, sync_to_thread=True)
    def erase_text(self, data: EraseText, portfolio: Portfolio, actor: Actor) -> s.Receipt:
        """Erase a free text that can name a person (GDPR art. 17) from the event at `position`: a
        vacancy's reason, an assignment's basis (a hand-over note), a claim's statement or a
        rejection's reason. The event reads `[erased]` there from now on, in every view and
        export; its leaf, and so every proof and checkpoint, stays valid, because the leaf commits
        to a salted hash of the text, and the salt is deleted with it. The erasure is itself an
        event on the system (which event, which field, by whom, on what `basis`). Asked again: 409."""
        return receipt(portfolio.erase_text(data.position, data.basis, data.field, actor=actor))


Slug = Annotated[str, Parameter(pattern=r"^[a-z0-9-]{2,40}$", description="The municipality's slug.")]
After = Annotated[int | None, Parameter(ge=0, le=2**62, description="A log position the checkpoint must cover.")]


async def _path_tenant(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """`/t/SLUG/log/...`: the municipality the path names. A public route opens it; a route that
    needs a token serves only the municipality the token is for (and a 404 for any other)."""
    if connection.scope.get("method") == "OPTIONS":  # which methods the path has: nobody's data
        return
    slug = connection.path_params.get("slug")
    chosen = tenant_of(connection)
    if chosen is not None:
        if chosen.slug != slug:
            raise NotFoundException("no such municipality's log for this token")
        return
    if hub_of(connection) is None or not isinstance(slug, str) or await enter(connection, slug) is None:
        raise NotFoundException("no municipality with that slug here")


class TenantLogController(Controller):
    """The same log, one municipality's, on an installation that serves several (ANSVAR_TENANCY)."""

    path = "/t/{slug:str}/log"
    tags = ["proof"]
    guards = [_path_tenant]

    @get("/checkpoint", operation_id="getTenantLogCheckpoint", media_type=MediaType.TEXT, sync_to_thread=True,
         security=[{}])
    def checkpoint(self, slug: Slug, transparency: TransparencyLog, after: After = None) -> Response[str]:
        """The municipality's latest signed checkpoint, signed with its own key (as /log/checkpoint)."""
        return _checkpoint(transparency, after)

    @get("/key", operation_id="getTenantLogKey", media_type=MediaType.TEXT, sync_to_thread=True, security=[{}])
    def key(self, slug: Slug, transparency: TransparencyLog) -> Response[str]:
        """The key that verifies the municipality's checkpoints, and no other municipality's."""
        return _key(transparency)

    @get("/entries", operation_id="listTenantLogEntries", sync_to_thread=True)
    def entries(
        self, slug: Slug, transparency: TransparencyLog,
        start: Annotated[int, Parameter(ge=0, le=2**62, description="The first leaf index (0: the first event).")] = 0,
        limit: Annotated[int, Parameter(ge=1, le=10_000, description="At most this many entries.")] = 1000,
    ) -> LogEntries:
        """The municipality's log's leaves (as /log/entries)."""
        return _entries(transparency, start, limit)

    @get("/proof/inclusion", operation_id="getTenantInclusionProof")
    async def inclusion(
        self, slug: Slug, transparency: TransparencyLog,
        position: Annotated[int, Parameter(ge=1, le=2**62, description="The event's position in the log.")],
        tree_size: Annotated[int | None, Parameter(ge=1, le=2**62, description="Default: the tree now.")] = None,
    ) -> InclusionProof:
        """An event's inclusion proof in the municipality's log (as /log/proof/inclusion)."""
        return await _inclusion(transparency, position, tree_size)

    @get("/proof/consistency", operation_id="getTenantConsistencyProof", sync_to_thread=True)
    def consistency(
        self, slug: Slug, transparency: TransparencyLog,
        from_: Annotated[int, QueryParameter(name="from", ge=0, le=2**62, description="The older tree size.")],
        to: Annotated[int | None, Parameter(ge=0, le=2**62, description="The newer tree size; default: now.")] = None,
    ) -> ConsistencyProof:
        """A consistency proof between two sizes of the municipality's log (as /log/proof/consistency)."""
        return _consistency(transparency, from_, to)
