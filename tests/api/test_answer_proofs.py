"""`?proof=true`: an answer carries the positions it rests on, their inclusion proofs and the
signed checkpoint they verify against, checked here with the RFC 9162 2.1.3.2 verification
algorithm written out independently of the project's Merkle code, and the checkpoint's
signature with `cryptography` against the published key."""

from __future__ import annotations

import base64
import csv
import hashlib
import io

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tests.api.council_helpers import decide, submit, town
from tests.story import on


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def root_from_path(leaf: bytes, index: int, size: int, hashes: list[bytes]) -> bytes:
    """RFC 9162 2.1.3.2, step by step."""
    fn, sn, r = index, size - 1, _h(b"\x00" + leaf)
    for p in hashes:
        assert sn != 0, "the path is too long"
        if fn & 1 or fn == sn:
            r = _h(b"\x01" + p + r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = _h(b"\x01" + r + p)
        fn, sn = fn >> 1, sn >> 1
    assert sn == 0, "the path is too short"
    return r


def check(api, proof: dict) -> set[int]:
    """Every included event verifies against the checkpoint, whose signature verifies; the positions."""
    vkey = api.client.get("/log/key", headers={"Authorization": ""}).text.strip()
    name, _, material = vkey.split("+", 2)
    text, signature = proof["checkpoint"].split("\n\n")
    _, size, root = text.split("\n")
    raw = base64.b64decode(signature.removeprefix("\u2014 ").split(" ")[1].strip())
    Ed25519PublicKey.from_public_bytes(base64.b64decode(material)[1:]).verify(raw[4:], (text + "\n").encode())
    assert int(size) == proof["tree_size"]
    for e in proof["events"]:
        leaf = base64.b64decode(e["leaf"])
        assert leaf.split(b"\n")[1] == str(e["position"]).encode()  # the leaf names the position it proves
        got = root_from_path(leaf, e["leaf_index"], int(size), [base64.b64decode(h) for h in e["hashes"]])
        assert got == base64.b64decode(root), e["position"]
    return {e["position"] for e in proof["events"]}


def scene(api):
    unit = api.org_unit("Kommune", "kommune")
    owner, claimant = api.person("Ida Ibsen", unit), api.person("Jens Juhl", unit)
    system = api.system("Lønsystem", unit)
    for i in range(5):  # other events, so the tree has some depth
        api.system(f"Andet system {i}", unit)
    assigned = api.assign(system, "systemejer", owner, on("2024-01-01"))["position"]
    vacancy = api.post(f"/systems/{system}/vacancies", {"role": "systemansvarlig", "effective_from": on("2024-01-01"),
                                                       "reason": "ingen endnu"})["position"]
    claim = api.as_person(claimant).post(f"/systems/{system}/claims", {
        "role": "dataejer", "person_id": claimant, "statement": "vores data"})
    return {"system": system, "owner": owner, "assigned": assigned, "vacancy": vacancy, "claim": claim}


def test_an_accountability_answer_carries_its_deciding_facts_proofs(api):
    s = scene(api)
    plain = api.get(f"/systems/{s['system']}/accountability", at=on("2025-01-01"))
    assert plain["proof"] is None
    answer = api.get(f"/systems/{s['system']}/accountability", at=on("2025-01-01"), proof="true")
    deciding = {r["fact"]["position"] for r in answer["roles"] if r["fact"]}
    assert deciding == {s["assigned"], s["vacancy"]}
    assert check(api, answer["proof"]) == deciding


def test_a_timeline_carries_a_proof_for_everything_it_shows(api):
    s = scene(api)
    timeline = api.get(f"/systems/{s['system']}/timeline", proof="true")
    shown = {f["position"] for r in timeline["roles"] for f in r["facts"]}
    shown |= {c["position"] for c in timeline["claims"]} | {e["position"] for e in timeline["lifecycle"]}
    assert {s["assigned"], s["vacancy"], s["claim"]["position"]} <= shown
    assert check(api, timeline["proof"]) == shown


def test_a_decision_carries_its_own_and_its_consequences_proofs(api):
    t = town(api)
    a, b = submit(api, t, "Chatbot"), submit(api, t, "Droner")
    first = decide(api, "approval", "Borgere først", [a], decided_by=[t.chair], decided_on=on("2026-03-01"))
    second = decide(api, "rejection", "Overlapper", [b], decided_by=[t.chair], decided_on=on("2026-03-02"))
    detail = api.get(f"/decisions/{second['id']}", proof="true")
    assert detail["consequences"] and detail["proof"] is not None
    assert check(api, detail["proof"]) == {detail["position"], *(c["position"] for c in detail["consequences"])}
    assert api.get(f"/decisions/{first['id']}")["proof"] is None


def test_the_decision_log_export_ends_with_the_checkpoint_it_was_taken_at(api):
    t = town(api)
    decide(api, "approval", "Borgere først", [submit(api, t, "Chatbot")], decided_by=[t.chair])
    response = api.client.get("/exports/decisions", params={"format": "csv", "after": api.position},
                              headers=api.headers)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    # A line that starts like a formula (a root hash in base64 can start with "+") has Excel's
    # text apostrophe in front, as every cell of the exports; the note is the lines without it.
    tail = [r[1][1:] if r[1].startswith("'+") else r[1] for r in rows if r and r[0] == "Logens kontrolpunkt"]
    note = "\n".join(tail) + "\n"
    size = int(tail[1])
    assert size >= api.position  # it covers every decision in the file
    vkey = api.client.get("/log/key", headers={"Authorization": ""}).text.strip()
    public = base64.b64decode(vkey.split("+", 2)[2])[1:]
    text, signature = note.split("\n\n")
    raw = base64.b64decode(signature.removeprefix("\u2014 ").split(" ")[1].strip())
    Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], (text + "\n").encode())
    assert rows[-len(tail) - 1] == [] or rows[-len(tail) - 1] == [""]  # a blank row before it


def test_without_a_signing_key_a_proof_is_a_clear_503(api):
    api.client.app.state.transparency.key, key = None, api.client.app.state.transparency.key
    try:
        s = scene(api)
        problem = api.get(f"/systems/{s['system']}/accountability", proof="true", expect=503)
        assert "ANSVAR_LOG_KEY" in problem["detail"]
        assert api.get(f"/systems/{s['system']}/accountability")["roles"]  # without a proof: answered
    finally:
        api.client.app.state.transparency.key = key
