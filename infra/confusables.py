"""Unicode's confusables (UTS #39, confusables.txt) as a skeleton function for domain/identity.py.

The data comes from `confusable-homoglyphs`, which ships confusables.txt as JSON and is kept up to
date with Unicode's releases. It stores each line both ways (the look-alike lists its prototype, the
prototype every look-alike), so the prototype of a group is the one that lists the most (every line
maps a single character to its prototype, which may be a sequence such as "rn" for "m"). The
skeleton is UTS #39's: NFD, each character to its prototype, NFD again.
"""

from __future__ import annotations

import functools
import unicodedata

from confusable_homoglyphs.confusables import confusables_data

_DIRECTION_MARK = "\u200e"  # the data wraps right-to-left characters in it for display


@functools.cache
def prototypes() -> dict[str, str]:
    """Each confusable character -> the prototype of its group."""
    neighbours: dict[str, set[str]] = {}
    for char, homoglyphs in confusables_data.items():
        char = char.replace(_DIRECTION_MARK, "")
        for h in homoglyphs:
            other = h["c"].replace(_DIRECTION_MARK, "")
            if char and other and other != char:
                neighbours.setdefault(char, set()).add(other)
                neighbours.setdefault(other, set()).add(char)
    mapping: dict[str, str] = {}
    for char, linked in neighbours.items():
        if len(char) != 1:
            continue
        group = {char, *linked}
        prototype = max(group, key=lambda m: (len(neighbours.get(m, ())), len(m), m))
        if prototype != char:
            mapping[char] = prototype
    return mapping


def skeleton(text: str) -> str:
    """UTS #39's skeleton of `text`: equal skeletons look alike."""
    table = prototypes()
    mapped = "".join(table.get(c, c) for c in unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFD", mapped)
