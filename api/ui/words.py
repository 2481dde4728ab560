"""The pages' filters: the Danish phrasebook (infra/phrasebook/da) as Jinja sees it. Nothing is
worded here; the names below stay for the templates and the modules that import them."""

from __future__ import annotations

from datetime import date, datetime

from api import schemas as s
from domain.explanation import explain
from infra.phrasebook.da import explanation as da_explanation
from infra.phrasebook.da.dates import DANISH, danish_date, danish_datetime, danish_number, dato
from infra.phrasebook.da.imports import import_detail
from infra.phrasebook.da.labels import (
    ACCESS_ROLE,
    ANSWER,
    CAPACITY,
    CATEGORY,
    CHANGE_KIND,
    CLAIM_STATUS,
    CRITICALITY_LABEL,
    DECISION_KIND,
    DONE,
    FACT_KIND,
    FIELD_LABEL,
    HANDOVER_STATUS,
    IMPORT_PROBLEM,
    LACKING,
    LIFECYCLE_LABEL,
    ORG_LEVEL,
    ROLE_LABEL,
    RULE_LABEL,
    STAGE,
    STATUS,
    field_label,
    label,
)

__all__ = ["DANISH", "DECISION_KIND", "FIELD_LABEL", "FILTERS", "STATUS", "dato", "import_detail", "label", "person",
           "why"]

person = da_explanation.person


def why(answer: s.RoleAnswer, day: date, when: datetime) -> str:
    """The grounds of one role's answer, in Danish: the deciding fact, or why nobody held it."""
    return da_explanation.said(explain(answer.role, answer.answer, answer.fact, answer.holder, day, when))


def _table(table: dict):  # noqa: ANN202 - a Jinja filter
    return lambda v: label(table, v)


FILTERS = {
    "dato": dato, "danish_date": danish_date, "danish_datetime": danish_datetime, "number": danish_number,
    "role": _table(ROLE_LABEL), "rule": _table(RULE_LABEL), "lifecycle": _table(LIFECYCLE_LABEL),
    "criticality": _table(CRITICALITY_LABEL), "decision_kind": _table(DECISION_KIND), "status": _table(STATUS),
    "change_kind": _table(CHANGE_KIND), "category": _table(CATEGORY), "capacity": _table(CAPACITY),
    "fact_kind": _table(FACT_KIND), "claim_status": _table(CLAIM_STATUS), "access_role": _table(ACCESS_ROLE),
    "handover_status": _table(HANDOVER_STATUS), "answer_kind": _table(ANSWER), "org_level": _table(ORG_LEVEL),
    "done": lambda v: DONE.get(v, "Gemt."),
    "field_label": field_label, "import_problem": _table(IMPORT_PROBLEM), "import_detail": import_detail,
    "person": person, "stage": _table(STAGE), "lacking": _table(LACKING), "basis": da_explanation.basis,
}
