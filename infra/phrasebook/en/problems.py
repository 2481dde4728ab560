"""A domain error's `detail` in English, for the API's problem details and the command line: made
from the error's code and parameters (domain/errors.py), the one place these sentences live. The
sentences themselves are kept by subject in problems_register.py, problems_council.py and
problems_requests.py; a code without a sentence there says its class's title."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import structlog

from domain.errors import DomainError
from infra.phrasebook.en.problems_council import COUNCIL
from infra.phrasebook.en.problems_register import REGISTER
from infra.phrasebook.en.problems_requests import REQUESTS
from infra.phrasebook.en.shown import shown_value

log = structlog.get_logger(__name__)

#: A sentence: a format string over the parameters as shown (shown.py), or a function of the
#: parameters as given (where the words depend on a value).
Sentence = str | Callable[[Mapping[str, Any]], str]
SENTENCES: dict[str, Sentence] = {**REGISTER, **COUNCIL, **REQUESTS}


def render(code: str, params: Mapping[str, Any]) -> str:
    """The sentence for `code`; KeyError for a code without one or a parameter it lacks (the tests' check)."""
    sentence = SENTENCES[code]
    if callable(sentence):
        return sentence(params)
    return sentence.format_map({k: shown_value(v) for k, v in params.items()})


def detail(error: DomainError) -> str:
    """The error's `detail` in English; a code this phrasebook cannot say (a bug) says the error's title."""
    try:
        return render(error.code, {"field": error.field, **error.params})
    except (KeyError, IndexError, ValueError):
        log.warning("a problem's code has no English sentence", code=error.code, params=sorted(error.params))
        return error.title


def in_words(error: DomainError) -> str:
    """The error as the command line reports it: its title, then its detail."""
    return f"{error.title}: {detail(error)}"

