"""The log's proofs checked the way a third party would: the root recomputed from /log/entries,
the checkpoint's signature and key id from the published key, inclusion and consistency proofs
compared with the RFC's own recursive definitions (tests/unit/test_merkle.py, not the project's
code)."""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tests.unit.test_merkle import mth, path, subproof


def auditor(api):
    return api.as_person(api.person("Revisor Rask", api.org_unit("Revision", "kommune")), "auditor")


def fill(api, n: int = 9) -> None:
    unit = api.org_unit("Kommune", "kommune")
    for i in range(n):
        system = api.system(f"System {i}", unit)
        api.post(f"/systems/{system}/vacancies", {"role": "systemejer", "effective_from": "2024-01-01",
                                                  "reason": f"ingen ejer endnu ({i})"})


def test_a_third_party_recomputes_the_root_and_checks_the_checkpoint_and_the_proofs(api):
    fill(api)
    anyone = api.client
    note = anyone.get("/log/checkpoint", headers={"Authorization": ""}).text
    vkey = anyone.get("/log/key", headers={"Authorization": ""}).text.strip()

    # The key and the signature, from the C2SP specifications.
    name, key_id, material = vkey.split("+", 2)
    public = base64.b64decode(material)[1:]
    assert key_id == hashlib.sha256(name.encode() + b"\n\x01" + public).digest()[:4].hex()
    text, signature = note.split("\n\n")
    origin, size, root = text.split("\n")
    line_name, encoded = signature.removeprefix("\u2014 ").rstrip("\n").split(" ")
    raw = base64.b64decode(encoded)
    assert line_name == name and raw[:4].hex() == key_id
    Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], (text + "\n").encode())

    # The root, from the leaves.
    reader = auditor(api)
    leaves, start = [], 0
    while True:
        page = reader.get("/log/entries", start=start, limit=4)["items"]
        if not page:
            break
        leaves += [base64.b64decode(e["leaf"]) for e in page]
        start += len(page)
    n = int(size)
    assert n == len(leaves) - 2  # the auditor's own registration came after the checkpoint
    assert mth(leaves[:n]) == base64.b64decode(root)

    # An inclusion proof, and a consistency proof from an older size.
    proof = reader.get("/log/proof/inclusion", position=5, tree_size=n)
    assert proof["leaf_index"] == 4 and base64.b64decode(proof["leaf"]) == leaves[4]
    assert [base64.b64decode(h) for h in proof["hashes"]] == path(4, leaves[:n])
    consistency = reader.get("/log/proof/consistency", **{"from": 7, "to": n})
    assert [base64.b64decode(h) for h in consistency["hashes"]] == subproof(7, leaves[:n], True)


def test_bad_proof_requests_are_clear_problems(api):
    fill(api, 2)
    reader = auditor(api)
    head = reader.get("/log/entries", limit=1)["tree_size"]
    assert reader.get("/log/proof/inclusion", position=10_000, expect=404)["field"] == "position"
    assert reader.get("/log/proof/inclusion", position=3, tree_size=2, expect=422)["field"] == "tree_size"
    assert reader.get("/log/proof/consistency", **{"from": head + 5}, expect=422)["field"] == "from"
    assert api.client.get("/log/entries", headers={"Authorization": ""}).status_code == 401  # auditors only
