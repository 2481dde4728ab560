"""Regressions for what the fuzzers found, each as the plain scenario that broke."""

from __future__ import annotations


def test_after_an_attestation_my_responsibilities_show_when_i_last_attested(api, today):
    # Was a 500 on SQLite: MAX(attested_on) came back as text and was compared with a date.
    unit = api.org_unit("Kommune", "kommune")
    person = api.person("Ejer", unit)
    system = api.system("ESDH", unit)
    api.assign(system, "systemejer", person, "2021-01-01")
    api.post(f"/systems/{system}/attestations", {"role": "systemejer", "person_id": person})
    [held] = api.get(f"/people/{person}/responsibilities")["holds"]
    assert held["last_attested_on"] == today.isoformat()
