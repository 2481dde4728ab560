"""When two names or e-mail addresses are one identity: the comparison key.

"Active Directory", "Асtive Directory" (a Cyrillic А and с) and "Active\u200bDirectory" (a zero-width
space) look alike on every page, so the register must hold them to be one system, and
"Bo@Kommune.dk" and "bo@kommune.dk" one person. The key is, in order: Unicode NFKC (compatibility
forms: full-width letters, ligatures, no-break spaces), without format characters (category Cf:
zero-width spaces and joiners, direction marks, soft hyphens), case-folded, mapped to the
confusables' prototypes (Unicode's UTS #39 skeleton), case-folded again, without white space (a
zero-width space between two words shows as no space, or as one: either way the words are the
same). A key is for comparing only, never shown: it mixes scripts.

The skeleton needs Unicode's confusables data, which lives outside the domain
(infra/confusables.py); it is handed in. Without it (`no_confusables`) the key still folds case,
compatibility forms and format characters.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import TypeVar

Skeleton = Callable[[str], str]
T = TypeVar("T")


def no_confusables(text: str) -> str:
    return text


def identity_key(text: str, skeleton: Skeleton = no_confusables) -> str:
    """The key two names (or e-mail addresses) are compared by: equal keys, one identity."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    text = skeleton(text.casefold()).casefold()
    return "".join(text.split())


def look_alike(name: str, others: Iterable[tuple[T, str]], skeleton: Skeleton = no_confusables) -> tuple[T, str] | None:
    """The first of `others` (id, name) whose name is one identity with `name`, if any."""
    key = identity_key(name, skeleton)
    return next(((i, other) for i, other in others if other and identity_key(other, skeleton) == key), None)
