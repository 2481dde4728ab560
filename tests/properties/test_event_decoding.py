"""The projections' own event decoding (projections/event_decoding.py) gives what the library's
mapper gives: for every domain event class, events with any values their fields allow, encoded by
the application's mapper, decode to the same class with the same attributes; and a stored form
of an older class version is upcast the same way (or refused the same way)."""

from __future__ import annotations

import dataclasses
import importlib
import json
import pkgutil
import typing
from datetime import timedelta, timezone
from uuid import UUID

from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

import domain
from domain.clock import ManualClock
from domain.portfolio import Portfolio
from projections.event_decoding import EventDecoder
from tests.story import TEST_TODAY


def _event_classes() -> list[type]:
    from eventsourcing.domain import DomainEvent
    from eventsourcing.utils import resolve_topic

    for module in pkgutil.iter_modules(domain.__path__):
        importlib.import_module(f"domain.{module.name}")
    found, todo = {}, [DomainEvent]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("domain.") and "TOPIC" in sub.__dict__:
                found[sub.TOPIC] = sub
    # The aggregates' subclasses copy their event classes: the class a topic stands for is the one it resolves to.
    return [resolve_topic(topic) for topic in sorted(found)]


EVENTS = _event_classes()
APP = Portfolio(clock=ManualClock.on(TEST_TODAY))

texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
moments = st.datetimes(timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=1)), timezone(timedelta(hours=-3))]))
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), texts, st.uuids(), st.dates(), moments)
json_like = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
                         max_leaves=8)
dicts = st.dictionaries(texts, json_like, max_size=4)
BY_TYPE: dict[typing.Any, st.SearchStrategy] = {
    bool: st.booleans(), int: st.integers(), str: texts, UUID: st.uuids(), dict: dicts, list: st.lists(json_like, max_size=3),
}


def _strategy(hint: typing.Any) -> st.SearchStrategy:
    if hint in BY_TYPE:
        return BY_TYPE[hint]
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is list:
        return st.lists(_strategy(args[0]), max_size=3)
    if origin is dict:
        return dicts
    if args:  # a union: X | None
        return st.one_of(*(_strategy(a) for a in args))
    if hint is type(None):
        return st.none()
    name = getattr(hint, "__name__", "")
    return {"date": st.dates(), "datetime": moments}.get(name, json_like)


def _event(cls: type) -> st.SearchStrategy:
    hints = typing.get_type_hints(cls)
    fields = {f.name: _strategy(hints.get(f.name, typing.Any)) for f in dataclasses.fields(cls) if f.init}
    fields.update(originator_id=st.uuids(), originator_version=st.integers(1, 10**6), timestamp=moments)
    if "originator_topic" in fields:
        fields["originator_topic"] = texts
    return st.builds(cls, **fields)


events = st.sampled_from(EVENTS).flatmap(_event)


def _outcome(decode: typing.Callable, stored: typing.Any) -> tuple:
    try:
        event = decode(stored)
    except Exception as exc:
        return ("refused", type(exc).__name__)
    return (type(event), event.__dict__)


@hsettings(max_examples=600, deadline=None)
@given(event=events, older=st.booleans())
def test_any_event_decodes_as_the_mapper_decodes_it(event, older):
    stored = APP.mapper.to_stored_event(event)
    if older and getattr(type(event), "class_version", 1) > 1:  # as an older version stored it: upcast
        state = json.loads(stored.state)
        state.pop("class_version", None)
        stored = dataclasses.replace(stored, state=json.dumps(state).encode())
    assert _outcome(EventDecoder(APP.mapper), stored) == _outcome(APP.mapper.to_domain_event, stored)


def test_the_fast_path_is_the_one_taken():
    assert EventDecoder(APP.mapper).fast, "a JSON mapper without cipher or compression is decoded by msgspec"
