"""The names beside the log are committed too (issue 24, the probe's case 5). Tried as a database
superuser would: a person renamed in `person_details`, an e-mail address changed, a salt deleted
to hide a rename, a silent erasure. `ansvar verify` fails naming the person and the position each
time. An erasure, and a correction through the API, verify, and every proof stays valid. A store
from before names were committed says so, and is committed once at the next start. SQLite and
PostgreSQL alike; people registered by `POST /people`, an import and a KITOS sync."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest
from eventsourcing.persistence import StoredEvent
from litestar.testing import TestClient

from ansvar.bootstrap import bootstrap
from ansvar.web import create_app
from domain.org import Person
from infra import merkle as M
from infra.settings import Auth, KitosAccount
from tests.api.client import TEST_SECRET, Api, bearer
from tests.contract.test_kitos_sync import kitos  # noqa: F401  (the stand-in KITOS, a fixture)
from tests.contract.test_kitos_sync import run as sync
from tests.contract.test_log_tamper import run_verify, superuser

pytestmark = pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def town(settings, clock):
    runtime = bootstrap(settings, clock)
    app = runtime.portfolio
    unit = app.establish_org_unit("Kommune", "kommune", None).id
    bente = app.register_person("Bente Bro", unit, None, "bente@k.dk")
    carl = app.register_person("Carl Ceder", unit, None, None)
    system = app.register_system("Lønsystem", "KMD", unit, "high", True, "in_operation", date(2020, 1, 1)).id
    app.assign_role(system, "systemejer", bente.id, date(2021, 1, 1))
    app.assign_role(system, "dataejer", carl.id, date(2022, 1, 1))
    checkpoint = runtime.transparency.checkpoint()
    runtime.close()
    return {"unit": unit, "bente": bente.id, "bente_at": bente.position, "carl": carl.id, "carl_at": carl.position,
            "checkpoint": checkpoint}


def serving(settings, clock) -> TestClient:
    return TestClient(create_app(replace(settings, auth=Auth(secret=TEST_SECRET)), clock=clock, configure_logging=False))


def test_an_untouched_directory_verifies_and_says_how_many_names_it_checked(settings, clock, capsys, town):
    code, out = run_verify(settings, clock, capsys, town["checkpoint"])
    assert code == 0, out
    assert "2 people's names and e-mail addresses match what the log committed to" in out
    assert "not verified" not in out


def test_a_person_renamed_in_the_directory_is_named_by_id_and_position(settings, clock, capsys, town):
    with superuser(settings) as sql:
        sql.run("UPDATE {p}person_details SET name = ? WHERE person_id = ?", "Carl Ceder", str(town["bente"]))
    code, out = run_verify(settings, clock, capsys, town["checkpoint"])
    assert code == 1, out
    assert f"position {town['bente_at']}: person {town['bente']}: the name in the directory is not the one" in out
    with superuser(settings) as sql:
        sql.run("UPDATE {p}person_details SET name = ? WHERE person_id = ?", "Bente Bro", str(town["bente"]))
    assert run_verify(settings, clock, capsys, town["checkpoint"])[0] == 0


def test_an_email_changed_given_or_taken_is_named(settings, clock, capsys, town):
    for person, email in ((town["bente"], "mallory@k.dk"), (town["bente"], None), (town["carl"], "carl@k.dk")):
        with superuser(settings) as sql:
            before = sql.run("SELECT email FROM {p}person_details WHERE person_id = ?", str(person))[0][0]
            sql.run("UPDATE {p}person_details SET email = ? WHERE person_id = ?", email, str(person))
        code, out = run_verify(settings, clock, capsys)
        assert code == 1 and f"person {person}: the e-mail address in the directory is not the one" in out, out
        with superuser(settings) as sql:
            sql.run("UPDATE {p}person_details SET email = ? WHERE person_id = ?", before, str(person))
    assert run_verify(settings, clock, capsys, town["checkpoint"])[0] == 0


def test_deleting_the_salt_to_hide_a_rename_is_named(settings, clock, capsys, town):
    with superuser(settings) as sql:
        sql.run("DELETE FROM {p}person_salts WHERE person_id = ?", str(town["carl"]))
    code, out = run_verify(settings, clock, capsys)
    assert code == 1 and f"position {town['carl_at']}: person {town['carl']}: the name" in out, out
    with superuser(settings) as sql:
        head = sql.run("SELECT MAX({id}) FROM {events}")[0][0]
    bootstrap(settings, clock).close()  # the upgrade at start does not adopt it: Carl is committed already
    with superuser(settings) as sql:
        assert sql.run("SELECT MAX({id}) FROM {events}")[0][0] == head
    assert run_verify(settings, clock, capsys)[0] == 1


def test_a_silent_erasure_a_deleted_row_and_a_forged_row_are_named(settings, clock, capsys, town):
    forged = "00000000-0000-4000-8000-000000000001"
    with superuser(settings) as sql:
        sql.run("UPDATE {p}person_details SET name = NULL, email = NULL, erased_at = CURRENT_TIMESTAMP"
                " WHERE person_id = ?", str(town["bente"]))
        sql.run("DELETE FROM {p}person_details WHERE person_id = ?", str(town["carl"]))
        sql.run("INSERT INTO {p}person_details (person_id, name, email) VALUES (?, ?, ?)", forged, "Eve", None)
    code, out = run_verify(settings, clock, capsys)
    assert code == 1, out
    assert f"person {town['bente']}: erased in the directory, but the log records no erasure" in out
    assert f"person {town['carl']}: the log registered them, but the directory has no row" in out
    assert f"person {forged}: the directory has details for an id the log never registered" in out


def test_an_erasure_verifies_drops_the_salts_and_keeps_every_proof(settings, clock, capsys, town):
    runtime = bootstrap(settings, clock)
    erased = runtime.portfolio.erase_person_details(town["bente"], "request 11 (art. 17)")
    proofs = runtime.transparency.proofs
    checkpoint = town["checkpoint"]
    entry, size, path = proofs.proof_of(town["bente_at"], checkpoint.size)
    assert M.verify_inclusion(entry.idx, size, M.leaf_hash(entry.leaf), path, checkpoint.root)
    runtime.close()
    with superuser(settings) as sql:
        assert not sql.run("SELECT field FROM {p}person_salts WHERE person_id = ?", str(town["bente"]))
        assert sql.run("SELECT name, email FROM {p}person_details WHERE person_id = ?", str(town["bente"])) == [
            (None, None)]
        registration = json.loads(bytes(sql.row(town["bente_at"])[4]))
        assert registration["name_digest"].startswith("sha256:") and "Bente" not in json.dumps(registration)
    code, out = run_verify(settings, clock, capsys, checkpoint)
    assert code == 0, out
    assert "1 people's names and e-mail addresses match" in out and "1 erased, as the log records" in out
    with superuser(settings) as sql:  # the name put back after the erasure is named at the erasure
        sql.run("UPDATE {p}person_details SET name = ?, erased_at = NULL WHERE person_id = ?", "Bente Bro",
                str(town["bente"]))
    code, out = run_verify(settings, clock, capsys)
    assert code == 1 and f"position {erased.position}: person {town['bente']}: the log records the erasure" in out


def test_a_correction_through_the_api_verifies_and_the_old_name_no_longer_does(settings, clock, capsys, town):
    with serving(settings, clock) as client:
        client.headers["Authorization"] = bearer()
        api = Api(client)
        done = api.post(f"/people/{town['bente']}/correction", {"name": "Bente Bro-Hansen", "email": "bbh@k.dk"})
        shown = api.get(f"/people/{town['bente']}", after=done["position"])
        assert (shown["name"], shown["email"]) == ("Bente Bro-Hansen", "bbh@k.dk")
        events = api.as_person(town["carl"], "auditor").get("/events", after=done["position"] - 1, limit=1)["items"]
        assert events[0]["topic"] == Person.DetailsCorrected.TOPIC and "Bente" not in json.dumps(events)
        api.post(f"/people/{town['carl']}/erasure", {"basis": "request 12"})
        refused = api.post(f"/people/{town['carl']}/correction", {"name": "Carl Ceder"}, expect=409)
        assert "erased" in refused["detail"]
    code, out = run_verify(settings, clock, capsys, town["checkpoint"])
    assert code == 0, out
    with superuser(settings) as sql:
        sql.run("UPDATE {p}person_details SET name = ? WHERE person_id = ?", "Bente Bro", str(town["bente"]))
    code, out = run_verify(settings, clock, capsys)
    assert code == 1 and f"position {done['position']}: person {town['bente']}: the name" in out, out


def test_people_registered_before_names_were_committed_are_said_unverified_then_committed_once(
    settings, clock, capsys, town
):
    # A registration as it was stored before (v1: no digests), with its row in the directory.
    runtime = bootstrap(settings, clock)
    old = v1_registration(runtime.portfolio, town["unit"])
    position = runtime.portfolio.recorder.insert_events([old])[0]
    runtime.close()
    with superuser(settings) as sql:
        sql.run("INSERT INTO {p}person_details (person_id, name, email) VALUES (?, ?, ?)", str(old.originator_id),
                "Dorte Dahl", "dorte@k.dk")
    code, out = run_verify(settings, clock, capsys)
    assert code == 0, out
    assert f"not verified 1 people registered before names were committed (positions {position}-{position})" in out
    runtime = bootstrap(settings, clock)  # the upgrade
    assert runtime.portfolio.person(old.originator_id).details_committed
    committed_at = runtime.portfolio.recorder.max_notification_id()
    runtime.close()
    bootstrap(settings, clock).close()  # and again: nothing more to commit
    with superuser(settings) as sql:
        assert sql.run("SELECT MAX({id}) FROM {events}")[0][0] == committed_at
        assert sql.row(committed_at)[3] == Person.DetailsCommitted.TOPIC
    code, out = run_verify(settings, clock, capsys)
    assert code == 0 and "not verified" not in out, out
    assert f"1 of them only since the upgrade that began committing names (positions {committed_at}-{committed_at})" in out
    with superuser(settings) as sql:
        sql.run("UPDATE {p}person_details SET name = ? WHERE person_id = ?", "Eve", str(old.originator_id))
    code, out = run_verify(settings, clock, capsys)
    assert code == 1 and f"position {committed_at}: person {old.originator_id}: the name" in out, out


def v1_registration(app, unit) -> StoredEvent:
    """A person's registration in the form stored before names were committed (no digests)."""
    with app.recording():
        person = Person._create(Person.Registered, org_unit_id=unit, title=None, meta={"actor_role": "admin"})
    stored = app.mapper.to_stored_event(person.collect_events()[0])
    state = json.loads(stored.state)
    for name in ("name_digest", "email_digest", "class_version"):
        del state[name]
    return StoredEvent(stored.originator_id, 1, stored.topic, json.dumps(state).encode())


