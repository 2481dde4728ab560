"""The API's English for a basis code (domain/basis.py): `basis` in the API's answers is this
rendering, the code and its parameters are beside it (`basis_code`, `basis_params`) and the
words a person typed too (`basis_note`). For the codes that replaced the old sentences the
rendering is the sentence the log used to hold ("claim confirmed", "handover: <note>"), so a
client that read `basis` before reads the same now."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra.phrasebook.en.basis import english, params

__all__ = ["answer_fields", "basis_fields", "english"]


def basis_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """A responsibility fact's basis as the API answers it, from a view's row (`basis` there is
    what a person typed, `basis_code` and `basis_params` ansvar's code)."""
    given = params(row.get("basis_params"))
    return {"basis": english(row.get("basis_code"), given, row.get("basis")), "basis_code": row.get("basis_code"),
            "basis_params": given or None, "basis_note": row.get("basis")}


def answer_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """A claim's answer as the API answers it: the rejection's reason as typed (`answer_note`), the
    code of why ansvar rejected it (`answer_code`), and both in English (`answer`)."""
    return {"answer": english(row.get("answer_code"), None, row.get("answer")), "answer_code": row.get("answer_code"),
            "answer_note": row.get("answer")}
