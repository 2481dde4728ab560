"""The merge rule (domain/person_merge.py), without storage: which two records may become one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest

from domain.errors import InvalidValue, MergeRefused, PersonMerged
from domain.person_merge import check_merge

TODAY = date(2031, 3, 14)


@dataclass
class Side:
    id: UUID
    merged_into: UUID | None = None
    departed_on: date | None = None
    details_erased: bool = False


def side(**kwargs) -> Side:
    return Side(uuid4(), **kwargs)


def test_two_live_records_merge():
    check_merge(side(), side(), TODAY)


def test_not_into_itself():
    one = side()
    with pytest.raises(InvalidValue) as refused:
        check_merge(one, one, TODAY)
    assert refused.value.field == "into"


def test_a_merged_record_is_neither_merged_again_nor_merged_into_so_no_circle_can_close():
    survivor = side()
    merged = side(merged_into=survivor.id)
    with pytest.raises(PersonMerged) as again:
        check_merge(merged, side(), TODAY)
    assert again.value.field == "person_id" and again.value.params["merged_into"] == str(survivor.id)
    with pytest.raises(PersonMerged) as into_merged:  # survivor -> merged would close the circle
        check_merge(survivor, merged, TODAY)
    assert into_merged.value.field == "into" and into_merged.value.params["merged_into"] == str(survivor.id)


def test_not_into_an_erased_record():
    with pytest.raises(MergeRefused):
        check_merge(side(), side(details_erased=True), TODAY)
    check_merge(side(details_erased=True), side(), TODAY)  # an erased record into a named one is fine


def test_not_an_active_person_into_one_who_has_left_but_a_departed_record_into_an_active_one():
    gone = side(departed_on=TODAY)
    with pytest.raises(MergeRefused) as refused:
        check_merge(side(), gone, TODAY)
    assert refused.value.field == "into"
    check_merge(gone, side(), TODAY)
    check_merge(side(departed_on=TODAY - timedelta(days=3)), gone, TODAY)  # both left: one person who left
    check_merge(side(), side(departed_on=TODAY + timedelta(days=30)), TODAY)  # leaving later: still here today
