"""Invariants of import and export over generated inventories (memory backend):
importing twice writes once, and an exported register re-imports without a single new event."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansvar.bootstrap import bootstrap
from domain.clock import ManualClock
from infra.settings import Database, Settings
from tests.registers import export_file, import_file
from tests.story import TEST_TODAY, day, on

PEOPLE = ["Bo Larsen", "Ib Møller", "Anne Holm", "anne.holm@kommune.dk", "Kim Nielsen (teamleder, Løn)"]
NOT_ONE_PERSON = ["Løn", "IT-drift", "Bo Larsen / Ib Møller", "IT", ""]
#: Dates in use since, in the ways people type them (the year of a story's 2019), and one ahead
#: of today: a system registered to go into use later is in the register as it said, not again.
YEAR = day("2019-02-01").year
IN_USE_FROM = [str(YEAR), f"feb {YEAR}", f"1.2.{YEAR}", "", on("2024-05-01"), on("2027-03-01")]
cells = st.sampled_from(PEOPLE + NOT_ONE_PERSON)
rows = st.lists(
    st.tuples(
        st.sampled_from(["ESDH", "Lønsystem", "Vagtplan", "GIS", "Kitos", "esdh "]),
        st.sampled_from(["Løn", "Økonomi", "IT-drift"]),
        cells, cells, cells,
        st.sampled_from(["Høj", "lav", "", "Kritisk", "Middel"]),
        st.sampled_from(["I drift", "Pilot", "Under udfasning", ""]),
        st.sampled_from(IN_USE_FROM),
    ),
    min_size=1, max_size=8,
)


def as_csv(data: list[tuple]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Systemnavn", "Afdeling", "Systemejer", "Systemansvarlig", "Teknisk kontakt", "Kritikalitet",
                     "Livscyklus", "Ibrugtagning", "Forvaltning"])
    writer.writerows([[*r, "Økonomiforvaltningen"] for r in data])
    return out.getvalue().encode("utf-8")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows)
def test_import_is_idempotent_and_the_export_reimports_with_no_new_events(data):
    runtime = bootstrap(Settings(database=Database("memory"), log_level="warning"), ManualClock.on(TEST_TODAY))
    try:
        content = as_csv(data)
        import_file(runtime, content, "inventory.csv", apply=True)
        head = runtime.portfolio.recorder.max_notification_id()
        assert not import_file(runtime, content, "inventory.csv", apply=True)["applied"]
        for kind in ("csv", "xlsx"):
            report = import_file(runtime, export_file(runtime, "register", kind), f"register.{kind}", apply=True)
            assert not report["applied"], report["problems"]
        assert runtime.portfolio.recorder.max_notification_id() == head
    finally:
        runtime.close()
