"""`?proof=true`: an answer carries the log positions it rests on, each with its inclusion proof,
and the signed checkpoint they verify against (api/log.py serves the same proofs one at a time)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

import anyio
from litestar.params import Parameter

from api import schemas as s
from api.log import NoSigningKey
from api.problems import ServiceUnavailable
from infra.checkpoints import b64
from infra.transparency import DamagedTree, NotSigning, TransparencyLog

WithProof = Annotated[bool, Parameter(description=(
    "Also answer with the log positions the answer rests on, their inclusion proofs and the signed"
    " checkpoint they verify against (503 where the installation has no signing key)."
))]


async def proof_of(transparency: TransparencyLog, positions: Iterable[int | None]) -> s.Proof:
    wanted = [p for p in positions if p]
    try:
        checkpoint, included = await anyio.to_thread.run_sync(transparency.included, wanted)
    except NotSigning as exc:
        raise NoSigningKey(str(exc)) from None
    except DamagedTree as exc:
        raise ServiceUnavailable(str(exc), retry_after=3600) from None
    return s.Proof(checkpoint.note(), checkpoint.size, [
        s.IncludedEvent(i.position, i.leaf_index, b64(i.leaf), [b64(h) for h in i.hashes]) for i in included
    ])
