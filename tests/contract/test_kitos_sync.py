"""`ansvar kitos sync` against the stand-in KITOS: a municipality of several hundred usages over
two pages, a 429 part-way, users without an e-mail, a usage with two Systemejere, an unknown
role, the 2026 shape. A dry run writes nothing; --apply writes it all; a second sync writes
nothing; two changes in KITOS come over as exactly those, dated by lastModified; a wrong
password writes nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

import anyio
import pytest

from ansvar.bootstrap import bootstrap
from domain.errors import UpstreamRefused
from infra.settings import KitosAccount
from tests.kitos_standin import StandIn
from usecases import kitos_sync

pytestmark = pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
ORG = "c0ffee00-2222-4b3c-9d4e-5f6a7b8c9d0e"
USAGES = 320


def uid(kind: int, n: int) -> str:
    return f"{kind:08d}-0000-4000-8000-{n:012d}"


def pair(uuid: str, name: str) -> dict[str, str]:
    return {"uuid": uuid, "name": name}


def municipality(k: StandIn) -> None:
    root = {"uuid": uid(1, 0), "name": "Eksempel Kommune", "parentOrganizationUnit": None, "origin": "Kitos"}
    units = [root]
    for f in range(3):
        fv = {"uuid": uid(1, 10 + f), "name": f"Forvaltning {f}", "parentOrganizationUnit": pair(root["uuid"], root["name"])}
        units.append(fv)
        for a in range(2):
            units.append({"uuid": uid(1, 100 + 10 * f + a), "name": f"Afdeling {f}.{a}",
                          "parentOrganizationUnit": pair(fv["uuid"], fv["name"])})
    team = {"uuid": uid(1, 900), "name": "Team Løn", "parentOrganizationUnit": pair(uid(1, 100), "Afdeling 0.0")}
    deep = {"uuid": uid(1, 901), "name": "Gruppe Løn A", "parentOrganizationUnit": pair(team["uuid"], team["name"])}
    k.units[ORG] = [*units, team, deep]
    users = [{"uuid": uid(2, n), "name": f"Bruger {n} Hansen", "firstName": f"Bruger {n}", "lastName": "Hansen",
              "email": f"bruger{n}@eksempel.dk" if n % 20 else None} for n in range(60)]
    k.users[ORG] = users
    leaves = [u for u in units if u["name"].startswith("Afdeling")] + [team, deep]
    k.usages[ORG] = []
    for n in range(USAGES):
        unit = leaves[n % len(leaves)]
        roles = [{"user": pair(users[n % 60]["uuid"], users[n % 60]["name"]), "role": pair(uid(3, 1), "Systemejer")},
                 {"user": pair(users[(n + 7) % 60]["uuid"], users[(n + 7) % 60]["name"]),
                  "role": pair(uid(3, 2), "Systemansvarlig")}]
        if n == 9:  # two Systemejere (on a system in operation): not guessed
            roles.append({"user": pair(users[33]["uuid"], users[33]["name"]), "role": pair(uid(3, 1), "Systemejer")})
        if n == 6:
            roles.append({"user": pair(users[8]["uuid"], users[8]["name"]), "role": pair(uid(3, 9), "Lokal IT-koordinator")})
        usage: dict[str, Any] = {
            "uuid": uid(4, n), "lastModified": f"2025-03-14T09:{12 + n // 60:02d}:{n % 60:02d}.123Z",
            "systemContext": pair(uid(5, n), f"System {n:03d}"),
            "organizationContext": {"uuid": ORG, "name": "Eksempel Kommune", "cvr": "12345678"},
            "general": {"validity": {"lifeCycleStatus": ["Operational", "PhasingOut", "NotInUse"][n % 3], "valid": True,
                                     "validFrom": "2019-01-01T00:00:00Z"}},
            "roles": roles,
            "organizationUsage": {"responsibleOrganizationUnit": pair(unit["uuid"], unit["name"]), "usingOrganizationUnits": []},
            "archiving": {"archiveDuty": "Undecided" if n == 7 else "B"},
            "gdpr": {"businessCritical": "Yes" if n % 2 else "No", "dataSensitivityLevels": ["PersonData"] if n % 4 else ["None"]},
            "unknownFieldFromTheFuture": {"ignored": True},
        }
        if n % 50 == 1:  # the 2026 shape: criticality moved to general, a new lifecycle status
            del usage["gdpr"]["businessCritical"]
            usage["general"].update({"isBusinessCritical": "Yes", "systemUsageCriticalityLevel": pair(uid(6, 1), "Høj")})
            usage["general"]["validity"]["lifeCycleStatus"] = "Pilot"
        k.usages[ORG].append(usage)


@pytest.fixture
def kitos():
    k = StandIn()
    municipality(k)
    yield k
    k.close()


@pytest.fixture
def runtime(settings, clock, kitos):
    config = replace(settings, kitos=KitosAccount(kitos.url, kitos.email, kitos.password))
    rt = bootstrap(config, clock)
    yield rt
    rt.close()


def run(rt, **kwargs) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        try:
            return await kitos_sync.sync(rt, ORG, **kwargs)
        finally:
            await rt.reads.reader.close()  # its pool belongs to this event loop (as ansvar/cli_inventory.py does)

    rt.catchup.run_until_caught_up()
    result = anyio.run(go)
    rt.catchup.run_until_caught_up()
    return result


def head(rt) -> int:
    return rt.catchup.head()


def rows(rt, sql: str, *args: Any) -> list[dict[str, Any]]:
    with rt.db.transaction(write=False) as cur:
        cur.execute(sql, args)
        return [dict(r) for r in cur.fetchall()]


def test_a_dry_run_reports_everything_and_writes_nothing(runtime, kitos):
    kitos.fail("/api/v2/it-system-usages", 429, **{"Retry-After": "0"})  # part-way: the first page's first try
    report = run(runtime)
    assert head(runtime) == 0 and report["dry_run"] and not report["applied"]
    assert report["usages_read"] == USAGES and report["systems"]["to_create"] == USAGES
    assert report["org_units"]["to_create"] == len(kitos.units[ORG])
    kinds = {p["kind"] for p in report["problems"]}
    assert {"unknown_role", "flagged_holder", "no_email", "guessed"} <= kinds
    unknown = next(p for p in report["problems"] if p["kind"] == "unknown_role")
    assert unknown["uuid"] == uid(4, 6) and unknown["field"] == "roles" and unknown["value"] == "Lokal IT-koordinator"
    guessed = next(p for p in report["problems"] if p["kind"] == "guessed")
    assert guessed["uuid"] == uid(1, 901)  # five levels deep: recorded as a team, for an admin to check
    pages = [q["page"] for m, p, q in kitos.log if p == "/api/v2/it-system-usages"]
    assert pages == [["0"], ["0"], ["1"]]  # the 429, the retry, the second page


def test_apply_writes_it_all_and_a_second_sync_writes_nothing(runtime, kitos):
    report = run(runtime, apply=True)
    assert report["applied"] and report["position"] == head(runtime)
    systems = rows(runtime, "SELECT id, name, criticality, personal_data FROM systems ORDER BY name")
    assert len(systems) == USAGES
    by_name = {s["name"]: s for s in systems}
    assert by_name["System 001"]["criticality"] == "high" and by_name["System 003"]["criticality"] == "critical"
    assert by_name["System 000"]["criticality"] == "medium"
    duties = {r["name"]: r["archive_duty"] for r in rows(runtime, "SELECT name, archive_duty FROM systems")}
    assert duties["System 000"] == "B" and duties["System 007"] is None  # "Undecided" states nothing
    assert not by_name["System 000"]["personal_data"] and by_name["System 001"]["personal_data"]
    lifecycles = {r["name"]: r["lifecycle"] for r in rows(
        runtime, "SELECT s.name, l.lifecycle FROM lifecycle_changes l JOIN systems s ON s.id = l.system_id")}
    assert lifecycles["System 000"] == "in_operation" and lifecycles["System 002"] == "not_in_operation"
    assert lifecycles["System 001"] == "pilot" and lifecycles["System 004"] == "phasing_out"
    # Holders as KITOS has them; two Systemejere: vacant, with the reason, in the gap report.
    facts = rows(runtime, "SELECT s.name, f.role, f.kind, f.basis, f.person_id, f.effective_from, f.source"
                          " FROM responsibility_facts f JOIN systems s ON s.id = f.system_id")
    nine = [f for f in facts if f["name"] == "System 009" and f["role"] == "systemejer"]
    assert len(nine) == 1 and nine[0]["kind"] == "vacancy" and "2 holders of systemejer" in nine[0]["basis"]
    owner = next(f for f in facts if f["name"] == "System 010" and f["role"] == "systemejer")
    email = rows(runtime, "SELECT email FROM person_details WHERE person_id = ?", owner["person_id"])[0]["email"]
    assert email == "bruger10@eksempel.dk" and str(owner["effective_from"])[:10] == "2025-03-14"  # dated by lastModified
    assert uid(4, 10) in owner["source"] and "lastModified" in owner["source"]  # its provenance
    gaps = rows(runtime, "SELECT rule, detail FROM responsibility_gaps WHERE system_id = ?", by_name["System 009"]["id"])
    assert any("2 holders" in g["detail"] for g in gaps)
    # A second sync of an unchanged KITOS writes no event.
    before = head(runtime)
    again = run(runtime, apply=True, since=None)
    assert head(runtime) == before and not again["applied"] and again["facts"] == {
        "assignments": 0, "vacancies": 0, "lifecycle_changes": 0, "details_changes": 0, "archive_duty_changes": 0}


def test_two_changes_in_kitos_come_over_as_exactly_those(runtime, kitos):
    run(runtime, apply=True)
    before = head(runtime)
    usages = {u["uuid"]: u for u in kitos.usages[ORG]}
    moved, retired = usages[uid(4, 20)], usages[uid(4, 21)]
    moved["roles"][0]["user"] = pair(uid(2, 44), "Bruger 44 Hansen")
    moved["lastModified"] = "2026-01-10T08:00:00.000Z"
    retired["general"]["validity"]["lifeCycleStatus"] = "PhasingOut"
    retired["lastModified"] = "2026-01-11T08:00:00.000Z"
    kitos.deleted.append({"occurredAtUtc": "2026-01-12T08:00:00.000Z", "entityUuid": uid(4, 22), "entityType": "ItSystemUsage"})
    report = run(runtime, apply=True)  # since the last sync, remembered
    # Since the newest lastModified the last sync saw (KITOS's clock, inclusive): the two changed, and that one again.
    assert report["since"].startswith("2025-03-14T09:17:19") and report["usages_read"] == 3
    assert report["facts"] == {"assignments": 1, "vacancies": 0, "lifecycle_changes": 1, "details_changes": 0,
                               "archive_duty_changes": 0}
    assert head(runtime) == before + 2  # one event each, on the two systems
    assert [d["uuid"] for d in report["deleted_in_kitos"]] == [uid(4, 22)] and report["deleted_in_kitos"][0]["system_id"]
    sent = [q for m, p, q in kitos.log if p == "/api/v2/it-system-usages"][-1]
    assert "changedSinceGtEq" in sent
    latest = rows(runtime, "SELECT f.effective_from FROM responsibility_facts f ORDER BY f.position DESC LIMIT 1")[0]
    assert str(latest["effective_from"])[:10] == "2026-01-10"


def test_a_wrong_password_writes_nothing_and_says_why(runtime, kitos):
    kitos.password = "changed"
    with pytest.raises(UpstreamRefused) as caught:
        run(runtime, apply=True)
    assert "401" in str(caught.value) and kitos.url in str(caught.value)
    assert head(runtime) == 0


def test_a_municipalitys_role_names_map_by_file(runtime, kitos):
    report = run(runtime, roles=kitos_sync.read_roles(b'{"Lokal IT-koordinator": "teknisk_ansvarlig"}'))
    assert "unknown_role" not in {p["kind"] for p in report["problems"]}
    with pytest.raises(Exception):
        kitos_sync.read_roles(b'{"X": "no such role"}')


def test_the_command_line_dry_run_then_apply(settings, clock, kitos, capsys):
    import argparse

    from ansvar.cli_kitos import cmd_kitos

    config = replace(settings, kitos=KitosAccount(kitos.url, kitos.email, kitos.password))
    args = argparse.Namespace(action="sync", organization=ORG, apply=False, since=None, roles=None, json=False)
    assert cmd_kitos(config, clock, args) == 0
    said = " ".join(capsys.readouterr().out.split())
    assert f"{USAGES} usages" in said and "dry run: nothing written" in said and "unknown_role" in said
    assert cmd_kitos(config, clock, argparse.Namespace(**{**vars(args), "apply": True})) == 0
    assert "written in one transaction, up to log position" in " ".join(capsys.readouterr().out.split())
    kitos.password = "changed"
    assert cmd_kitos(config, clock, args) == 2
    assert "nothing was written" in " ".join(capsys.readouterr().err.split())


def test_the_command_line_plan_as_json_for_a_script(settings, clock, kitos, capsys):
    import argparse
    import json

    from ansvar.cli_kitos import cmd_kitos

    config = replace(settings, kitos=KitosAccount(kitos.url, kitos.email, kitos.password))
    args = argparse.Namespace(action="sync", organization=ORG, apply=False, since=None, roles=None, json=True)
    assert cmd_kitos(config, clock, args) == 0
    shown = capsys.readouterr()
    plan = json.loads(shown.out)  # one document, nothing else on stdout; the progress bars are on stderr
    assert plan["usages_read"] == USAGES and plan["dry_run"] is True and plan["applied"] is False
    assert plan["systems"]["to_create"] > 0 and set(plan["facts"]) >= {"assignments", "vacancies"}
    assert "unknown_role" in {p["kind"] for p in plan["problems"]}
    assert "KITOS" in shown.err
    kitos.password = "changed"
    assert cmd_kitos(config, clock, args) == 2  # the exit code as without --json
    refused = json.loads(capsys.readouterr().out)
    assert refused["ok"] is False and "nothing was written" in refused["error"]


def test_a_kitos_without_the_user_list_or_the_delta_feed_still_syncs(runtime, kitos):
    original = kitos.route

    def without(path, query):
        if path.endswith("/users") or "delta-feed" in path:
            return 404, {"message": "not here"}
        return original(path, query)

    kitos.route = without
    first = run(runtime, apply=True)
    assert first["applied"] and first["people"]["to_create"] > 0  # each user looked up on its own
    again = run(runtime, apply=True, since=datetime(2020, 1, 1, tzinfo=timezone.utc))
    assert not again["applied"] and again["deleted_in_kitos"] == [] and "404" in again["deleted_feed"]


def test_a_register_filled_from_a_spreadsheet_is_matched_not_duplicated(runtime, kitos):
    from datetime import date as day

    app = runtime.portfolio
    root = app.establish_org_unit("Eksempel Kommune", "kommune", None).id
    forvaltning = app.establish_org_unit("Forvaltning 0", "forvaltning", root).id
    afdeling = app.establish_org_unit("Afdeling 0.0", "afdeling", forvaltning).id
    app.register_system("System 000", None, afdeling, "low", False, "in_operation", day(2020, 1, 1))
    report = run(runtime, apply=True)
    assert report["applied"] and report["systems"]["matched"] == 1 and report["systems"]["to_create"] == USAGES - 1
    assert any(p["kind"] == "linked" and p["value"] == "System 000" for p in report["problems"])
    assert len(rows(runtime, "SELECT id FROM systems WHERE name = 'System 000'")) == 1


def test_entries_kitos_should_not_send_are_reported_not_a_crash(runtime, kitos):
    kitos.usages[ORG] += ["not an object", {"no": "uuid"}]
    kitos.usages[ORG][0]["roles"].append(None)
    kitos.usages[ORG][1]["roles"] = "Systemejer"
    kitos.units[ORG].append(17)
    report = run(runtime)
    unreadable = [p for p in report["problems"] if p["kind"] == "unreadable"]
    assert len(unreadable) == 4 and report["systems"]["to_create"] == USAGES and head(runtime) == 0


def test_look_alikes_are_matched_and_an_address_several_people_have_is_not_guessed(runtime, kitos, monkeypatch):
    from datetime import date as day

    app = runtime.portfolio
    root = app.establish_org_unit("Eksempel Kommune", "kommune", None).id
    forvaltning = app.establish_org_unit("Forvaltning 0", "forvaltning", root).id
    afdeling = app.establish_org_unit("Afdeling 0.0", "afdeling", forvaltning).id
    app.register_system("Sуstem\u200b000", None, afdeling, "low", False, "in_operation", day(2020, 1, 1))  # a Cyrillic у
    monkeypatch.setattr(app, "_emails_unused", lambda *_: None)  # two people with one address, as before the rule
    twins = {app.register_person(f"Bruger 1 Hansen {n}", root, None, e).id for n, e in enumerate(("bruger1@eksempel.dk",
                                                                                                  "BRUGER1@eksempel.dk"))}
    report = run(runtime, apply=True)
    assert report["systems"]["matched"] == 1 and report["systems"]["to_create"] == USAGES - 1
    assert rows(runtime, "SELECT id FROM systems WHERE name = 'System 000'") == []  # the register's one, not a second
    assert any(p["kind"] == "flagged_holder" and p["value"] == "bruger1@eksempel.dk" and "2 people" in p["detail"]
               for p in report["problems"])
    held = rows(runtime, "SELECT DISTINCT person_id FROM responsibility_facts WHERE person_id IS NOT NULL")
    assert not twins & {r["person_id"] for r in held}
