"""The demo municipality: believable, deterministic per seed, loaded once, and with something true
to show for every view and gap rule; on every backend."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from ansvar import demo
from ansvar.bootstrap import bootstrap
from domain.gaps import RULES
from infra.settings import Database, Settings
from tests.registers import export_file, import_file

pytestmark = pytest.mark.slow  # every test loads the demo municipality


@pytest.fixture
def town(settings, clock):
    runtime = bootstrap(settings, clock)
    assert demo.load(runtime.portfolio, seed=7)
    runtime.catchup.run_until_caught_up()
    yield runtime
    runtime.close()


def _gap_rules_at(runtime, day) -> Counter:
    with runtime.db.transaction(write=False) as cur:
        cur.execute(
            "SELECT rule FROM responsibility_gaps WHERE since <= ? AND (until IS NULL OR until > ?)", (day, day)
        )
        return Counter(r["rule"] for r in cur.fetchall())


def _count(runtime, sql: str) -> int:
    with runtime.db.transaction(write=False) as cur:
        cur.execute(sql)
        return cur.fetchone()["n"]


def test_about_three_hundred_systems_in_seven_forvaltninger(town):
    assert 280 <= _count(town, "SELECT COUNT(*) AS n FROM systems") <= 330
    assert _count(town, "SELECT COUNT(*) AS n FROM org_units WHERE level = 'forvaltning'") == 7


def test_the_history_has_handovers_corrections_departures_claims_attestations_and_decommissioning(town, today):
    facts = "SELECT COUNT(*) AS n FROM responsibility_facts WHERE "
    assert _count(town, facts + "basis_code = 'demo' AND basis_params = '{\"step\":\"handover\"}'") > 50
    assert _count(town, facts + "basis_code = 'demo' AND basis_params = '{\"step\":\"correction\"}'"
                  " AND effective_to IS NOT NULL") > 10  # late corrections
    assert _count(town, facts + "kind = 'vacancy'") > 5
    assert _count(town, "SELECT COUNT(*) AS n FROM people WHERE departed_on IS NOT NULL") > 5
    assert _count(town, "SELECT COUNT(*) AS n FROM org_units WHERE dissolved_on IS NOT NULL") == 1
    statuses = {s for s in ("open", "confirmed", "rejected")
                if _count(town, f"SELECT COUNT(*) AS n FROM claims WHERE status = '{s}'")}
    assert statuses == {"open", "confirmed", "rejected"}
    assert _count(town, "SELECT COUNT(*) AS n FROM attestations") > 100
    assert _count(town, "SELECT COUNT(*) AS n FROM lifecycle_changes WHERE lifecycle = 'decommissioned'") > 0
    earliest = _count(town, "SELECT COUNT(*) AS n FROM responsibility_facts WHERE effective_from < '" + str(today - timedelta(days=3 * 365 - 30)) + "'")
    assert earliest > 100  # valid time reaches back three years and more


def test_every_gap_rule_has_something_true_to_show_today(town, today):
    now = _gap_rules_at(town, today)
    # Claims carry the date they were made, so the demo holds claims unanswered for weeks today.
    assert set(RULES) <= set(now)
    assert now["attestation_overdue"] > 0 and now["claim_unanswered"] > 0


def test_loaded_only_into_an_empty_store(town):
    head = town.portfolio.recorder.max_notification_id()
    assert demo.load(town.portfolio, seed=7) is False
    assert town.portfolio.recorder.max_notification_id() == head


def test_the_same_seed_builds_the_same_municipality_and_another_seed_another(town, clock, tmp_path):
    def register(seed: int) -> bytes:
        other = bootstrap(Settings(database=Database("sqlite", path=tmp_path / f"s{seed}.db")), clock)
        try:
            demo.load(other.portfolio, seed=seed)
            return export_file(other, "register", "csv")
        finally:
            other.close()

    assert register(7) == export_file(town, "register", "csv")
    assert register(8) != export_file(town, "register", "csv")


def test_the_demo_register_reimports_with_no_new_events(town):
    head = town.portfolio.recorder.max_notification_id()
    for kind in ("csv", "xlsx"):
        report = import_file(town, export_file(town, "register", kind), f"register.{kind}", apply=True)
        assert not report["applied"] and report["duplicates"] == 0
        assert report["systems"]["to_create"] == 0 and report["people"]["to_create"] == 0
    assert town.portfolio.recorder.max_notification_id() == head


def test_the_council_has_a_year_to_show(town):
    kinds = {r["kind"] for r in _rows(town, "SELECT DISTINCT kind FROM decisions")}
    assert kinds == {"prioritisation", "approval", "rejection", "deferral", "benefit_review", "ownership_ruling", "decommission"}
    statuses = {r["status"] for r in _rows(town, "SELECT DISTINCT status FROM proposals")}
    assert {"submitted", "under_assessment", "approved", "rejected", "deferred", "withdrawn", "implemented"} <= statuses
    assert _count(town, "SELECT COUNT(*) AS n FROM decisions WHERE superseded_by IS NOT NULL") == 1
    assert _count(town, "SELECT COUNT(*) AS n FROM decommissionings") >= 1


def _rows(runtime, sql: str) -> list[dict]:
    with runtime.db.transaction(write=False) as cur:
        cur.execute(sql)
        return cur.fetchall()


def test_every_export_works_in_every_format_on_the_demo(town):
    import csv
    import io

    import openpyxl

    from projections.register_queries import EXPORTS

    for what, (headers, _, _) in EXPORTS.items():
        table = list(csv.reader(io.StringIO(export_file(town, what, "csv").decode("utf-8-sig")), delimiter=";"))
        assert table[0] == headers and len(table) > 2, what
        book = openpyxl.load_workbook(io.BytesIO(export_file(town, what, "xlsx")), read_only=True)
        rows = list(book.worksheets[0].iter_rows(values_only=True))
        assert list(rows[0]) == headers and len(rows) == len(table), what


def test_the_demo_was_recorded_over_the_years_it_describes(town, today):
    # Record times spread over three years (not the load's instant), in the log's order
    rows = _rows(town, "SELECT recorded_at FROM responsibility_facts ORDER BY position")
    recorded = [r["recorded_at"] for r in rows]
    assert len({str(r)[:7] for r in recorded}) > 24  # facts recorded in more than two years' months
    assert _count(town, "SELECT COUNT(*) AS n FROM responsibility_facts WHERE recorded_at > effective_from") > 100


def test_one_system_on_one_date_answers_differently_as_the_record_stood_on_two_dates_both_explained(town):
    import anyio.from_thread

    from api import explain
    from domain.clock import end_of_day, local_date

    def ask(portal, system_id, role, day, when):
        answer = portal.call(explain.accountability, town.reads, system_id, day, when)
        return next(r for r in answer.roles if r.role == role)

    # Given the late corrections: facts recorded after the period they describe had ended
    late = _rows(town, "SELECT system_id, role, person_id, effective_from, effective_to, recorded_at, position"
                       " FROM responsibility_facts WHERE effective_to IS NOT NULL AND recorded_at > effective_to"
                       " AND person_id IS NOT NULL ORDER BY position")
    assert late
    shown = 0
    with anyio.from_thread.start_blocking_portal() as portal:  # one event loop: the PostgreSQL pool lives in it
        for fact in late:
            day = _date(fact["effective_from"]) + timedelta(days=30)  # D: inside the corrected stretch
            recorded_on = local_date(_instant(fact["recorded_at"]))
            k1, k2 = end_of_day(recorded_on - timedelta(days=1)), end_of_day(recorded_on)
            # When asked about D as the record stood the day before the correction, and on its day
            before = ask(portal, fact["system_id"], fact["role"], day, k1)
            after = ask(portal, fact["system_id"], fact["role"], day, k2)
            assert after.holder is not None and str(after.holder.id) == str(fact["person_id"])
            assert after.fact.position == fact["position"] and after.fact.effective_to == _date(fact["effective_to"])
            if before.holder is None or before.holder.id == after.holder.id:
                continue  # the correction named the person the record already had: the same answer
            # Then two different answers, each explained by the fact it rests on, recorded before the time asked
            assert before.fact is not None and before.fact.position < fact["position"]
            assert before.fact.recorded_at <= k1 < after.fact.recorded_at <= k2
            assert before.why and after.why and before.why != after.why
            shown += 1
    assert shown >= 5


def _date(value):
    from datetime import date

    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _instant(value):
    from datetime import datetime

    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def test_the_demo_stores_codes_not_composed_sentences(town):
    """What ansvar composes is a code (domain/basis.py); the demo's typed words are Danish, as a person's."""
    from tests.unit.test_basis_codes import COMPOSED

    found = [(n.id, n.topic) for n in town.portfolio.recorder.select_notifications(1, 1_000_000)
             if any(s.encode() in n.state for s in COMPOSED)]
    assert found == []
    codes = _count(town, "SELECT COUNT(DISTINCT basis_code) AS n FROM responsibility_facts")
    assert codes >= 3  # demo, handover, claim_confirmed at least
