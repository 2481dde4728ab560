"""The Merkle tree of RFC 9162 (Certificate Transparency v2), section 2.1, over the event log.

Pure: hashes, the tree head, inclusion and consistency proofs and their verification. The tree's
stored nodes are the hashes of its complete, aligned subtrees: node (level L, index i) is the
hash of leaves [i * 2^L, (i + 1) * 2^L). Every hash the RFC's recursions need is such a node or
is made from them, so a proof needs only O(log n) stored nodes (`nodes_for`, then `*_from`).

    leaf hash  = SHA-256(0x00 || leaf)
    node hash  = SHA-256(0x01 || left || right)
    empty tree = SHA-256()
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

Node = tuple[int, int]  # (level, index)
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


# Where each hash comes from ----------------------------------------------------------------------

def _pieces(start: int, end: int) -> list[Node]:
    """The stored nodes whose hashes make MTH(D[start:end]), for the ranges the RFC's recursions ask
    for (start aligned to the largest power of two not above end - start)."""
    size = end - start
    if size & (size - 1) == 0:
        level = size.bit_length() - 1
        return [(level, start >> level)]
    k = _split(size)
    return _pieces(start, start + k) + _pieces(start + k, end)


def _range_hash(start: int, end: int, nodes: Mapping[Node, bytes]) -> bytes:
    size = end - start
    if size & (size - 1) == 0:
        level = size.bit_length() - 1
        return nodes[(level, start >> level)]
    k = _split(size)
    return node_hash(_range_hash(start, start + k, nodes), _range_hash(start + k, end, nodes))


def _path_ranges(m: int, start: int, end: int) -> list[tuple[int, int]]:
    """PATH(m, D[start:end]) (RFC 9162 2.1.3.1) as the ranges whose hashes it lists, in order: the
    RFC's recursion unrolled (from the root down, then reversed: its innermost range comes first)."""
    ranges = []
    while end - start > 1:
        k = 1 << ((end - start - 1).bit_length() - 1)  # _split, inline: ~20 a proof, 200,000 proofs a pack
        if m < k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            m, start = m - k, start + k
    ranges.reverse()
    return ranges


def _subproof_ranges(m: int, start: int, end: int, whole: bool) -> list[tuple[int, int]]:
    """SUBPROOF(m, D[start:end], b) (RFC 9162 2.1.4.1) as ranges."""
    n = end - start
    if m == n:
        return [] if whole else [(start, end)]
    k = _split(n)
    if m <= k:
        return [*_subproof_ranges(m, start, start + k, whole), (start + k, end)]
    return [*_subproof_ranges(m - k, start + k, end, False), (start, start + k)]


def root_nodes(size: int) -> list[Node]:
    return _pieces(0, size) if size else []


def inclusion_nodes(index: int, size: int, memo: dict | None = None) -> list[Node]:
    """The stored nodes index's inclusion proof in a tree of size needs. `memo`, shared by the calls
    for many indexes against one size, keeps the pieces of the ranges that are not whole subtrees
    (they lie on the tree's right edge, the same few for every index)."""
    nodes: list[Node] = []
    for start, end in _path_ranges(index, 0, size):
        width = end - start
        if width & (width - 1) == 0:
            level = width.bit_length() - 1
            nodes.append((level, start >> level))
        elif memo is None:
            nodes += _pieces(start, end)
        else:
            found = memo.get((start, end))
            if found is None:
                found = memo[(start, end)] = _pieces(start, end)
            nodes += found
    return nodes


def consistency_nodes(old: int, new: int) -> list[Node]:
    if old == 0 or old == new:
        return []
    return [n for start, end in _subproof_ranges(old, 0, new, True) for n in _pieces(start, end)]


def root_from(size: int, nodes: Mapping[Node, bytes]) -> bytes:
    return _range_hash(0, size, nodes) if size else EMPTY_ROOT


