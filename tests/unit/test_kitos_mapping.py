"""The KITOS mapping's small rules: criticality from the 2025 and 2026 shapes, personal data,
and dates however KITOS's serializer writes them."""

from __future__ import annotations

from datetime import date

from domain.kitos_plan import _day, criticality_of, personal_data_of


def test_criticality_from_either_shape():
    assert criticality_of({"gdpr": {"businessCritical": "Yes"}}) == "critical"
    assert criticality_of({"gdpr": {"businessCritical": "No"}}) == "medium"
    assert criticality_of({"gdpr": {"businessCritical": "DontKnow"}}) is None
    assert criticality_of({"general": {"isBusinessCritical": True}}) == "critical"
    assert criticality_of({"general": {"isBusinessCritical": "No", "systemUsageCriticalityLevel": {"name": "Høj"}}}) == "high"
    assert criticality_of({"general": {"systemUsageCriticalityLevel": {"name": "Noget helt andet"}}}) is None
    assert criticality_of({}) is None


def test_personal_data_from_the_sensitivity_levels():
    assert personal_data_of({"gdpr": {"dataSensitivityLevels": ["None"]}}) is False
    assert personal_data_of({"gdpr": {"dataSensitivityLevels": ["None", "SensitiveData"]}}) is True
    assert personal_data_of({"gdpr": {"dataSensitivityLevels": []}}) is False
    assert personal_data_of({"gdpr": None}) is None


def test_dates_as_dotnet_writes_them_in_danish_days():
    fallback = date(2000, 1, 1)
    assert _day("2025-03-14T23:30:00.1234567Z", fallback) == date(2025, 3, 15)  # past midnight in Copenhagen
    assert _day("2025-03-14T09:12:45", fallback) == date(2025, 3, 14)  # no offset: UTC
    assert _day("not a date", fallback) == fallback and _day(None, fallback) == fallback
