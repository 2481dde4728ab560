"""Exports tell the truth: a blank Ibrugtagning stays blank, a vacancy is marked as one (not put
in the holder column as if its reason were a person), and either reads back unchanged."""

from __future__ import annotations

import csv
import io

CSV = (
    "Systemnavn;Forvaltning;Afdeling;Systemejer;Ibrugtagning\r\n"
    "Lønsystem;Økonomiforvaltningen;Løn;IT-afdelingen;\r\n"
    "ESDH;Økonomiforvaltningen;Løn;Bo Larsen;1.2.2019\r\n"
)


def upload(api, content: bytes, name: str, apply: bool = True) -> dict:
    answer = api.client.post("/imports", files={"file": (name, content, "text/csv")}, data={"apply": "true"} if apply else {})
    assert answer.status_code in (200, 201), answer.text
    if answer.status_code == 201:
        api.position = max(api.position, answer.json()["position"])
    return answer.json()


def test_a_blank_in_use_date_and_a_vacancy_export_as_what_they_are_and_read_back_unchanged(api):
    upload(api, CSV.encode(), "it.csv")
    exported = api.client.get("/exports/register", params={"format": "csv", "after": api.position}).content
    rows = {r["Systemnavn"]: r for r in csv.DictReader(io.StringIO(exported.decode("utf-8-sig")), delimiter=";")}
    assert rows["Lønsystem"]["Ibrugtagning"] == "" and rows["ESDH"]["Ibrugtagning"] == "2019-02-01"
    assert rows["Lønsystem"]["Systemejer"] == "Ubesat: IT-afdelingen" and rows["ESDH"]["Systemejer"] == "Bo Larsen"
    again = upload(api, exported, "register.csv")
    assert not again["applied"] and again["facts"] == {"assignments": 0, "vacancies": 0, "lifecycle_changes": 0,
                                                        "details_changes": 0, "archive_duty_changes": 0}
    assert api.client.get("/exports/register", params={"format": "csv"}).content == exported