def inclusion_from(index: int, size: int, nodes: Mapping[Node, bytes], memo: dict | None = None) -> list[bytes]:
    """index's inclusion proof from the stored nodes; `memo` as in inclusion_nodes (here the hashes
    of the right edge's ranges, hashed once for all the indexes instead of once each)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    proof = []
    for start, end in _path_ranges(index, 0, size):
        width = end - start
        if width & (width - 1) == 0:
            level = width.bit_length() - 1
            proof.append(nodes[(level, start >> level)])
        elif memo is None:
            proof.append(_range_hash(start, end, nodes))
        else:
            found = memo.get((start, end))
            if found is None:
                found = memo[(start, end)] = _range_hash(start, end, nodes)
            proof.append(found)
    return proof


def consistency_from(old: int, new: int, nodes: Mapping[Node, bytes]) -> list[bytes]:
    if not 0 <= old <= new:
        raise ValueError(f"no consistency proof from size {old} to size {new}")
    if old == 0 or old == new:
        return []
    return [_range_hash(start, end, nodes) for start, end in _subproof_ranges(old, 0, new, True)]


# Building: leaves in, nodes out ---------------------------------------------------------------------

def frontier(size: int) -> list[Node]:
    """The roots of the complete subtrees a tree of `size` leaves ends with: all an append needs."""
    found, cursor = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            found.append((level, cursor >> level))
            cursor += 1 << level
    return found


def append(size: int, leaf_hashes: Iterable[bytes], known: Mapping[Node, bytes]) -> dict[Node, bytes]:
    """The nodes that appending these leaf hashes to a tree of `size` leaves creates; `known`
    holds at least `frontier(size)`."""
    nodes = dict(known)
    created: dict[Node, bytes] = {}
    for h in leaf_hashes:
        level, index = 0, size
        created[(0, index)] = nodes[(0, index)] = h
        while index & 1:
            parent = node_hash(nodes[(level, index - 1)], nodes[(level, index)])
            level, index = level + 1, index >> 1
            created[(level, index)] = nodes[(level, index)] = parent
        size += 1
    return created


def completed_between(start: int, end: int) -> list[tuple[int, int, int]]:
    """The interior nodes that leaves [start, end) complete (the ones whose last leaf is among
    them), as (level, first index, last index), one range per level."""
    found = []
    level = 1
    while (end >> level) > 0:
        first, last = ((start + (1 << level)) >> level) - 1, (end >> level) - 1
        if first <= last:
            found.append((level, first, last))
        level += 1
    return found


class RightEdge:
    """A tree grown one leaf hash at a time that keeps only its right edge: the hashes of
    `frontier(size)`, highest first. What reading a whole log needs (`ansvar verify`), without
    a dictionary of nodes per leaf."""

    def __init__(self) -> None:
        self.size = 0
        self.hashes: list[bytes] = []

    def add(self, leaf_hash_: bytes) -> list[bytes]:
        """Add a leaf; the hashes of the nodes it completes, from level 1 up: the node at level L
        is (L, old size >> L)."""
        h, n = leaf_hash_, self.size
        made = []
        while n & 1:  # each trailing one bit of the size is a complete subtree the new one joins
            h = node_hash(self.hashes.pop(), h)
            made.append(h)
            n >>= 1
        self.hashes.append(h)
        self.size += 1
        return made

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        h = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            h = node_hash(left, h)
        return h


def tree(leaf_hashes: Sequence[bytes]) -> dict[Node, bytes]:
    """Every node of a tree built from scratch."""
    return append(0, leaf_hashes, {})


# Verifying (RFC 9162 2.1.3.2 and 2.1.4.2) ------------------------------------------------------------

def verify_inclusion(index: int, size: int, leaf_hash_: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf_hash_
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    if old > new:
        return False
    if old == new:
        return not proof and old_root == new_root
    if old == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:  # a power of two: the old root is the first hash of the path
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


