"""How commands load aggregates: the library's repository with its aggregate cache, always
fast-forwarded, handing each command a copy of its own.

A command replayed the Person and the System it touches from their events (~30 for a system),
a quarter of its time. With the cache, a command reads only the events stored since the cached
version (usually none: one indexed query), so it is exactly as fresh as a replay, also when
another process wrote meanwhile; and a save still fails on the store's (aggregate, version) key
when it lost a race, so a cached aggregate can never cause a lost update (Commands._retrying runs
the command again on the fast-forwarded state, or gives 409).

Differences from the library's `Repository.get` (eventsourcing 9.5.6), each for a reason:
- fast-forward is not optional (without it a cache is stale the moment a second process
  writes), and the copy is taken under the same per-aggregate lock as the fast-forward, so a
  command never copies an aggregate another thread is fast-forwarding;
- the copy shares what cannot change (ids, dates, texts, frozen dataclasses such as a system's
  facts) instead of the library's `deepcopy`, which took ~2 ms for a system of 30 facts (more
  than replaying it); anything else is deep-copied;
- events are applied without the library's per-event `isinstance` check against a runtime
  Protocol, which was half of a replay's CPU;
- a fast-forward that fails drops the aggregate from the cache (it may be half-applied).

The cache holds no erasable text: the aggregates keep ids, dates and codes, never the texts of
domain/erasable.py, so erasing a text from a stored event leaves nothing behind in any cache.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository

_ATOMIC: frozenset[type] = frozenset({str, int, float, bool, type(None), bytes, UUID, date, datetime, time,
                                     timedelta, Decimal})


_FROZEN: dict[type, tuple[str, ...]] = {}  # a frozen dataclass's fields (empty: not one)


def project(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's `project_aggregate` without its per-event runtime-Protocol assertion."""
    for e in events:
        aggregate = e.mutate(aggregate)
    return aggregate


def fork(value: Any) -> Any:
    """A copy of `value` that shares every part that cannot change (the same object when nothing
    in it can); as `copy.deepcopy` for anything it does not know."""
    kind = type(value)
    if kind in _ATOMIC:
        return value
    if kind is list:
        return [fork(v) for v in value]
    if kind is dict:
        return {fork(k): fork(v) for k, v in value.items()}
    if kind is set:
        return {fork(v) for v in value}
    if kind is tuple or kind is frozenset:
        parts = [fork(v) for v in value]
        return value if all(a is b for a, b in zip(parts, value)) else kind(parts)
    names = _FROZEN.get(kind)
    if names is None:
        params = getattr(kind, "__dataclass_params__", None)
        names = _FROZEN[kind] = tuple(f.name for f in dataclasses.fields(kind)) if params and params.frozen else ()
    if names:
        for name in names:
            part = getattr(value, name)
            if type(part) not in _ATOMIC and fork(part) is not part:
                return copy.deepcopy(value)
        return value
    return copy.deepcopy(value)


def fork_aggregate(aggregate: Any) -> Any:
    if not hasattr(aggregate, "__dict__") or getattr(type(aggregate), "__slots__", None):
        return copy.deepcopy(aggregate)
    twin = object.__new__(type(aggregate))
    twin.__dict__.update({k: fork(v) for k, v in aggregate.__dict__.items()})
    return twin


class CachingRepository(Repository):  # type: ignore[type-arg]
    def get(self, aggregate_id: Any, *, version: int | None = None, projector_func: Any = project,
            fastforward_skipping: bool = False, deepcopy_from_cache: bool = True) -> Any:
        if self.cache is None or version is not None:
            return self._reconstruct_aggregate(aggregate_id, version, projector_func)
        lock = self._use_fastforward_lock(aggregate_id)
        try:
            with lock:
                try:
                    cached = self.cache.get(aggregate_id)
                except KeyError:
                    cached = self._reconstruct_aggregate(aggregate_id, None, projector_func)
                    self.cache.put(aggregate_id, cached)
                else:
                    try:
                        cached = projector_func(cached, self.event_store.get(originator_id=aggregate_id,
                                                                             gt=cached.version))
                    except BaseException:
                        with contextlib.suppress(KeyError):
                            self.cache.get(aggregate_id, evict=True)
                        raise
                    if cached is None:  # cannot be: an aggregate's events are never deleted
                        raise AggregateNotFoundError(aggregate_id)
                return fork_aggregate(cached)
        finally:
            self._disuse_fastforward_lock(aggregate_id)
