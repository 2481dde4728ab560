"""Invariants of import and export over generated inventories (memory backend):
importing twice writes once, and an exported register re-imports without a single new event."""

from __future__ import annotations

import csv
import io
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.export import export
from infra.inventory_import import run_import
from infra.runtime import build
from infra.settings import Database, Settings

TODAY = date(2026, 11, 22)
PEOPLE = ["Bo Larsen", "Ib Møller", "Anne Holm", "anne.holm@kommune.dk", "Kim Nielsen (teamleder, Løn)"]
NOT_ONE_PERSON = ["Løn", "IT-drift", "Bo Larsen / Ib Møller", "IT", ""]
cells = st.sampled_from(PEOPLE + NOT_ONE_PERSON)
rows = st.lists(
    st.tuples(
        st.sampled_from(["ESDH", "Lønsystem", "Vagtplan", "GIS", "Kitos", "esdh "]),
        st.sampled_from(["Løn", "Økonomi", "IT-drift"]),
        cells, cells, cells,
        st.sampled_from(["Høj", "lav", "", "Kritisk", "Middel"]),
        st.sampled_from(["I drift", "Pilot", "Under udfasning", ""]),
        st.sampled_from(["2019", "feb 2019", "1.2.2019", "", "2024-05-01"]),
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
    runtime = build(Settings(database=Database("memory"), log_level="warning"), lambda: TODAY)
    try:
        content = as_csv(data)
        run_import(runtime, content, "inventory.csv", apply=True)
        runtime.catchup.run_until_caught_up()
        head = runtime.portfolio.recorder.max_notification_id()
        assert not run_import(runtime, content, "inventory.csv", apply=True)["applied"]
        for kind in ("csv", "xlsx"):
            report = run_import(runtime, export(runtime, "register", kind), f"register.{kind}", apply=True)
            assert not report["applied"], report["problems"]
        assert runtime.portfolio.recorder.max_notification_id() == head
    finally:
        runtime.close()
