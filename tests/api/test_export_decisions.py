"""The decision log exports with Danish headers, in the order decided, citing what it superseded,
naming its subjects and deciders."""

from __future__ import annotations

import csv
import io

from tests.api.council_helpers import decide, submit, town
from tests.story import on


def test_the_decision_log_exports_as_csv_in_decided_order(api):
    t = town(api)
    a, b = submit(api, t, "Chatbot"), submit(api, t, "Droner")
    first = decide(api, "prioritisation", "Borgere først", decided_by=[t.chair], decided_on=on("2026-03-01"),
                   period_from=on("2026-01-01"), priorities=[{"proposal_id": a, "rank": 1}, {"proposal_id": b, "rank": 2}])["id"]
    decide(api, "rejection", "Overlapper", [b], decided_by=[t.chair], decided_on=on("2026-02-01"))
    second = decide(api, "prioritisation", "Droner udgår", decided_by=[t.member], decided_on=on("2026-04-01"),
                    period_from=on("2026-04-01"), supersedes=first, priorities=[{"proposal_id": a, "rank": 1}])["id"]
    response = api.client.get("/exports/decisions", params={"format": "csv", "after": api.position})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    head = [r for r in rows if r["Besluttet den"] == "Logens kontrolpunkt"]  # the log's checkpoint ends it
    assert head and rows[-len(head):] == head
    rows = rows[: -len(head)]
    assert [(r["Besluttet den"], r["Beslutning"]) for r in rows] == [
        (on("2026-02-01"), "Afvisning"), (on("2026-03-01"), "Prioritering"), (on("2026-04-01"), "Prioritering"),
    ]
    assert rows[1]["Erstattet af"] == second and rows[2]["Erstatter"] == first
    # Subjects and deciders by name, as the council's minutes would have them
    assert rows[0]["Begrundelse"] == "Overlapper" and rows[0]["Besluttet af"] == "Rådets formand"
    assert rows[0]["Emner"] == "Forslag: Droner" and rows[1]["Emner"] == "Forslag: Chatbot; Forslag: Droner"


def test_a_rationale_that_looks_like_a_formula_exports_as_text_and_reads_back_unchanged(api):
    import openpyxl

    from infra import spreadsheet

    t = town(api)
    trick = '=HYPERLINK("https://example.com","Klik")'
    decide(api, "rejection", trick, [submit(api, t, "Chatbot")], decided_by=[t.chair])
    response = api.client.get("/exports/decisions", params={"format": "csv", "after": api.position}, headers=api.headers)
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0]["Begrundelse"] == "'" + trick  # Excel shows it as text, never runs it
    book = api.client.get("/exports/decisions", params={"format": "xlsx", "after": api.position}, headers=api.headers)
    cell = openpyxl.load_workbook(io.BytesIO(book.content)).active["C2"]
    assert cell.value == trick and cell.data_type == "s"
    assert spreadsheet._csv(f"a;b\r\n'{trick};'x\r\n".encode())[1] == [trick, "'x"]  # the import takes it back
