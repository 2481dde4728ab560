"""Stored events decoded once, straight from their rows, for the projections.

The library's mapper parses each event's JSON with the standard library and an object hook
called for every object (10% of a rebuild). This decodes the same bytes with msgspec and then
turns the transcoded values ({"_type_": name, "_data_": ...}: UUIDs, dates, datetimes) into
objects by the application's own transcodings, inner objects first as the hook does, then
upcasts and builds the event as the mapper does. It is held equal to the mapper's decoding by
tests/properties/test_event_decoding.py; a mapper that ciphers or compresses, or a state
msgspec will not read (a NaN), is left to the mapper itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from eventsourcing.persistence import JSONTranscoder, find_id_convertor
from eventsourcing.utils import resolve_topic

class EventDecoder:
    """`decoder(notification)` is `mapper.to_domain_event(notification)`, faster."""

    def __init__(self, mapper: Any) -> None:
        self._mapper = mapper
        transcoder = getattr(mapper, "transcoder", None)
        self.fast = isinstance(transcoder, JSONTranscoder) and not mapper.cipher and not mapper.compressor
        self._names = {name: t.decode for name, t in transcoder.names.items()} if self.fast else {}
        self._classes: dict[str, tuple[type, int]] = {}
        self._decode_json = msgspec.json.Decoder().decode

    def __call__(self, stored: Any) -> Any:
        if not self.fast:
            return self._mapper.to_domain_event(stored)
        topic = stored.topic
        known = self._classes.get(topic)
        if known is None:
            cls = resolve_topic(topic)
            known = self._classes[topic] = (cls, getattr(cls, "class_version", 1))
        cls, class_version = known
        try:
            state = self._object(self._decode_json(stored.state))
        except Exception:  # what msgspec refuses the mapper may read (NaN), or fail on in its own words
            return self._mapper.to_domain_event(stored)
        if type(state) is not dict:
            return self._mapper.to_domain_event(stored)
        state["originator_id"] = _id_convertor(cls, stored.originator_id)
        state["originator_version"] = stored.originator_version
        from_version = state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event

    def _object(self, d: dict[str, Any]) -> Any:
        for key, value in d.items():
            kind = type(value)
            if kind is dict:
                d[key] = self._object(value)
            elif kind is list:
                d[key] = self._list(value)
        if len(d) == 2 and "_type_" in d and "_data_" in d:
            return self._names[d["_type_"]](d["_data_"])
        return d

    def _list(self, items: list[Any]) -> list[Any]:
        for i, value in enumerate(items):
            kind = type(value)
            if kind is dict:
                items[i] = self._object(value)
            elif kind is list:
                items[i] = self._list(value)
        return items


def _id_convertor(cls: type, originator_id: Any) -> Any:
    convert: Callable[[Any], Any] = find_id_convertor(cls, type(originator_id))
    return convert(originator_id)
