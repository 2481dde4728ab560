"""When an e-mail address and a name are one person, and how a search folds Danish text.

Danes write their letters in e-mail addresses and search boxes as the keyboard or the system
allows: æ as ae, ø as oe or o, å as aa or a, é as e. `henrik.soerensen@kommune.dk` and "Henrik
Sørensen" are one person when nothing else fits: the address's local part is the name spelt so
(words apart by dots, underscores or hyphens; a hyphenated name's parts joined or apart; middle
names written out, as an initial, or left out; first and last name always there), and the address
is in the municipality's own domain. `candidates` gives every person that fits; only one fitting
person is a match; several are possible duplicates, for a person to judge.

`fold` is what searches compare: both the stored text and the query are folded the same way, so
"soeren", "soren" and "Søren" are one word, "Aarhus" and "Århus" too, whatever the case or accents.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Protocol, TypeVar

T = TypeVar("T")

#: Danish letters and the ways they are written without them (the first is the usual one).
_DANISH = {"æ": ("ae",), "ø": ("oe", "o"), "å": ("aa", "a"), "ß": ("ss",)}
_LOCAL_SEPARATORS = re.compile(r"[._-]+")


def _plain(text: str) -> str:
    """Case-folded, compatibility forms undone, accents (é, ü, ñ) dropped; æ, ø, å kept."""
    text = unicodedata.normalize("NFKC", text).casefold()
    out = []
    for c in text:
        if c in _DANISH or unicodedata.category(c) == "Cf":
            out.append("" if unicodedata.category(c) == "Cf" else c)
            continue
        base = "".join(d for d in unicodedata.normalize("NFD", c) if not unicodedata.combining(d))
        out.append(base)
    return "".join(out)


@lru_cache(maxsize=4096)
def spellings(word: str) -> frozenset[str]:
    """Every way a name's word (no spaces) may be written in an e-mail address: ø as oe or o, and so on."""
    forms = [""]
    for c in _plain(word):
        forms = [f + r for f in forms for r in _DANISH.get(c, (c,))]
        if len(forms) > 256:  # a word of many Danish letters: the usual spelling and the plainest
            forms = forms[:1] + forms[-1:]
    return frozenset(forms)


def _words(name: str) -> list[list[str]]:
    """A name's words, each as its hyphenated parts: "Anne-Marie Sørensen" -> [[anne, marie], [sørensen]]."""
    return [[p for p in w.split("-") if p] for w in _plain(name).replace(".", " ").split()]


def local_part_is_name(local: str, name: str) -> bool:
    """Whether an e-mail address's local part (before the @) spells the name, as the module says."""
    tokens = [t for t in _LOCAL_SEPARATORS.split(_plain(local)) if t]
    words = [w for w in _words(name) if w]
    if not tokens or len(words) < 2:
        return False

    def word_forms(word: list[str]) -> list[list[frozenset[str]]]:
        apart = [spellings(p) for p in word]
        joined = [frozenset("".join(combo) for combo in _product([spellings(p) for p in word]))]
        return [apart, joined] if len(word) > 1 else [apart]

    def fits(i: int, w: int) -> bool:  # tokens[i:] spell words[w:]
        if w == len(words):
            return i == len(tokens)
        middle = 0 < w < len(words) - 1
        if middle and fits(i, w + 1):  # a middle name left out
            return True
        if middle and i < len(tokens) and tokens[i] in {s[0] for p in words[w][:1] for s in spellings(p)} \
                and len(tokens[i]) == 1 and fits(i + 1, w + 1):  # a middle name's initial
            return True
        for form in word_forms(words[w]):
            end = i + len(form)
            if end <= len(tokens) and all(t in s for t, s in zip(tokens[i:end], form)) and fits(end, w + 1):
                return True
        return False

    return fits(0, 0)


