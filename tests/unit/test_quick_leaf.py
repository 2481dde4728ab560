"""A rebuild and `ansvar verify` recompute every leaf with a faster JSON codec (tlog.quick_leaf) and
ask the rule (tlog.leaf) only when that leaf is not the stored one. Whatever the state holds, the
verdict must be the rule's: a stored event that matches its leaf is never called altered, and one
that does not match is always named."""

from __future__ import annotations

from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from infra import tlog
from infra.log_proofs import Event
from infra.log_verify import _leaf, _row, leaf_finding, settled

AGGREGATE = UUID("6f1c2a44-0000-4000-8000-000000000001")
TOPIC = "domain.systems:System.Registered"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=8,
)
states = st.dictionaries(st.text(max_size=8), json_values, max_size=6)


def encoded(state: dict, style: int) -> bytes:
    """The same JSON value as a writer might have stored it: compact, spaced, or key order reversed."""
    import json

    if style == 1:
        return json.dumps(state, ensure_ascii=True).encode()
    if style == 2:
        return json.dumps(dict(reversed(list(state.items()))), separators=(",", ":"), ensure_ascii=False).encode()
    return json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")


def event(state: bytes, position: int = 7) -> Event:
    return Event(position, AGGREGATE, 3, TOPIC, state, {}, {})


@given(states, st.integers(0, 2))
def test_an_event_that_matches_its_leaf_is_never_called_altered(state: dict, style: int) -> None:
    stored = event(encoded(state, style))
    try:
        reference = tlog.leaf(*_row(stored))
    except (tlog.LeafMismatch, ValueError):
        return  # the rule itself makes no leaf of it (a lone surrogate): nothing to match
    judged = settled(stored, _leaf(_row(stored)), reference)
    assert judged == reference
    assert leaf_finding(stored, judged, reference) is None


@given(states, states)
def test_an_event_changed_after_its_leaf_was_made_is_named(original: dict, changed: dict) -> None:
    try:
        committed = tlog.leaf(*_row(event(encoded(original, 0))))
        now = tlog.leaf(*_row(event(encoded(changed, 0))))
    except (tlog.LeafMismatch, ValueError):
        return
    tampered = event(encoded(changed, 0))
    finding = leaf_finding(tampered, settled(tampered, _leaf(_row(tampered)), committed), committed)
    assert (finding is None) == (now == committed)


def test_the_quick_codec_writes_the_canonical_form_of_what_events_hold() -> None:
    # Texts (Danish, control characters, non-BMP), whole numbers, nesting: byte for byte the rule's.
    state = {"name": "Økonomisystem \u2028 \x01 \U0001f600", "n": 2**70, "list": [True, None, {"b": 1, "a": -0.0}],
             "é": "x", "z": 1.5}
    row = _row(event(encoded(state, 1)))
    assert tlog.quick_leaf(*row) == tlog.leaf(*row)


def test_where_the_quick_codec_writes_otherwise_the_rule_decides() -> None:
    # msgspec writes 1e16 where Python's json writes 1e+16: the quick leaf differs, the verdict does not.
    stored = event(b'{"at":1e16}')
    reference = tlog.leaf(*_row(stored))
    assert tlog.quick_leaf(*_row(stored)) != reference
    assert settled(stored, _leaf(_row(stored)), reference) == reference
    assert leaf_finding(stored, settled(stored, _leaf(_row(stored)), reference), reference) is None


@given(st.text(), st.binary(min_size=16, max_size=16), st.booleans())
def test_erasable_texts_are_committed_as_the_rule_commits_them(basis: str, salt: bytes, erased: bool) -> None:
    from domain.erasable import ERASED
    from domain.systems import System

    topic = System.AssignmentRecorded.TOPIC
    if erased:
        stored = Event(9, AGGREGATE, 2, topic, encoded({"basis": ERASED, "role": "systemejer"}, 0), {},
                       {"basis": tlog.text_digest(salt, basis)})
    else:
        stored = Event(9, AGGREGATE, 2, topic, encoded({"basis": basis, "role": "systemejer"}, 0), {"basis": salt}, {})
    try:
        reference = tlog.leaf(*_row(stored))
    except (tlog.LeafMismatch, ValueError):
        return
    assert tlog.quick_leaf(*_row(stored)) in (reference, None)
    assert settled(stored, _leaf(_row(stored)), reference) == reference
