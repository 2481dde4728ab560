"""The phrasebook (issue 26 part 2): dates, times and numbers as Danes write them (through Babel, in
Danish time, summer time included), one case analysis per explained answer said in English for the
API and in Danish for the pages, and one module of Danish labels."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.explanation import CODES, explain
from domain.vocabulary import Criticality, Lifecycle, Role
from infra.phrasebook.da import explanation as da
from infra.phrasebook.da import labels
from infra.phrasebook.da.dates import danish_date, danish_datetime, danish_number, dato, local_timestamp
from infra.phrasebook.en import explanation as en
from tests.story import TEST_TODAY

UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


def test_a_date_is_written_as_danes_write_it():
    assert danish_date(date(2026, 12, 7)) == "7. december 2026"
    assert danish_date(date(2025, 10, 21)) == "21. oktober 2025"
    assert danish_date(None) == "–"


def test_an_instant_is_said_in_danish_time_in_winter_and_in_summer():
    winter = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)
    summer = datetime(2026, 7, 7, 10, 0, tzinfo=UTC)
    assert danish_datetime(winter) == "7. december 2026 kl. 12:00"
    assert danish_datetime(summer) == "7. juli 2026 kl. 12:00"
    assert danish_datetime(winter, offset=True) == "7. december 2026 kl. 12:00 +01:00"
    assert danish_datetime(summer, offset=True) == "7. juli 2026 kl. 12:00 +02:00"
    assert local_timestamp(summer) == "2026-07-07 12:00:00+02:00"


def test_an_instant_late_in_the_evening_utc_is_the_next_day_in_denmark():
    late = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
    assert danish_date(late) == "29. marts 2026" and dato(late) == "29. marts 2026 kl. 00:30"


def test_the_clock_change_nights_are_said_on_either_side():
    before = datetime(2026, 3, 29, 0, 59, tzinfo=UTC)  # summer time begins at 01:00 UTC
    assert danish_datetime(before, offset=True) == "29. marts 2026 kl. 01:59 +01:00"
    assert danish_datetime(before + timedelta(minutes=1), offset=True) == "29. marts 2026 kl. 03:00 +02:00"


def test_the_last_hour_of_the_calendar_is_said_in_utc_rather_than_failing():
    last = datetime(9999, 12, 31, 23, 30, tzinfo=UTC)  # Danish time would be in year 10000
    assert danish_datetime(last, offset=True) == "31. december 9999 kl. 23:30 +00:00"
    assert danish_date(last) == "31. december 9999" and local_timestamp(last) == "9999-12-31 23:30:00+00:00"


def test_the_test_clocks_day_is_written_with_its_danish_month():
    today = TEST_TODAY
    said = danish_date(today)
    assert said.startswith(f"{today.day}. ") and said.endswith(str(today.year))
    assert said.split(" ")[1].isalpha() and said.split(" ")[1].islower()


def test_numbers_are_grouped_and_decimals_marked_the_danish_way():
    assert danish_number(15000) == "15.000"
    assert danish_number(2.5) == "2,5"


def test_every_value_of_the_domain_has_its_danish_label():
    assert set(labels.ROLE_LABEL) == set(Role)
    assert set(labels.LIFECYCLE_LABEL) == set(Lifecycle)
    assert set(labels.CRITICALITY_LABEL) == set(Criticality)
    from domain.council import DecisionKind
    from domain.proposals import Status

    assert {str(k) for k in DecisionKind} <= set(labels.DECISION_KIND)
    assert {str(s) for s in Status} <= set(labels.STATUS)


def test_a_field_is_named_by_its_label_never_by_its_key():
    assert labels.field_label("rationale") == "Begrundelse"
    assert labels.field_label("priorities[0].rank") == "Rang"
    assert labels.field_label("rank_01a62483-1111-4222-8333-444455556666") == "Rang"
    assert labels.field_label("no_such_field") == "et felt"


@dataclass
class Person:
    id: UUID
    name: str | None
    erased: bool = False


@dataclass
class Fact:
    effective_from: date
    effective_to: date | None
    recorded_at: datetime
    recorded_by: Person | None
    capacity: str | None
    basis: str | None
    decision_id: UUID | None = None
    claim_id: UUID | None = None
    source: dict | None = None
    basis_code: str | None = None
    basis_params: dict | None = None
    basis_note: str | None = None

    def __post_init__(self) -> None:  # the API's answer: `basis` in English, what was typed in `basis_note`
        if self.basis_code is None:
            self.basis_note = self.basis


BODIL = Person(UUID("00000000-0000-4000-8000-0000000000b0"), "Bodil Ejer")
RASMUS = Person(UUID("00000000-0000-4000-8000-0000000000a0"), "Rådsmedlem Rasmussen")
DAY, WHEN = date(2026, 3, 14), datetime(2026, 3, 14, 11, 0, tzinfo=UTC)
RECORDED = datetime(2026, 2, 1, 9, 30, tzinfo=UTC)
HELD = Fact(date(2026, 2, 1), None, RECORDED, RASMUS, "council", "udpeget af rådet.",
            decision_id=UUID("00000000-0000-4000-8000-0000000000d0"))
VACANT = Fact(date(2026, 1, 1), date(2026, 6, 1), RECORDED, None, "import",
              "the import file states it vacant: stillingen er ved at blive besat", source={"file": "it.csv", "row": 2},
              basis_code="import_stated_vacant", basis_note="stillingen er ved at blive besat")
ENDED = Fact(date(2025, 1, 1), date(2026, 1, 1), RECORDED, RASMUS, "admin", None)
LATER = Fact(date(2026, 5, 1), None, RECORDED, RASMUS, "admin", None, source={"kitos": True})

#: Every case of the analysis: (kind the rule answered, its fact, its holder) -> the code, and what each
#: language says of it.
CASES = [
    ("never", None, None, "never", "no fact about systemejer has ever been recorded for this system",
     "Der er aldrig registreret noget om rollen Systemejer for dette system."),
    ("held", HELD, BODIL, "held",
     "Bodil Ejer holds systemejer from 2026-02-01: recorded 2026-02-01 09:30 UTC by Rådsmedlem Rasmussen as council"
     " (basis: udpeget af rådet.), decision 00000000-0000-4000-8000-0000000000d0",
     "Bodil Ejer har rollen fra 1. februar 2026: registreret 1. februar 2026 kl. 10:30 af Rådsmedlem Rasmussen som"
     " porteføljerådet, på grundlag af en afgørelse i porteføljerådet. Grundlag: »udpeget af rådet.«"),
    ("vacant", VACANT, None, "vacant",
     "nobody holds systemejer: it was recorded as vacant from 2026-01-01 until 2026-06-01, because: the import file"
     " states it vacant: stillingen er ved at blive besat; recorded 2026-02-01 09:30 UTC by the system as import, imported from it.csv row 2",
     "Ingen har rollen: den er registreret som ubesat fra 1. januar 2026 til 1. juni 2026; registreret 1. februar 2026"
     " kl. 10:30 af systemet som import, importeret fra it.csv række 2. Grundlag: Importfilen angiver rollen som"
     " ubesat. Begrundelse: »stillingen er ved at blive besat«."),
    ("not_yet_known", HELD, None, "not_yet_known",
     "nothing about systemejer on 2026-03-14 was known yet at 2026-03-14 11:00 UTC: the first fact covering it was"
     " recorded 2026-02-01 09:30 UTC by Rådsmedlem Rasmussen as council",
     "Intet om rollen Systemejer den 14. marts 2026 var kendt 14. marts 2026 kl. 12:00: det første, der dækker dagen,"
     " blev registreret 1. februar 2026 kl. 10:30 af Rådsmedlem Rasmussen som porteføljerådet."),
    ("not_covered", ENDED, None, "ended_before",
     "no recorded fact covers 2026-03-14: the nearest, from 2025-01-01 until 2026-01-01, ended before it",
     "Ingen registrering dækker 14. marts 2026: den nærmeste, fra 1. januar 2025 til 1. januar 2026, sluttede før."),
    ("not_covered", LATER, None, "begins_after",
     "no recorded fact covers 2026-03-14: the nearest, from 2026-05-01, begins after it",
     "Ingen registrering dækker 14. marts 2026: den nærmeste, fra 1. maj 2026, begynder senere."),
]


@pytest.mark.parametrize(("kind", "fact", "holder", "code", "english", "danish"), CASES, ids=[c[3] for c in CASES])
def test_one_case_analysis_said_in_english_for_the_api_and_in_danish_for_the_pages(kind, fact, holder, code, english,
                                                                                   danish):
    explanation = explain("systemejer", kind, fact, holder, DAY, WHEN)
    assert explanation.code == code
    assert en.said(explanation) == english
    assert da.said(explanation) == danish
    assert not UUID_TEXT.search(da.said(explanation)), "the Danish names people, never ids"


def test_every_code_of_the_analysis_has_a_case_here():
    assert {c[3] for c in CASES} == set(CODES)


def test_a_kitos_fact_is_said_as_synchronised_not_as_an_import_of_nothing():
    held = Fact(date(2026, 5, 1), None, RECORDED, None, "import", None, source={"kitos": True})
    explanation = explain("dataejer", "held", held, BODIL, date(2026, 6, 1), WHEN)
    assert en.said(explanation).endswith(", synchronised from KITOS") and "None" not in en.said(explanation)
    assert ", synkroniseret fra KITOS." in da.said(explanation)


def test_an_erased_person_is_said_as_erased_in_both_languages():
    erased = Person(BODIL.id, None, erased=True)
    explanation = explain("systemejer", "held", HELD, erased, DAY, WHEN)
    assert en.said(explanation).startswith("a person whose details are erased holds")
    assert da.said(explanation).startswith("en person hvis oplysninger er slettet har rollen")


@given(st.datetimes(timezones=st.just(UTC)))
def test_an_instant_to_the_minute_is_what_strftime_says(t: datetime) -> None:
    assert en._minute(t) == f"{t:%Y-%m-%d %H:%M}"  # written out for speed, it says what strftime says
