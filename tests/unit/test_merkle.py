"""The log's Merkle tree is RFC 9162's: the published tree heads, and proofs that a reference
written here from the RFC's own recursive definitions (not the project's code) agrees with."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from infra import merkle as M

# The Certificate Transparency reference leaves and tree heads for sizes 0..8 (RFC 6962 test data).
LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                     "606162636465666768696a6b6c6d6e6f")]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


# The RFC's definitions, literally (section 2.1.1, 2.1.3.1, 2.1.4.1) ------------------------------

def sha(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def k_of(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: list[bytes]) -> bytes:
    if not d:
        return sha(b"")
    if len(d) == 1:
        return sha(b"\x00" + d[0])
    k = k_of(len(d))
    return sha(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = k_of(len(d))
    return path(m, d[:k]) + [mth(d[k:])] if m < k else path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [mth(d)]
    k = k_of(len(d))
    return subproof(m, d[:k], b) + [mth(d[k:])] if m <= k else subproof(m - k, d[k:], False) + [mth(d[:k])]


def built(leaves: list[bytes]) -> dict:
    return M.tree([M.leaf_hash(x) for x in leaves])


# ----------------------------------------------------------------------------------------------------

def test_the_tree_heads_are_the_published_ones_for_every_size():
    nodes = built(LEAVES)
    assert [M.root_from(n, nodes).hex() for n in range(9)] == ROOTS


def test_the_published_inclusion_proof_of_the_first_leaf():
    proof = M.inclusion_from(0, 8, built(LEAVES))
    assert [p.hex() for p in proof] == [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]


leaves = st.lists(st.binary(max_size=8), min_size=1, max_size=140)


@given(leaves, st.data())
def test_proofs_are_the_rfcs_and_verify(d, data):
    n = len(d)
    nodes = built(d)
    m = data.draw(st.integers(0, n - 1))
    assert M.root_from(n, nodes) == mth(d)
    proof = M.inclusion_from(m, n, nodes)
    assert proof == path(m, d)
    assert M.verify_inclusion(m, n, M.leaf_hash(d[m]), proof, mth(d))
    old = data.draw(st.integers(1, n))
    consistency = M.consistency_from(old, n, nodes)
    assert consistency == (subproof(old, d, True) if old < n else [])
    assert M.verify_consistency(old, n, mth(d[:old]), mth(d), consistency)


@given(leaves, st.data())
def test_a_proof_with_any_hash_changed_does_not_verify(d, data):
    n = len(d)
    nodes = built(d)
    m = data.draw(st.integers(0, n - 1))
    proof = M.inclusion_from(m, n, nodes)
    assert not M.verify_inclusion(m, n, M.leaf_hash(d[m] + b"x"), proof, mth(d))
    if proof:
        i = data.draw(st.integers(0, len(proof) - 1))
        bad = [*proof[:i], sha(proof[i]), *proof[i + 1:]]
        assert not M.verify_inclusion(m, n, M.leaf_hash(d[m]), bad, mth(d))
    old = data.draw(st.integers(1, n))
    if old < n:
        consistency = M.consistency_from(old, n, nodes)
        i = data.draw(st.integers(0, len(consistency) - 1))
        bad = [*consistency[:i], sha(consistency[i]), *consistency[i + 1:]]
        assert not M.verify_consistency(old, n, mth(d[:old]), mth(d), bad)
        assert not M.verify_consistency(old, n, mth(d[:old] + [b"other"])[:32], mth(d), consistency)


@given(leaves, st.integers(0, 140))
def test_appending_in_batches_makes_the_same_nodes_as_building_at_once(d, cut):
    hashes = [M.leaf_hash(x) for x in d]
    cut = min(cut, len(d))
    first = M.tree(hashes[:cut])
    known = {n: first[n] for n in M.frontier(cut)}
    assert {**first, **M.append(cut, hashes[cut:], known)} == M.tree(hashes)


@given(leaves)
def test_the_right_edge_grown_leaf_by_leaf_has_the_rfcs_head_at_every_size(d):
    edge = M.RightEdge()
    assert edge.root() == mth([])
    nodes = built(d)
    for n, x in enumerate(d, start=1):
        made = edge.add(M.leaf_hash(x))
        assert edge.root() == mth(d[:n])
        assert made == [nodes[(level, (n - 1) >> level)] for level in range(1, len(made) + 1)]
        assert {node for node in nodes if node[0] > 0 and ((node[1] + 1) << node[0]) == n} == \
            {(level, (n - 1) >> level) for level in range(1, len(made) + 1)}  # every node the leaf completes
        assert edge.hashes == [nodes[node] for node in M.frontier(n)]


def test_a_proof_needs_only_logarithmically_many_stored_nodes():
    n = 1_000_003
    assert len(M.inclusion_nodes(777_777, n)) <= 2 * 20 and len(M.consistency_nodes(500_000, n)) <= 2 * 20
    assert set(M.root_nodes(n)) == set(M.frontier(n))


@given(st.integers(0, 300), st.integers(0, 300))
def test_the_nodes_a_range_of_leaves_completes_are_the_ones_whose_last_leaf_is_in_it(a, b):
    start, end = min(a, b), max(a, b)
    named = {(level, i) for level, first, last in M.completed_between(start, end) for i in range(first, last + 1)}
    every = M.tree([bytes([n % 256]) * 32 for n in range(end)])
    assert named == {(lv, i) for lv, i in every if lv > 0 and start <= ((i + 1) << lv) - 1 < end}
