"""The auditor's pack answers "as the record stood at K": a pack as known at a past K differs from
one as known now exactly where later corrections were recorded; on every backend. And its question
is checked like the API's others."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from tests.api.council_helpers import town
from tests.conftest import one_backend
from tests.story import on


def pack(api, **params: Any) -> dict[str, Any]:
    response = api.client.get("/audit-pack", params={**params, "after": api.position}, headers=api.headers)
    assert response.status_code == 200, response.text
    with zipfile.ZipFile(io.BytesIO(response.content)) as z:
        return json.loads(z.read("evidence.json"))


def keyed(found: dict[str, Any]) -> dict[tuple, list]:
    """The rows by what they are about: a change by its role and position, a gap by its rule and start."""
    def key(r: dict[str, Any]) -> tuple:
        if r["section"] == "Ændringer":
            return r["section"], r["system_id"], r["role"], r["cells"][1], tuple(r["positions"])
        if r["section"] == "Uklart ansvar":
            return r["section"], r["system_id"], r["role"], r["cells"][1], r["cells"][3]
        return r["section"], r["system_id"], r["role"], None, None

    rows = [key(r) for r in found["rows"]]
    assert len(rows) == len(set(rows))
    return {key(r): r["cells"] for r in found["rows"]}


def test_a_pack_as_known_at_a_past_k_differs_from_one_as_known_now_exactly_where_corrections_came_later(api):
    t = town(api)
    first = api.system("Omsorgssystem", t.elder)
    second = api.system("Lønsystem", t.it)
    api.assign(first, "systemejer", t.chair, on("2025-01-01"))
    before = api.assign(second, "systemejer", t.member, on("2025-01-01"))
    known_at = before["recorded_at"]
    api.assign(first, "systemejer", t.tech, on("2025-01-01"), basis="rettelse: registreret forkert")  # the correction
    question = {"from": on("2026-01-01"), "at": on("2026-06-30")}
    then, now = pack(api, **question, known_at=known_at), pack(api, **question)
    assert then["question"]["known_at"] != now["question"]["known_at"]
    old, new = keyed(then), keyed(now)
    changed = {k[:3] for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
    # Where responsibility was unclear changed with the correction too, and only there: as the record
    # stood at K, Rådets formand held the role, and the gaps of that holding are the pack's.
    assert changed == {("Ejere", first, "systemejer"), ("Bekræftelser", first, "systemejer"),
                       ("Uklart ansvar", first, "systemejer")}
    holder = {k[0]: new[k] for k in new if k[1] == first and k[2] == "systemejer"}
    assert holder["Ejere"][3] == "IT-drift" and holder["Ejere"][8] == "»rettelse: registreret forkert«."
    assert {k[0]: old[k] for k in old if k[1] == first and k[2] == "systemejer"}["Ejere"][3] == "Rådets formand"


def test_gaps_are_as_known_at_k_a_departure_recorded_later_is_no_gap_before_it_was_recorded(api):
    """The unclear-responsibility section is the gap rules over the record as it stood at K: a
    holder's departure recorded after K (back-dated into the period) makes a gap in the pack as known
    now and none in the pack as known at K; the owners sheet says so beside the role; nothing else
    differs."""
    t = town(api)
    first = api.system("Omsorgssystem", t.elder)
    second = api.system("Lønsystem", t.it)
    for system in (first, second):
        for role, person in (("systemejer", t.chair), ("systemansvarlig", t.member), ("teknisk_ansvarlig", t.tech)):
            api.assign(system, role, person, on("2025-01-01"))
    gone = api.person("Kollega der gik", t.elder)
    known_at = api.assign(first, "dataejer", gone, on("2025-01-01"))["recorded_at"]
    api.post(f"/people/{gone}/departure", {"effective": on("2026-03-01")})  # recorded after K, effective before D
    question = {"from": on("2026-01-01"), "at": on("2026-06-30")}
    then, now = pack(api, **question, known_at=known_at), pack(api, **question)
    departed = [r for r in now["rows"] if r["section"] == "Uklart ansvar" and r["role"] == "dataejer"]
    assert [(r["system_id"], r["cells"][1], r["cells"][3]) for r in departed] == [
        (first, "Indehaveren er fratrådt", on("2026-03-01"))]
    old, new = keyed(then), keyed(now)
    changed = {k[:3] for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
    assert changed == {("Ejere", first, "dataejer"), ("Uklart ansvar", first, "dataejer")}, changed
    owner_then, owner_now = old[("Ejere", first, "dataejer", None, None)], new[("Ejere", first, "dataejer", None, None)]
    assert owner_then[12] is None and owner_now[12] == "Indehaveren er fratrådt"
    assert owner_then[:12] == owner_now[:12]  # the same holder, since, basis: only the gap differs


@one_backend
def test_the_question_is_checked_like_the_apis_others(api):
    for params, field in (({"from": on("2026-07-01"), "at": on("2026-06-30")}, "from"),
                          ({"from": on("2026-01-01"), "at": on("2026-06-30"), "known_at": "igår"}, "known_at"),
                          ({"at": on("2026-06-30")}, "from")):
        response = api.client.get("/audit-pack", params=params, headers=api.headers)
        assert response.status_code in (400, 422), response.text
        assert field in response.text


@one_backend
def test_an_owner_may_not_take_the_pack_an_auditor_may(api):
    t = town(api)
    question = {"from": on("2026-01-01"), "at": on("2026-06-30")}
    refused = api.as_person(t.proposer).client.get("/audit-pack", params=question, headers=api.as_person(t.proposer).headers)
    assert refused.status_code == 403
    auditor = api.as_person(t.other, "auditor")
    assert auditor.client.get("/audit-pack", params=question, headers=auditor.headers).status_code == 200