def test_a_correction_that_an_erasure_overtook_writes_nothing(settings, clock, town):
    from domain.errors import AlreadyDone

    runtime = bootstrap(settings, clock)
    try:
        head = runtime.portfolio.recorder.max_notification_id()
        runtime.directory.forget(town["bente"])  # the erasure's first step, just before the correction saves
        with pytest.raises(AlreadyDone, match="erased"):
            runtime.portfolio.correct_person(town["bente"], name="Bente Bro-Hansen")
        assert runtime.portfolio.recorder.max_notification_id() == head
        assert runtime.directory.get(town["bente"])["name"] is None
    finally:
        runtime.close()
    with superuser(settings) as sql:
        assert sql.run("SELECT MAX({id}) FROM {events}")[0][0] == head
        assert not sql.run("SELECT field FROM {p}person_salts WHERE person_id = ?", str(town["bente"]))


def test_the_upgrade_leaves_out_a_person_erased_while_it_ran(settings, clock, town):
    runtime = bootstrap(settings, clock)
    try:
        app = runtime.portfolio
        olds = [v1_registration(app, town["unit"]) for _ in range(2)]
        app.recorder.insert_events(olds)
        for old, name in zip(olds, ("Dorte Dahl", "Erik Eg")):
            with runtime.db.transaction() as cur:
                cur.execute("INSERT INTO person_details (person_id, name, email) VALUES (?, ?, ?)",
                            (old.originator_id, name, None))
        waiting = runtime.directory.uncommitted()
        runtime.directory.forget(olds[0].originator_id)  # erased after the upgrade read the directory
        assert app.commit_earlier_details(waiting) == 1
        assert runtime.directory.uncommitted() == [] and app.person(olds[1].originator_id).details_committed
        assert not app.person(olds[0].originator_id).details_committed
    finally:
        runtime.close()