def _product(sets: list[frozenset[str]]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = [()]
    for s in sets:
        out = [o + (x,) for o in out for x in sorted(s)][:1024]
    return out


def name_keys(name: str) -> frozenset[str]:
    """Where to look a name up in an index of `address_key`s: its first word, or the first word's first part."""
    words = _words(name)
    if not words or not words[0]:
        return frozenset()
    return frozenset({fold(words[0][0]), fold("".join(words[0]))})


class Known(Protocol):
    name: str | None
    email: str | None


K = TypeVar("K", bound=Known)


def spelling_index(people: Iterable[K]) -> tuple[dict[str, list[K]], dict[str, list[K]]]:
    """The spelling rule's index of known people: by each key of their name (`name_keys`; a name that
    is an address names no one) and by their address's `address_key`. An address is held only
    against the people under its key, so a directory of thousands is not compared name by name."""
    named: dict[str, list[K]] = {}
    addressed: dict[str, list[K]] = {}
    for p in people:
        if p.name and "@" not in p.name:
            for k in name_keys(p.name):
                named.setdefault(k, []).append(p)
        if p.email:
            addressed.setdefault(address_key(p.email), []).append(p)
    return named, addressed


def likely_duplicates(people: Sequence[K], domains: frozenset[str]) -> list[tuple[K, K, int]]:
    """Pairs of records that look like one person: (the record given by an e-mail address, the
    record whose name that address spells, how many records the address spells). A record by name
    with an address of its own is someone else (addresses are one person's each). With one fitting
    record, `candidates` would match them beyond doubt; with more, a person judges."""
    named, _ = spelling_index(people)
    pairs = []
    for p in people:
        if not p.email:
            continue
        near = {id(q): q for q in named.get(address_key(p.email), []) if q is not p and not q.email}
        fits = candidates(p.email, [(q, q.name) for q in near.values()], domains)
        pairs += [(p, q, len(fits)) for q in fits]
    return pairs


def address_key(email: str) -> str:
    """An address's first word, folded: the person it spells has this among their `name_keys`."""
    tokens = [t for t in _LOCAL_SEPARATORS.split(_plain(email.rpartition("@")[0])) if t]
    return fold(tokens[0]) if tokens else ""


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].strip().casefold()


def home_domains(directory_emails: Iterable[str], other_emails: Iterable[str] = ()) -> frozenset[str]:
    """The municipality's own e-mail domains: every domain a registered person's address has, and
    the domain most addresses (registered and `other_emails`, e.g. an import's) have."""
    registered = [domain_of(e) for e in directory_emails if e and "@" in e]
    counts = Counter(registered + [domain_of(e) for e in other_emails if e and "@" in e])
    most = [d for d, n in counts.items() if n == max(counts.values())] if counts else []
    return frozenset(registered) | (frozenset(most) if len(most) == 1 else frozenset())


def candidates(email: str, people: Iterable[tuple[T, str | None]], domains: frozenset[str]) -> list[T]:
    """The people (id, name) whose name the address spells, if it is in one of the municipality's
    `domains`: exactly one is the same person; more are possible duplicates; none, someone else."""
    local, at, domain = email.strip().rpartition("@")
    if not at or domain.casefold() not in domains:
        return []
    first = _initial(local)
    return [who for who, name in people if name and _initial(name) == first and local_part_is_name(local, name)]


def _initial(text: str) -> str:
    """The first letter as an address writes it (Æ, Å: a; Ø: o): a quick way to rule most people out."""
    letter = _plain(text.lstrip()[:1])
    return {"æ": "a", "å": "a", "ø": "o"}.get(letter, letter)


_NOT_WORD = re.compile(r"[^\w@]+")
_AA, _OE = re.compile("a{2,}"), re.compile("oe+")


def fold(*texts: str | None) -> str:
    """What a search compares: case, accents and Danish letters folded (æ -> ae; ø, oe -> o;
    å, aa -> a), punctuation as space. Apply it to the stored text and to the query alike."""
    out = []
    for text in texts:
        if not text:
            continue
        plain = _plain(text).replace("æ", "ae").replace("ø", "oe").replace("å", "aa").replace("ß", "ss")
        plain = _OE.sub("o", _AA.sub("a", plain))
        out.append(" ".join(_NOT_WORD.sub(" ", plain.replace("_", " ")).split()))
    return " ".join(t for t in out if t)
