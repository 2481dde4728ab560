"""The pack's verifier reads evidence.json a value at a time (infra/pack_verify.py JsonStream):
whatever the chunk it reads in, it gives what json.loads gives, member by member and item by item."""

from __future__ import annotations

import io
import json

import pytest

from infra.pack_verify import JsonStream, Unreadable

DOC = {"format": "x", "question": {"from": "2025-01-01", "at": "2025-12-31"}, "n": 12345, "f": 1.5e3, "t": True,
       "z": None, "proofs": {"7": {"leaf": "AAE=", "hashes": ["a", "b"]}, "12": {"leaf": "", "hashes": []}},
       "rows": [{"cells": ["Lønsystem", 123456789, None, "»\\\"«"]}, [], {}, 0, "x" * 50], "empty": {}, "last": 987654}


def read(text: str, chunk: int) -> dict:
    stream = JsonStream(io.StringIO(text))
    stream.CHUNK = chunk
    out: dict = {}
    for key in stream.members():
        if key == "rows":
            out[key] = list(stream.items())
        elif key == "proofs":
            out[key] = dict(stream.pairs())
        else:
            out[key] = stream.value()
    return out


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1 << 20])
@pytest.mark.parametrize("indent", [None, 1])
def test_any_chunk_gives_what_json_loads_gives(chunk, indent):
    text = json.dumps(DOC, ensure_ascii=False, indent=indent)
    assert read(text, chunk) == json.loads(text)


@pytest.mark.parametrize("chunk", [1, 5, 1 << 20])
def test_skipping_a_member_leaves_the_next_one_whole(chunk):
    stream = JsonStream(io.StringIO(json.dumps(DOC)))
    stream.CHUNK = chunk
    seen = {}
    for key in stream.members():
        if key in ("rows", "proofs", "question"):
            stream.skip()
        else:
            seen[key] = stream.value()
    assert seen == {k: v for k, v in DOC.items() if k not in ("rows", "proofs", "question")}


@pytest.mark.parametrize("text", ['{"rows": [1, 2', '{"rows" 1}', '{"a": 1 "b": 2}', '[1]', '{"a": tru}'])
def test_a_broken_file_is_unreadable_not_a_crash(text):
    with pytest.raises(Unreadable):
        read(text, 3)
