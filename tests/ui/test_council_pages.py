"""The council's pages over HTTP (issue 25 part 2): a proposal submitted and taken through every
step of its life, a meeting held and its minutes read, a decision recorded one kind at a time and
read back in names. Each form is posted as a browser posts it (session cookie, CSRF token, the API
request's field names), and what it recorded is what the API answers; a refused form shows its
page again in Danish, naming the field by its label, and writes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.ui.test_pages import UUID_TEXT, api_get, csrf_of, head, page, sign_in, town, visible  # noqa: F401

MARKERS = {
    "markers.user_involvement": "Hjemmeplejen har afprøvet en prototype",
    "markers.organisational_anchoring": "Ældrechefen er sponsor",
    "markers.benefit_realisation": "Kørselstid måles før og efter",
    "markers.use_of_data": "Bruger de eksisterende ruter",
}


def card(title: str, **extra: str) -> dict[str, Any]:
    """A proposal's technology card as the form sends it, with the API's field names."""
    return {"title": title, "problem": "Ruterne lægges i hånden hver morgen", "purposes": ["efficiency", "citizen_quality"],
            "category": "processes", "change_kind": "transition", "driver": "it",
            "benefits.text": "En time sparet pr. gruppe pr. dag", "benefits.figures[0].label": "timer pr. uge",
            "benefits.figures[0].amount": "35", "benefits.figures[0].unit": "t", **MARKERS, **extra}


def post(browser: Any, town: dict[str, Any], path: str, form_page: str, data: dict[str, Any]) -> Any:
    return browser.post(path, data={"csrf_token": csrf_of(page(browser, form_page, town)), **data},
                        follow_redirects=False)


def landed(browser: Any, response: Any) -> str:
    assert response.status_code == 303, visible(response.text)[:3000]
    return browser.get(response.headers["location"]).text


def id_in(location: str, kind: str) -> str:
    found = re.search(rf"/ui/{kind}/([0-9a-f-]{{36}})", location)
    assert found, location
    return found.group(1)


def submitted(town: dict[str, Any], who: str = "owner", **extra: str) -> tuple[Any, str]:
    browser = sign_in(town, who)
    response = post(browser, town, "/ui/proposals", "/ui/proposals/new", card(f"Ruteplan {len(extra)} {head(town)}", **extra))
    assert response.status_code == 303, visible(response.text)[:3000]
    return browser, id_in(response.headers["location"], "proposals")


# ---------------------------------------------------------------------------------------------- proposals


def test_a_member_submits_a_proposal_and_the_api_answers_what_the_form_sent(town):
    browser = sign_in(town, "owner")
    form = page(browser, "/ui/proposals/new", town)
    for name in ("title", "problem", "purposes", "category", "change_kind", "driver", "benefits.text",
                 "markers.use_of_data", "follow_up_on", "driver_org_unit_id"):
        assert f'name="{name}"' in form, name
    response = browser.post("/ui/proposals", data={"csrf_token": csrf_of(form), **card("Digital ruteplan")},
                            follow_redirects=False)
    shown = landed(browser, response)
    assert "Forslaget er indsendt." in visible(shown) and "Digital ruteplan" in shown
    proposal = api_get(town, f"/proposals/{id_in(response.headers['location'], 'proposals')}")
    assert proposal["proposer_id"] == str(town["users"]["owner"]) and proposal["status"] == "submitted"
    assert proposal["purposes"] == ["efficiency", "citizen_quality"] and proposal["category"] == "processes"
    assert proposal["benefits"] == {"text": "En time sparet pr. gruppe pr. dag",
                                    "figures": [{"label": "timer pr. uge", "amount": 35.0, "unit": "t"}]}
    assert proposal["markers"]["use_of_data"] == "Bruger de eksisterende ruter"
    assert not UUID_TEXT.search(visible(shown)), "the page names, it shows no ids"


def test_a_proposal_without_its_markers_is_refused_in_danish_naming_the_field_and_nothing_is_written(town):
    browser = sign_in(town, "owner")
    before = head(town)
    data = {k: v for k, v in card("Uden pejlemærke").items() if k != "markers.use_of_data"}
    response = post(browser, town, "/ui/proposals", "/ui/proposals/new", data)
    assert response.status_code == 422
    text = visible(response.text)
    assert "Ret feltet Bedre brug af data" in text and 'role="alert"' in response.text
    assert 'value="Uden pejlemærke"' in response.text, "what was typed is kept"
    assert head(town) == before
    response = post(browser, town, "/ui/proposals", "/ui/proposals/new", {**card("x"), "category": "sideways"})
    assert response.status_code == 422 and "Ret feltet Problemkategori" in visible(response.text)
    assert head(town) == before


def test_an_owner_may_not_submit_in_anothers_name_but_the_council_may(town):
    owner, council = town["users"]["owner"], town["users"]["council"]
    browser = sign_in(town, "owner")
    before = head(town)
    response = post(browser, town, "/ui/proposals", "/ui/proposals/new", {**card("For en anden"), "proposer_id": str(council)})
    assert response.status_code == 403 and 'role="alert"' in response.text
    assert head(town) == before
    chair = sign_in(town, "council")
    response = post(chair, town, "/ui/proposals", "/ui/proposals/new", {**card("I ejerens navn"), "proposer_id": str(owner)})
    landed(chair, response)
    assert api_get(town, f"/proposals/{id_in(response.headers['location'], 'proposals')}")["proposer_id"] == str(owner)


def test_the_proposal_page_offers_only_the_steps_the_state_and_the_person_allow(town):
    owner_browser, proposal = submitted(town)
    path = f"/ui/proposals/{proposal}"
    mine = page(owner_browser, path, town)
    assert 'id="form-withdrawal"' in mine and 'id="form-assessment"' not in mine  # the proposer, not the council
    council = sign_in(town, "council")
    theirs = page(council, path, town)
    assert 'id="form-assessment"' in theirs and 'id="form-withdrawal"' not in theirs
    assert 'id="form-deferral"' not in theirs, "a submitted proposal is assessed before any verdict"
    auditor = page(sign_in(town, "auditor"), path, town)
    assert "<form method=\"post\" action=\"/ui/proposals" not in auditor


def test_the_council_takes_a_proposal_through_assessment_deferral_approval_implementation_and_completion(town):
    _, proposal = submitted(town)
    council = sign_in(town, "council")
    path = f"/ui/proposals/{proposal}"
    shown = landed(council, post(council, town, f"{path}/assessment", path, {}))
    assert "Forslaget er taget op til vurdering." in visible(shown)
    assert api_get(town, path.replace("/ui", ""))["status"] == "under_assessment"
    assert 'id="form-deferral"' in shown

    deferral = post(council, town, "/ui/decisions", path, {
        "kind": "deferral", "rationale": "Afventer budget", "subjects[0].kind": "proposal", "subjects[0].id": proposal})
    landed(council, deferral)
    assert api_get(town, path.replace("/ui", ""))["status"] == "deferred"

    owner = town["users"]["owner"]
    approval = post(council, town, "/ui/decisions", "/ui/decisions/new?kind=approval", {
        "kind": "approval", "rationale": "Passer i budgettet", "subjects[0].kind": "proposal",
        "subjects[0].id": proposal, "operations_owner_id": str(owner)})
    decision = api_get(town, f"/decisions/{id_in(approval.headers['location'], 'decisions')}")
    assert decision["operations_owner_id"] == str(owner) and [s["id"] for s in decision["subjects"]] == [proposal]
    landed(council, approval)

    landed(council, post(council, town, f"{path}/implementation", path, {}))
    assert api_get(town, path.replace("/ui", ""))["status"] == "in_implementation"
    shown = page(council, path, town)
    owner_name = api_get(town, f"/people/{owner}")["name"]
    assert 'id="form-completion"' in shown and f"Godkendelsen udpegede {owner_name}" in visible(shown)
    unit = api_get(town, "/org-units")["items"][-1]["id"]
    completed = post(council, town, f"{path}/completion", path, {
        "system.name": f"Ruteplanlægning {proposal[:4]}", "system.org_unit_id": unit, "system.criticality": "high",
        "system.personal_data": "true", "system.vendor": "Ruter A/S"})
    shown = landed(council, completed)
    assert "Forslaget er gennemført" in visible(shown)
    after = api_get(town, path.replace("/ui", ""))
    assert after["status"] == "implemented" and after["system_id"]
    system = api_get(town, f"/systems/{after['system_id']}")
    assert system["lifecycle"] == "phasing_in" and system["criticality"] == "high" and system["personal_data"] is True

    review = post(council, town, "/ui/decisions", path, {
        "kind": "benefit_review", "rationale": "Gevinsten er hentet", "subjects[0].kind": "proposal", "subjects[0].id": proposal})
    landed(council, review)
    assert api_get(town, path.replace("/ui", ""))["benefit_reviews"] == 1


def test_a_completion_without_a_system_names_the_field_and_writes_nothing(town):
    _, proposal = submitted(town)
    council = sign_in(town, "council")
    path = f"/ui/proposals/{proposal}"
    landed(council, post(council, town, f"{path}/assessment", path, {}))
    landed(council, post(council, town, "/ui/decisions", path, {
        "kind": "approval", "rationale": "Ja", "subjects[0].kind": "proposal", "subjects[0].id": proposal}))
    landed(council, post(council, town, f"{path}/implementation", path, {}))
    before = head(town)
    response = post(council, town, f"{path}/completion", path, {"operations_owner_id": str(town["users"]["owner"])})
    assert response.status_code == 422 and "Ret feltet System" in visible(response.text)
    unit = api_get(town, "/org-units")["items"][-1]["id"]
    response = post(council, town, f"{path}/completion", path, {
        "operations_owner_id": str(town["users"]["owner"]), "system.name": "Halvt system", "system.org_unit_id": unit,
        "system.criticality": "low"})
    assert response.status_code == 422 and "Ret feltet Personoplysninger" in visible(response.text)
    assert head(town) == before
    landed(council, post(council, town, f"{path}/abandonment", path, {"reason": "Leverandøren gik konkurs"}))
    found = api_get(town, path.replace("/ui", ""))
    assert found["status"] == "abandoned" and found["history"][-1]["reason"] == "Leverandøren gik konkurs"


def test_the_proposer_withdraws_their_proposal_and_nobody_else_can(town):
    owner_browser, proposal = submitted(town)
    path = f"/ui/proposals/{proposal}"
    council = sign_in(town, "council")
    before = head(town)
    refused = post(council, town, f"{path}/withdrawal", path, {"reason": "Ikke dit forslag"})
    assert refused.status_code == 422 and "Ret feltet Trukket tilbage af" in visible(refused.text)  # as the API
    named = post(council, town, f"{path}/withdrawal", path, {"withdrawn_by": str(town["users"]["owner"])})
    assert named.status_code == 403 and head(town) == before  # nobody withdraws for the proposer
    shown = landed(owner_browser, post(owner_browser, town, f"{path}/withdrawal", path, {"reason": "Løst på anden vis"}))
    assert "Forslaget er trukket tilbage." in visible(shown)
    found = api_get(town, path.replace("/ui", ""))
    assert found["status"] == "withdrawn" and found["history"][-1]["reason"] == "Løst på anden vis"
    again = post(owner_browser, town, f"{path}/withdrawal", path, {})
    assert again.status_code == 409 and "trukket tilbage" in visible(again.text).split("Næste skridt")[0]


def test_the_proposer_revises_their_proposal_before_any_decision(town):
    owner_browser, proposal = submitted(town)
    form = page(owner_browser, f"/ui/proposals/{proposal}/revision", town)
    assert 'value="efficiency" checked' in form.replace('"efficiency"checked', '"efficiency" checked') or \
        re.search(r'value="efficiency"\s*checked', form)
    response = owner_browser.post(f"/ui/proposals/{proposal}/revisions", data={
        "csrf_token": csrf_of(form), **card("Ruteplan, rettet", category="resources")}, follow_redirects=False)
    landed(owner_browser, response)
    found = api_get(town, f"/proposals/{proposal}")
    assert found["title"] == "Ruteplan, rettet" and found["category"] == "resources"


# ---------------------------------------------------------------------------------------------- meetings


def test_the_council_holds_a_meeting_decides_at_it_and_reads_the_minutes_with_the_log_checkpoint(town):
    council = sign_in(town, "council")
    members = [town["users"]["council"], town["users"]["admin"]]
    form = page(council, "/ui/meetings/new", town)
    assert f'value="{town["users"]["council"]}" checked' in form.replace('"\n', '"')
    day = town["clock"].today().isoformat()
    response = council.post("/ui/meetings", data={"csrf_token": csrf_of(form), "held_on": day,
                                                  "attendee_ids": [str(m) for m in members], "quorum": "true"},
                            follow_redirects=False)
    shown = landed(council, response)
    meeting = id_in(response.headers["location"], "meetings")
    assert "Mødet er registreret." in visible(shown)
    api = api_get(town, f"/meetings/{meeting}")
    assert api["quorum"] is True and set(api["attendee_ids"]) == {str(m) for m in members}
    _, proposal = submitted(town)
    landed(council, post(council, town, f"/ui/proposals/{proposal}/assessment", f"/ui/proposals/{proposal}", {}))
    decided = post(council, town, "/ui/decisions", "/ui/decisions/new?kind=rejection", {
        "kind": "rejection", "rationale": "Overlapper med regionens løsning", "meeting_id": meeting,
        "subjects[0].kind": "proposal", "subjects[0].id": proposal})
    decision = api_get(town, f"/decisions/{id_in(decided.headers['location'], 'decisions')}")
    assert decision["meeting_id"] == meeting and decision["decided_on"] == day

    minutes = page(council, f"/ui/meetings/{meeting}", town)
    text = visible(minutes)
    title = api_get(town, f"/proposals/{proposal}")["title"]
    for person in members:
        assert api_get(town, f"/people/{person}")["name"] in text
    assert title in text and "Overlapper med regionens løsning" in text and f"Forslaget »{title}« blev afvist." in text
    size = re.search(r"havde hændelsesloggen (\d+) hændelser", text)
    assert size, text
    proofs = town["runtime"].transparency.proofs
    assert int(size.group(1)) == proofs.index_of(decision["position"]) + 1
    root = re.search(r'id="minutes-checkpoint">([^<]+)</pre>', minutes).group(1).split("\n")
    assert root[1] == size.group(1) and root[2] == __import__("infra.checkpoints", fromlist=["b64"]).b64(
        proofs.head(int(size.group(1)))[1])
    assert not UUID_TEXT.search(text)
    assert meeting in page(council, "/ui/meetings", town)
    assert f"/ui/decisions/new?meeting={meeting}" in minutes
    chosen = page(council, "/ui/decisions/new", town, meeting=meeting)
    assert f'name="meeting" value="{meeting}"' in chosen, "the meeting stays chosen while the kind is chosen"
    assert f'<option value="{meeting}" selected>' in page(council, "/ui/decisions/new", town, meeting=meeting,
                                                          kind="deferral")


def test_a_meeting_holds_its_agenda_and_its_page_reads_it_in_names_beside_what_it_decided(town):
    council = sign_in(town, "council")
    first, second, elsewhere = (submitted(town)[1] for _ in range(3))
    titles = {p: api_get(town, f"/proposals/{p}")["title"] for p in (first, second, elsewhere)}
    assert len(set(titles.values())) == 3
    for proposal in (first, second, elsewhere):
        landed(council, post(council, town, f"/ui/proposals/{proposal}/assessment", f"/ui/proposals/{proposal}", {}))
    form = page(council, "/ui/meetings/new", town)
    for proposal in (first, second, elsewhere):  # open proposals are offered as checkboxes, by title
        assert f'name="agenda" value="{proposal}"' in form
        assert f"{titles[proposal]} (Under vurdering)" in visible(form)
    day = town["clock"].today().isoformat()
    response = council.post("/ui/meetings", data={
        "csrf_token": csrf_of(form), "held_on": day, "attendee_ids": str(town["users"]["council"]), "quorum": "true",
        "agenda": [first, second]}, follow_redirects=False)
    assert response.status_code == 303, visible(response.text)[:3000]
    meeting = id_in(response.headers["location"], "meetings")
    landed(council, response)
    held = api_get(town, f"/meetings/{meeting}")
    assert [a["proposal_id"] for a in held["agenda"]] == [first, second]
    assert [a["title"] for a in held["agenda"]] == [titles[first], titles[second]]
    for subject, kind in ((first, "deferral"), (elsewhere, "rejection")):
        post(council, town, "/ui/decisions", f"/ui/decisions/new?kind={kind}", {
            "kind": kind, "rationale": "Rådet har drøftet det", "meeting_id": meeting,
            "subjects[0].kind": "proposal", "subjects[0].id": subject})

    shown = page(council, f"/ui/meetings/{meeting}", town)
    items = [visible(li) for li in re.findall(r"<li>.*?</li>", agenda_html(shown), re.S)]
    assert len(items) == 2 and titles[first] in items[0] and titles[second] in items[1]
    assert "Udsat" in items[0] and "mødet besluttede: Udsættelse" in items[0]
    assert "Under vurdering" in items[1] and "ingen beslutning på mødet" in items[1]
    dealt = visible(re.search(r'<ul id="dealt">.*?</ul>', shown, re.S).group(0))
    assert titles[elsewhere] in dealt and titles[first] not in dealt
    assert "Forslag behandlet på mødet uden for dagsordenen" in visible(shown)
    assert not UUID_TEXT.search(visible(shown))


def agenda_html(shown: str) -> str:
    found = re.search(r'<ol id="agenda">.*?</ol>', shown, re.S)
    assert found, shown
    return found.group(0)


def test_an_agenda_naming_no_proposal_is_refused_on_the_form_and_nothing_is_written(town):
    council = sign_in(town, "council")
    before = head(town)
    response = post(council, town, "/ui/meetings", "/ui/meetings/new", {
        "held_on": town["clock"].today().isoformat(), "attendee_ids": str(town["users"]["council"]),
        "quorum": "true", "agenda": "00000000-0000-4000-8000-000000000001"})
    assert response.status_code == 422 and "Ret feltet Dagsorden" in visible(response.text)
    assert head(town) == before


def test_a_meeting_without_attendees_or_quorum_is_refused_naming_the_field(town):
    council = sign_in(town, "council")
    before = head(town)
    day = town["clock"].today().isoformat()
    response = post(council, town, "/ui/meetings", "/ui/meetings/new", {"held_on": day, "quorum": "true"})
    assert response.status_code == 422 and "Ret feltet Deltagere" in visible(response.text)
    response = post(council, town, "/ui/meetings", "/ui/meetings/new", {
        "held_on": day, "attendee_ids": str(town["users"]["council"])})
    assert response.status_code == 422 and "Ret feltet Beslutningsdygtigt" in visible(response.text)
    assert head(town) == before
    owner = sign_in(town, "owner")
    assert owner.get("/ui/meetings/new").status_code == 403
    response = owner.post("/ui/meetings", data={"csrf_token": csrf_of(page(owner, "/ui/me", town)), "held_on": day,
                                                "attendee_ids": str(town["users"]["owner"]), "quorum": "true"})
    assert response.status_code == 403 and head(town) == before


# ---------------------------------------------------------------------------------------------- decisions


def test_the_decision_form_asks_for_the_kind_first_then_shows_only_its_fields(town):
    council = sign_in(town, "council")
    first = page(council, "/ui/decisions/new", town)
    assert 'name="kind"' in first and 'name="rationale"' not in first
    fields = {kind: set(re.findall(r'name="([^"]+)"', page(council, "/ui/decisions/new", town, kind=kind)))
              for kind in ("prioritisation", "approval", "deferral", "decommission", "ownership_ruling")}
    assert "period_from" in fields["prioritisation"] and "operations_owner_id" not in fields["prioritisation"]
    assert any(f.startswith("priorities[") for f in fields["prioritisation"])
    assert "period_from" not in fields["approval"] and any(f.startswith("subjects[") for f in fields["approval"])
    assert not any(f.startswith("priorities") for f in fields["deferral"]) and "period_from" not in fields["deferral"]
    assert "confirmed_claim_id" not in fields["deferral"] and "confirmed_claim_id" not in fields["prioritisation"]
    assert "rationale" not in fields["ownership_ruling"], "a ruling first asks which system's claims it answers"
    assert "kind=ownership_ruling&amp;system=" in page(council, "/ui/decisions/new", town, kind="ownership_ruling")


def test_a_prioritisation_with_its_period_and_ranks_reads_back_in_titles_and_danish_dates(town):
    council = sign_in(town, "council")
    form = page(council, "/ui/decisions/new", town, kind="prioritisation")
    rows = re.findall(r'name="priorities\[(\d+)\]\.proposal_id" value="([0-9a-f-]{36})"', form)
    assert len(rows) >= 2
    today = town["clock"].today()
    data = {"csrf_token": csrf_of(form), "kind": "prioritisation", "rationale": "Borgerne først",
            "period_from": today.isoformat(), "period_to": today.replace(year=today.year + 1).isoformat(),
            f"priorities[{rows[0][0]}].proposal_id": rows[0][1], f"priorities[{rows[0][0]}].rank": "2",
            f"priorities[{rows[1][0]}].proposal_id": rows[1][1], f"priorities[{rows[1][0]}].rank": "1",
            **{f"priorities[{i}].proposal_id": p for i, p in rows[2:]}}  # the rest not ranked
    response = council.post("/ui/decisions", data=data, follow_redirects=False)
    shown = visible(landed(council, response))
    recorded = api_get(town, f"/decisions/{id_in(response.headers['location'], 'decisions')}")
    assert [(p["rank"], p["proposal_id"]) for p in recorded["priorities"]] == [(1, rows[1][1]), (2, rows[0][1])]
    from api.ui.words import dato

    assert f"fra {dato(today)} til {dato(today.replace(year=today.year + 1))}" in shown
    titles = [api_get(town, f"/proposals/{p}")["title"] for _, p in rows[:2]]
    assert f"Nr. 1: {titles[1]}." in shown and f"Nr. 2: {titles[0]}." in shown
    assert not UUID_TEXT.search(shown) and "prioritised" not in shown


def test_ranks_that_skip_a_number_are_refused_naming_the_field(town):
    council = sign_in(town, "council")
    form = page(council, "/ui/decisions/new", town, kind="prioritisation")
    rows = re.findall(r'name="priorities\[(\d+)\]\.proposal_id" value="([0-9a-f-]{36})"', form)
    before = head(town)
    response = council.post("/ui/decisions", data={
        "csrf_token": csrf_of(form), "kind": "prioritisation", "rationale": "r",
        "period_from": town["clock"].today().isoformat(),
        f"priorities[{rows[0][0]}].proposal_id": rows[0][1], f"priorities[{rows[0][0]}].rank": "3"})
    assert response.status_code == 422 and "Ret feltet Prioriteter" in visible(response.text)
    assert 'name="period_from"' in response.text, "the form for the kind is shown again"
    response = council.post("/ui/decisions", data={
        "csrf_token": csrf_of(form), "kind": "prioritisation", "rationale": "r",
        f"priorities[{rows[0][0]}].proposal_id": rows[0][1], f"priorities[{rows[0][0]}].rank": "1"})
    assert response.status_code == 422 and "Ret feltet Periode fra" in visible(response.text)
    assert head(town) == before


def test_a_ruling_says_whose_claim_was_confirmed_and_rejected_and_who_got_and_lost_the_role(town):
    from tests.ui.test_pages import all_gaps

    gap = next(g for g in all_gaps(town, rule="competing_claims") if len(g["claims"]) >= 2)
    system, (first, second) = gap["system_id"], gap["claims"][:2]
    claims = {c["claim_id"]: c for c in api_get(town, f"/systems/{system}/timeline")["claims"]}
    role = claims[first]["role"]
    before_holder = next((r["holder"] for r in api_get(town, f"/systems/{system}/accountability")["roles"]
                          if r["role"] == role), None)
    council = sign_in(town, "council")
    form = page(council, "/ui/decisions/new", town, kind="ownership_ruling", system=system, claim=first)
    assert re.search(rf'id="confirm-{first}" name="confirmed_claim_id" value="{first}"\s*checked', form)
    response = council.post("/ui/decisions", data={
        "csrf_token": csrf_of(form), "kind": "ownership_ruling", "rationale": "Fagafdelingen ejer systemet",
        "subjects[0].kind": "system", "subjects[0].id": system, "confirmed_claim_id": first}, follow_redirects=False)
    shown = visible(landed(council, response))
    after = {c["claim_id"]: c for c in api_get(town, f"/systems/{system}/timeline")["claims"]}
    assert after[first]["status"] == "confirmed" and after[second]["status"] == "rejected"
    from api.ui.words import ROLE_LABEL

    winner = api_get(town, f"/people/{claims[first]['person_id']}")["name"]
    loser = api_get(town, f"/people/{claims[second]['person_id']}")["name"]
    label = ROLE_LABEL[role]
    assert f"Bekræftet: kravet fra {winner} på rollen {label}" in shown, shown[:3000]
    assert f"Afvist: kravet fra {loser} på rollen {label}" in shown
    assert f"{winner} har rollen {label} på" in shown
    if before_holder and before_holder["id"] != claims[first]["person_id"] and before_holder.get("name"):
        assert f"{before_holder['name']} har ikke længere rollen {label}" in shown
    assert not UUID_TEXT.search(shown) and role not in shown.replace(label, "")


def test_the_demos_decisions_each_say_in_danish_what_they_did(town):
    council = sign_in(town, "council")
    for d in api_get(town, "/decisions", limit=200)["items"]:
        shown = visible(page(council, f"/ui/decisions/{d['id']}", town))
        did = shown.split("Hvad beslutningen gjorde", 1)[1].split("Begrundelse", 1)[0]
        assert did.strip() and "ændrede ikke noget" not in did, (d["kind"], did)
        assert not UUID_TEXT.search(shown), d["kind"]
        for english in ("prioritised", "approved", "rejected", "deferred", "assigned", "phasing_out", "None"):
            assert english not in did, (d["kind"], english, did)
        if d["supersedes"]:
            assert "Den erstatter en tidligere beslutning" in did


def test_an_owner_or_auditor_gets_no_decision_form_and_cannot_post_one(town):
    for who in ("owner", "auditor"):
        browser = sign_in(town, who)
        assert browser.get("/ui/decisions/new", params={"kind": "approval"}).status_code == 403
        before = head(town)
        response = browser.post("/ui/decisions", data={"csrf_token": csrf_of(page(browser, "/ui/me", town)),
                                                      "kind": "deferral", "rationale": "x"})
        assert response.status_code == 403 and head(town) == before


@pytest.mark.parametrize("path", ["/ui/meetings", "/ui/proposals/new"])
def test_the_new_pages_answer_every_person_by_the_rule_of_their_api(town, path):
    assert sign_in(town, "owner").get(path).status_code == 200
    if path == "/ui/proposals/new":
        assert 'name="proposer_id"' not in page(sign_in(town, "owner"), path, town)


def test_a_list_of_objects_may_also_be_sent_as_repeated_names_in_order(town):
    _, first = submitted(town)
    _, second = submitted(town, follow_up_on=town["clock"].today().isoformat())
    council = sign_in(town, "council")
    for proposal in (first, second):
        landed(council, post(council, town, f"/ui/proposals/{proposal}/assessment", f"/ui/proposals/{proposal}", {}))
    form = page(council, "/ui/decisions/new", town, kind="deferral")
    response = council.post("/ui/decisions", data={
        "csrf_token": csrf_of(form), "kind": "deferral", "rationale": "Begge venter",
        "subjects.kind": ["proposal", "proposal"], "subjects.id": [first, second],  # each name's n-th value: item n
    }, follow_redirects=False)
    decision = api_get(town, f"/decisions/{id_in(landed(council, response) and response.headers['location'], 'decisions')}")
    assert sorted(s["id"] for s in decision["subjects"]) == sorted([first, second])
    assert {api_get(town, f"/proposals/{p}")["status"] for p in (first, second)} == {"deferred"}


BAD = ["", "x" * 20_000, "\x00", "ikke-en-dato", "-1", "9" * 30, "00000000-0000-0000-0000-000000000000", "<script>",
       "true", "[]"]
NAMES = ["title", "purposes", "benefits.text", "benefits.figures[0].amount", "benefits.figures[99999].label",
         "markers.use_of_data", "proposer_id", "withdrawn_by", "reason", "system_id", "system.name",
         "system.personal_data", "operations_owner_id", "held_on", "attendee_ids", "quorum", "kind", "subjects[0].id",
         "subjects.id", "priorities[0].rank", "period_from", "meeting_id", "supersedes", "subjects[0].id.x"]


@pytest.mark.parametrize("value", BAD)
def test_whatever_a_council_form_is_sent_it_answers_without_a_500_and_writes_nothing(town, value):
    council = sign_in(town, "council")
    proposal = api_get(town, "/proposals", status="withdrawn")["items"][0]["id"]  # an end state: every step refused
    token = csrf_of(page(council, "/ui/meetings/new", town))
    before = head(town)
    for path in ("/ui/proposals", f"/ui/proposals/{proposal}/revisions", f"/ui/proposals/{proposal}/assessment",
                 f"/ui/proposals/{proposal}/withdrawal", f"/ui/proposals/{proposal}/implementation",
                 f"/ui/proposals/{proposal}/completion", f"/ui/proposals/{proposal}/abandonment", "/ui/meetings",
                 "/ui/decisions"):
        for name in NAMES:
            data = {"csrf_token": token, "kind": "deferral", "rationale": "r", "quorum": "true", name: value}
            response = council.post(path, data=data, follow_redirects=False)
            assert response.status_code < 500, f"{path} {name}={value[:20]!r}: {response.status_code}"
            assert response.status_code != 303, (path, name, value)  # each form lacks or spoils what it needs
            if value == "<script>":
                assert "<script>" not in response.text.split("</head>", 1)[1], path
    assert head(town) == before
