"""A repeated read of an unchanged list is answered from what was already built, and revalidated
with an ETag (api/revalidation.py): 304 while no event lands, a new answer once one does, never
one caller's answer to another, and `?after=` still waits for its position."""

from __future__ import annotations

from tests.api.client import Api, bearer
from tests.story import on

AUDITOR = "6a1e0c7e-0000-4000-8000-00000000a0d1"
OTHER_AUDITOR = "6a1e0c7e-0000-4000-8000-00000000a0d2"


def _town(api: Api) -> tuple[str, str, str]:
    unit = api.org_unit("Kommunen", "kommune")
    anna = api.person("Anna", unit)
    system = api.system("Løn", unit)
    api.assign(system, "systemejer", anna, on("2024-01-01"))
    return unit, anna, system


def _sweep(api: Api, headers: dict[str, str] | None = None, **params: str):
    query = {"role": "systemejer", "at": on("2025-01-01"), **params}
    return api.client.get("/accountability", params=query, headers={**api.headers, **(headers or {})})


def test_an_unchanged_sweep_revalidates_to_304_and_a_new_event_gives_a_new_answer(api: Api) -> None:
    # Given a system with an owner, and the views caught up with it
    unit, anna, system = _town(api)
    first = _sweep(api, after=str(api.position))
    assert first.status_code == 200
    tag = first.headers["etag"]
    assert tag.startswith('W/"') and "no-cache" in first.headers["cache-control"]
    # When the same question is asked again with the tag, nothing having landed
    again = _sweep(api, {"If-None-Match": tag})
    # Then it is a 304 with the same tag and no body
    assert again.status_code == 304 and again.headers["etag"] == tag and again.content == b""
    # And without the tag the answer kept is the answer given, with the same tag
    kept = _sweep(api)
    assert kept.status_code == 200 and kept.headers["etag"] == tag
    assert kept.json()["items"] == first.json()["items"]
    # When an event lands (Bo becomes the owner)
    bo = api.person("Bo", unit)
    api.assign(system, "systemejer", bo, on("2024-06-01"))
    moved = _sweep(api, {"If-None-Match": tag}, after=str(api.position))
    # Then the old tag no longer matches: a new answer, naming Bo, with a new tag
    assert moved.status_code == 200 and moved.headers["etag"] != tag
    owners = {i["system_id"]: [h["person_id"] for h in i["holders"]] for i in moved.json()["items"]}
    assert owners[system] == [bo]


def test_the_answer_kept_is_the_answer_built(api: Api) -> None:
    # Given an answer built once, asked as known at a fixed instant and as known now
    _town(api)
    for known_at in (on("2099-01-01"), None):
        params = {"after": str(api.position)} | ({"known_at": known_at} if known_at else {})
        built = _sweep(api, **params).json()
        kept = _sweep(api, **params).json()
        # Then the kept one says the same about every system; as known now, it names its own instant
        assert kept["items"] == built["items"] and kept["at"] == built["at"]
        if known_at is None:
            assert kept["known_at"] > built["known_at"]  # the clock moved on; the views did not
        else:
            assert kept["known_at"] == built["known_at"]


def test_two_callers_never_share_an_answer_or_a_tag(api: Api) -> None:
    # Given two auditors asking the same question of unchanged views
    _town(api)
    one = _sweep(api, {"Authorization": bearer(AUDITOR, ("auditor",))}, after=str(api.position))
    other = _sweep(api, {"Authorization": bearer(OTHER_AUDITOR, ("auditor",))})
    council = _sweep(api, {"Authorization": bearer(AUDITOR, ("auditor", "council"))})
    assert one.status_code == other.status_code == council.status_code == 200
    # Then each has a tag of their own: another person, or the same person with other rights
    assert len({one.headers["etag"], other.headers["etag"], council.headers["etag"]}) == 3
    # And one's tag earns the other no 304
    sent = _sweep(api, {"Authorization": bearer(OTHER_AUDITOR, ("auditor",)), "If-None-Match": one.headers["etag"]})
    assert sent.status_code == 200


def test_a_read_with_after_still_waits_for_its_position(api: Api) -> None:
    # Given an answer kept and its tag
    unit, _, system = _town(api)
    tag = _sweep(api, after=str(api.position)).headers["etag"]
    # When a command lands and the read names its position
    cleo = api.person("Cleo", unit)
    api.assign(system, "systemejer", cleo, on("2024-09-01"))
    answer = _sweep(api, {"If-None-Match": tag}, after=str(api.position))
    # Then it has waited: the answer includes the command, it is not the kept one
    assert answer.status_code == 200
    owners = {i["system_id"]: [h["person_id"] for h in i["holders"]] for i in answer.json()["items"]}
    assert owners[system] == [cleo]


def test_a_tag_is_not_a_shortcut_past_the_guard(api: Api) -> None:
    # Given a tag an auditor was given
    _town(api)
    tag = _sweep(api, {"Authorization": bearer(AUDITOR, ("auditor",))}, after=str(api.position)).headers["etag"]
    # When someone without a token sends it, they get a 401, not a 304
    refused = api.client.get("/accountability", params={"role": "systemejer", "at": on("2025-01-01")},
                             headers={"If-None-Match": tag, "Authorization": ""})
    assert refused.status_code == 401


def test_answers_kept_are_bounded(api: Api) -> None:
    # Given more distinct questions than the cache holds
    _town(api)
    cache = api.client.app.state.reads.answers
    cache.max_entries = 3
    for year in range(2000, 2010):
        assert _sweep(api, at=f"{year}-01-01", after=str(api.position)).status_code == 200
    # Then only the most recent few are kept
    assert len(cache) == 3


def test_the_register_and_the_gap_list_revalidate_too(api: Api) -> None:
    # Given the register and the gap list read once, nothing landing since
    unit, anna, system = _town(api)
    for path in ("/systems", "/responsibility-gaps"):
        first = api.client.get(path, params={"after": api.position}, headers=api.headers)
        assert first.status_code == 200
        # Then asking again with the tag is a 304
        tag = first.headers["etag"]
        assert api.client.get(path, headers={**api.headers, "If-None-Match": tag}).status_code == 304
    # When a system is registered, the register's old tag no longer matches and the new system is in it
    tag = api.client.get("/systems", headers=api.headers).headers["etag"]
    api.system("Sag", unit)
    moved = api.client.get("/systems", params={"after": api.position}, headers={**api.headers, "If-None-Match": tag})
    assert moved.status_code == 200 and "Sag" in {i["name"] for i in moved.json()["items"]}
