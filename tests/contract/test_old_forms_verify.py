"""A store written before the log kept codes (its events hold the composed sentences, their leaves
commit to those bytes) is read in the new form, and its proofs stay valid: upcasting happens on
reading only, so `ansvar verify` passes, a rebuild holds each old event to its leaf and rebuilds
the views it had, and erasing an old text keeps every proof and leaves the views a rebuild makes."""

from __future__ import annotations

import argparse
from datetime import timedelta

import pytest

from ansvar.bootstrap import bootstrap
from ansvar.cli import cmd_projections
from ansvar.cli_log import cmd_verify
from domain.commands import Actor
from domain.systems import System
from tests.old_forms import writing_old_forms

pytestmark = pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)

COUNCIL = Actor(role="council")


@pytest.fixture
def old_store(settings, clock):
    """Hand-overs, a council ruling, typed bases: every event stored as an older ansvar stored it."""
    runtime = bootstrap(settings, clock)
    app, today = runtime.portfolio, clock.today()
    with writing_old_forms(app):
        unit = app.establish_org_unit("Kommune", "kommune", None).id
        anne, bo, carl, dorte = (app.register_person(n, unit, None, None).id for n in ("Anne", "Bo", "Carl", "Dorte"))
        system = app.register_system("Lønsystem", "KMD", unit, "high", True, "in_operation",
                                     today - timedelta(days=900)).id
        app.assign_role(system, "systemejer", anne, today - timedelta(days=800), basis="the director's letter")
        mine = app.make_claim(system, "forretningsejer", bo, "We run it", actor=Actor(bo, "owner")).id
        app.make_claim(system, "forretningsejer", carl, "We pay", actor=Actor(carl, "owner"))
        app.record_decision("ownership_ruling", "Bo's team carries the budget.", COUNCIL, decided_by=[dorte],
                            subjects=[{"kind": "system", "id": str(system)}], confirmed_claim_id=mine)
        offer = app.hand_over(system, "systemejer", carl, today, None, actor=Actor(anne, "owner")).id
        app.assign_role(system, "dataejer", dorte, today - timedelta(days=100), basis="handover: Søren overtager … januar.")
        app.accept_handover(offer, actor=Actor(carl, "owner"))
    runtime.catchup.run_until_caught_up()
    with runtime.db.transaction(write=False) as cur:
        cur.execute("SELECT kind, role, basis, basis_code FROM responsibility_facts ORDER BY position")
        facts = [tuple(r.values()) for r in cur.fetchall()]
        cur.execute("SELECT position FROM responsibility_facts WHERE role = 'dataejer'")
        dataejer = cur.fetchone()["position"]
    stored = [n.state for n in app.recorder.select_notifications(1, 1000)]
    runtime.close()
    return {"system": system, "facts": facts, "stored": stored, "dataejer": dataejer}


def verify(settings, clock, capsys) -> tuple[int, str]:
    code = cmd_verify(settings, clock, argparse.Namespace(checkpoint=[], export=None, key=None, json=False))
    return code, " ".join(capsys.readouterr().out.split())


def rebuild(settings, clock) -> int:
    return cmd_projections(settings, clock, argparse.Namespace(action="rebuild", names=[], batch=None,
                                                               accept_broken_log=False))


def test_the_old_sentences_are_stored_and_read_as_codes(old_store):
    stored = b"\n".join(old_store["stored"])
    assert b'"basis":"claim confirmed"' in stored and b"ruled by the council: " in stored
    assert b'"basis":"handover"' in stored and b"basis_code" not in stored
    assert old_store["facts"] == [
        ("assignment", "systemejer", "the director's letter", None),
        ("assignment", "forretningsejer", None, "claim_confirmed"),
        ("assignment", "dataejer", "Søren overtager … januar.", "handover"),
        ("assignment", "systemejer", None, "handover"),
    ]


def test_a_store_of_old_forms_verifies_and_rebuilds_to_the_same_views(settings, clock, capsys, old_store):
    code, said = verify(settings, clock, capsys)
    assert code == 0, said
    runtime = bootstrap(settings, clock)
    runtime.catchup.run_until_caught_up()
    before = runtime.catchup.checksums()
    runtime.close()
    assert rebuild(settings, clock) == 0  # each old event held to its leaf on the way
    runtime = bootstrap(settings, clock)
    runtime.catchup.run_until_caught_up()
    assert runtime.catchup.checksums() == before
    assert [n.state for n in runtime.portfolio.recorder.select_notifications(1, 1000)] == old_store["stored"]
    runtime.close()


def test_erasing_an_old_text_that_held_the_code_keeps_the_proofs_and_equals_a_rebuild(settings, clock, capsys,
                                                                                     old_store):
    runtime = bootstrap(settings, clock)
    app = runtime.portfolio
    app.erase_text(old_store["dataejer"], "request 7 (art. 17)")
    erasure = app.mapper.to_domain_event(list(app.recorder.select_notifications(app.recorder.max_notification_id(), 1))[0])
    assert isinstance(erasure, System.TextErased) and erasure.code_erased  # "handover: ..." went as a whole
    runtime.catchup.run_until_caught_up()
    with runtime.db.transaction(write=False) as cur:
        cur.execute("SELECT basis, basis_code FROM responsibility_facts WHERE position = ?", (old_store["dataejer"],))
        assert tuple(cur.fetchone().values()) == ("[erased]", None)
    live = runtime.catchup.checksums()
    runtime.close()
    code, said = verify(settings, clock, capsys)
    assert code == 0, said
    assert rebuild(settings, clock) == 0
    runtime = bootstrap(settings, clock)
    runtime.catchup.run_until_caught_up()
    assert runtime.catchup.checksums() == live
    runtime.close()
