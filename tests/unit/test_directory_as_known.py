"""domain/gaps.py `directory_as_known`: the directory the gap rules read, as the record stood at a
moment: a departure, a return, a move or a dissolution recorded after it is not known then, even
when it took effect before."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from uuid import uuid4

from domain.gaps import Directory, DirectoryChange, OrgUnitInfo, PersonInfo, directory_as_known

T0 = datetime(2026, 1, 1, 12, tzinfo=timezone.utc)


def test_changes_recorded_after_the_moment_are_not_known_then():
    person, unit, other = uuid4(), uuid4(), uuid4()
    now = Directory({person: PersonInfo(person, other, date(2025, 6, 1))},
                    {unit: OrgUnitInfo(unit, "afdeling", None), other: OrgUnitInfo(other, "team", date(2025, 9, 1))})
    changes = [
        DirectoryChange(T0, person, "registered", org_unit_id=unit),
        DirectoryChange(T0 + timedelta(days=10), person, "departed", day=date(2025, 3, 1)),
        DirectoryChange(T0 + timedelta(days=20), person, "returned", day=date(2025, 4, 1)),
        DirectoryChange(T0 + timedelta(days=30), person, "moved", org_unit_id=other),
        DirectoryChange(T0 + timedelta(days=40), other, "dissolved", day=date(2025, 9, 1)),
        DirectoryChange(T0 + timedelta(days=50), person, "departed", day=date(2025, 6, 1)),
    ]
    def at(days: int) -> Directory:
        return directory_as_known(now, changes, T0 + timedelta(days=days))

    assert at(5).people[person] == PersonInfo(person, unit, None) and at(5).left_since(person) is None
    assert at(10).left_since(person) == date(2025, 3, 1)  # known once recorded, from the day it took effect
    assert at(25).left_since(person) is None  # back
    assert at(35).people[person].org_unit_id == other and at(35).level_of(person) == "team"
    assert at(35).org_units[other].dissolved_on is None and at(45).left_since(person) == date(2025, 9, 1)
    assert at(60) == directory_as_known(now, changes, T0 + timedelta(days=999))
    assert at(60).people == now.people and at(60).org_units == now.org_units  # all recorded: as now
