"""An applied import is written all or nothing, on every backend."""

from __future__ import annotations

import pytest

from ansvar.bootstrap import bootstrap
from domain.errors import ConcurrentChange
from domain.import_plan import plan_import
from infra import spreadsheet
from tests.registers import import_file, snapshot

FIRST = "Systemnavn;Forvaltning;Afdeling;Systemejer\r\nLønsystem;Økonomiforvaltningen;Løn;Bo Larsen\r\n".encode()
SECOND = FIRST + "Rekruttering;Økonomiforvaltningen;Løn;Ib Møller\r\nVagtplan;Økonomiforvaltningen;Løn;Ib Møller\r\n".encode()


@pytest.fixture
def runtime(settings, clock):
    rt = bootstrap(settings, clock)
    yield rt
    rt.close()


def test_given_a_name_taken_meanwhile_when_applied_then_nothing_of_the_import_is_written(runtime, today):
    import_file(runtime, FIRST, "first.csv", apply=True)
    sheet = spreadsheet.read(SECOND, "second.csv")
    plan = plan_import(sheet.rows, sheet.headers, snapshot(runtime, today), today)
    assert [s.name for s in plan.systems] == ["Rekruttering", "Vagtplan"] and len(plan.people) == 1
    unit = plan.systems[0].unit
    # Meanwhile someone registers "Vagtplan" in the same afdeling through the ordinary command.
    runtime.portfolio.register_system("Vagtplan", None, unit, "low", False, "pilot")
    head = runtime.portfolio.recorder.max_notification_id()
    with pytest.raises(ConcurrentChange):
        runtime.portfolio.import_inventory(plan, {"file": "second.csv", "sha256": sheet.sha256})
    assert runtime.portfolio.recorder.max_notification_id() == head  # not even "Rekruttering" or Ib Møller
    report = import_file(runtime, SECOND, "second.csv")
    assert report["systems"] == {"to_create": 1, "matched": 2}  # re-running the import picks up from here


def test_given_a_holder_changed_after_planning_when_applied_then_nothing_is_written(runtime, today):
    import_file(runtime, FIRST, "first.csv", apply=True)
    update = FIRST.replace("Bo Larsen".encode(), "Ib Møller".encode())
    sheet = spreadsheet.read(update, "update.csv")
    known = snapshot(runtime, today)
    plan = plan_import(sheet.rows, sheet.headers, known, today)
    assert [(c.kind, c.role) for c in plan.changes] == [("assign", "systemejer")]
    system = known.systems[0]
    other = runtime.portfolio.register_person("Kim Holm", system.org_unit_id, None, None).id
    runtime.portfolio.assign_role(system.id, "systemejer", other, today)  # someone else, meanwhile
    head = runtime.portfolio.recorder.max_notification_id()
    with pytest.raises(ConcurrentChange):
        runtime.portfolio.import_inventory(plan, {"file": "update.csv", "sha256": sheet.sha256})
    assert runtime.portfolio.recorder.max_notification_id() == head