def test_people_an_import_and_a_kitos_sync_register_are_committed(settings, clock, capsys, town, kitos):
    sheet = ("Systemnavn;Forvaltning;Systemejer;Systemansvarlig\r\n"
             "ESDH;Kultur;Gitte Gram <gitte@k.dk>;Hans Hald\r\n").encode()
    with serving(settings, clock) as client:
        client.headers["Authorization"] = bearer()
        answer = client.post("/imports", files={"file": ("it.csv", sheet, "text/csv")}, data={"apply": "true"})
        assert answer.status_code == 201, answer.text
    runtime = bootstrap(replace(settings, kitos=KitosAccount(kitos.url, kitos.email, kitos.password)), clock)
    try:
        assert sync(runtime, apply=True)["applied"]
        people = runtime.directory.uncommitted()
    finally:
        runtime.close()
    assert people == []
    code, out = run_verify(settings, clock, capsys)
    assert code == 0, out
    matched = int(out.split(" people's names and e-mail addresses match")[0].split()[-1])
    assert matched > 4  # the two here, the import's two, and the sync's
    with superuser(settings) as sql:
        gitte = sql.run("SELECT person_id FROM {p}person_details WHERE name = ?", "Gitte Gram")[0][0]
        sql.run("UPDATE {p}person_details SET email = ? WHERE person_id = ?", "gitte@evil.dk", str(gitte))
    code, out = run_verify(settings, clock, capsys)
    assert code == 1 and f"person {gitte}: the e-mail address in the directory is not the one" in out, out


def test_a_correction_while_verify_runs_is_not_taken_for_an_edit(settings, clock, capsys, town, monkeypatch):
    from infra import log_verify

    read = log_verify.read_directory

    def corrected_first(proofs):  # between verify's reading of the log and of the directory
        runtime = bootstrap(settings, clock)
        runtime.portfolio.correct_person(town["bente"], name="Bente Bro-Hansen")
        runtime.close()
        return read(proofs)

    monkeypatch.setattr(log_verify, "read_directory", corrected_first)
    code, out = run_verify(settings, clock, capsys)
    assert code == 0, out
    assert f"not verified person {town['bente']}: registered, corrected or erased while verify ran" in out
    monkeypatch.undo()
    code, out = run_verify(settings, clock, capsys)
    assert code == 0 and "not verified" not in out, out
