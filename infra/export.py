"""The exports (ownership register, gap report) as CSV or XLSX with Danish headers.

The decision log joins here once the council's decisions view exists (issue 4): add its
(headers, rows, title) to projections.register_queries.EXPORTS and it is served everywhere.
"""

from __future__ import annotations

from domain.errors import InvalidValue
from infra import spreadsheet
from infra.runtime import Runtime
from projections.register_queries import EXPORTS


def export(runtime: Runtime, what: str, kind: str) -> bytes:
    """The export `what` (register | gaps) at today, as `kind` (csv | xlsx). Views must be caught up."""
    if what not in EXPORTS:
        raise InvalidValue(f"export must be one of {', '.join(EXPORTS)}", field="what")
    headers, rows_of, title = EXPORTS[what]
    with runtime.db.transaction(write=False) as cur:
        rows = rows_of(cur, runtime.portfolio.today())
    return spreadsheet.write(kind, title, headers, rows)
