"""Reminders through the API: the council and auditors see every reminder and how it went
(including those nobody could be told), a system's timeline shows who was told what about it,
and a person switches the weekly digest off for themself only."""

from __future__ import annotations

from datetime import timedelta

from usecases import reminders


def scene(api, clock):
    unit = api.org_unit("Kommune", "kommune")
    owner, member, chair = api.person("Ole Ejer", unit), api.person("Rita Råd", unit), api.person("Formand", unit)
    system = api.system("Lønsystem", unit)
    api.assign(system, "systemejer", owner, (clock.today() - timedelta(days=400)).isoformat())
    api.post("/meetings", {"held_on": clock.today().isoformat(), "attendee_ids": [member, chair], "quorum": True})
    return {"system": system, "owner": owner, "member": member, "chair": chair}


def run(api):
    runtime = api.client.app.state.runtime
    return reminders.run(runtime, worker_runs=True)


def test_the_council_sees_every_reminder_and_the_timeline_shows_its_systems(api, clock):
    s = scene(api, clock)
    outcome = run(api)  # no SMTP server configured: decided, not sent, and the run says so
    assert outcome.unreachable and "ANSVAR_SMTP_HOST" in outcome.unreachable
    duties = sorted((r.duty, str(r.recipient_id)) for r in outcome.planned)
    assert ("attestation_overdue", s["owner"]) in duties
    assert ("gap_digest", s["member"]) in duties and ("gap_digest", s["chair"]) in duties  # the sitting council
    api.position = api.get("/ready")["head"]
    listed = api.get("/reminders")["items"]
    assert len(listed) == len(outcome.planned) and {r["status"] for r in listed} == {"due"}
    overdue = next(r for r in listed if r["duty"] == "attestation_overdue")
    assert overdue["recipient_name"] == "Ole Ejer" and overdue["details"]["due_on"]
    timeline = api.get(f"/systems/{s['system']}/timeline")
    assert [r["duty"] for r in timeline["reminders"]] == ["attestation_overdue"]
    assert api.get("/reminders", status="undeliverable")["items"] == []
    holder = api.as_person(s["owner"])
    assert holder.get("/reminders", expect=403)["type"] == "/problems/forbidden"


def test_a_person_switches_off_the_digest_for_themself_only(api, clock):
    s = scene(api, clock)
    member = api.as_person(s["member"])
    member.post(f"/people/{s['member']}/digest", {"receive": False})
    refused = member.post(f"/people/{s['chair']}/digest", {"receive": False}, expect=403)
    assert refused["type"] == "/problems/acting-for-another"
    api.position = member.position
    outcome = run(api)
    digests = [str(r.recipient_id) for r in outcome.planned if r.duty == "gap_digest"]
    assert digests == [s["chair"]]  # the duties addressed to the member would still come
    assert api.post(f"/people/{s['member']}/digest", {"receive": "nej"}, expect=422)["field"] == "receive"


def test_a_later_day_brings_only_what_is_new(api, clock):
    scene(api, clock)
    first = run(api)
    seen = {r.id for r in first.planned}
    clock.advance(timedelta(days=1))
    second = run(api)
    new = [r for r in second.planned if r.id not in seen]
    # Only what is new is decided. Whether anything is depends on the weekday: a weekly duty (the
    # overdue attestation from its due date, the digest from Mondays) may start a new week.
    assert second.decided == len(new)
    assert {r.duty for r in new} <= {"attestation_overdue", "gap_digest", "claims_waiting", "roles_unheld"}
    seen |= {r.id for r in second.planned}
    clock.advance(timedelta(days=7))
    third = run(api)
    assert "attestation_overdue" in {r.duty for r in third.planned if r.id not in seen}  # a week on: again
    assert third.decided == len([r for r in third.planned if r.id not in seen])


def test_the_worker_runs_once_a_day_from_the_configured_hour_and_at_start_up_if_it_has_passed(api, clock):
    import time

    from ansvar.scheduler import ReminderScheduler
    from domain.clock import COPENHAGEN

    scene(api, clock)
    runtime = api.client.app.state.runtime
    scheduler = ReminderScheduler(runtime, hour=7, poll_seconds=0.05)
    noon = clock.now().astimezone(COPENHAGEN)  # the tests' clock stands at noon, Danish time
    assert not scheduler.due(noon.replace(hour=6)) and scheduler.due(noon)
    scheduler.start()  # started after the hour: it runs now
    try:
        deadline = time.monotonic() + 10
        while scheduler._retry_at == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        # No SMTP server here: decided, not sent, and tried again in a quarter of an hour, not at once.
        assert scheduler._retry_at > time.monotonic() and not scheduler.due(noon)
    finally:
        scheduler.stop()
    api.position = api.get("/ready")["head"]
    assert api.get("/reminders")["items"]


def test_the_reminder_list_pages_in_the_order_decided(api, clock):
    scene(api, clock)
    run(api)
    api.position = api.get("/ready")["head"]
    everything = api.get("/reminders")["items"]
    first = api.get("/reminders", limit=2)
    rest = api.get("/reminders", start=first["next_start"], limit=100)
    assert [r["id"] for r in first["items"] + rest["items"]] == [r["id"] for r in everything]
    assert rest["next_start"] is None
