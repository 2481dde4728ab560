"""English problem sentences about a request itself: its parameters and values, the log and its
proofs, files sent for import, settings and the services ansvar reads from (codes of
domain/errors.py; parameters as the raise sites give them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra.phrasebook.en.shown import joined


def _choice(params: Mapping[str, Any]) -> str:
    given = f", not {params['given']!r}" if params.get("given") is not None else ""
    return f"{params['field']} must be one of {joined(params['allowed'])}{given}"


_TIME = "known_at is a time: YYYY-MM-DDTHH:MM:SS with its offset (+01:00 or Z), or a date YYYY-MM-DD"

REQUESTS: dict[str, Any] = {
    "domain-error": "the request breaks a rule of the domain",
    "conflict": "the command conflicts with the current state",
    "already-done": "this has already been recorded",
    "invalid-value": "{field} has a value that is not acceptable",
    "forbidden": "not allowed for the acting person",
    "upstream-refused": "a service ansvar reads from refused or could not be reached; nothing was written",
    # values
    "not-a-choice": _choice,
    "not-valid": "{field} must be valid, not {given!r}",
    "not-a-date": lambda p: f"{p['field']} is a date YYYY-MM-DD" + (f", not {p['given']!r}" if p.get("given") else ""),
    "not-yes-or-no": "{field} is true or false, not {given!r}",
    "not-a-real-time": _TIME + "; {given!r} is not a real one",
    "time-out-of-range": "known_at is out of range once converted to UTC",
    "time-without-offset": _TIME + "; a time needs its offset, e.g. {given}+01:00",
    "not-a-time": _TIME + ", not {given!r}",
    "to-before-from": "{field} must not be before {earlier}",
    "names-nothing": "{field} names no {kind}",
    "request-refused": "{message}",
    "unknown-parameter": lambda p: f"{p['field']} is not a parameter of this route (it takes: {joined(p['allowed']) or 'none'})",
    "parameter-repeated": "{field} is given {times} times; this route takes it once",
    "unknown-cursor": "cursor is not one this API handed out",
    "period-start-missing": "from is required: the period's first day, YYYY-MM-DD",
    "balance-date-missing": "at is required: the balance date, the period's last day, YYYY-MM-DD",
    "period-start-after-balance": "from must not be after at: the period runs from its first day to the balance date",
    "register-as-of": "only the council and auditors may ask the register about another day or an earlier record",
    # the log, its proofs and erasures
    "not-in-log": "position {position} is not in the log",
    "no-event-at": "no event at position {position} in the log",
    "past-the-log": "after={position} is past the end of the event log ({head})",
    "not-in-tree": "position {position} is not in a tree of {tree_size} entries, or the log has fewer",
    "from-after-to": "from ({tree_from}) is larger than to ({tree_to})",
    "no-consistency-proof": "no consistency proof from {tree_from} to {tree_to} entries: the log has fewer",
    "idempotency-key-in-flight": "the command with Idempotency-Key {key!r} is already recorded",
    "erasure-basis-missing": "say on what basis it is erased (e.g. the request and its case number)",
    "nothing-erasable": "the event at position {position} ({topic}) holds no erasable text",
    "field-not-erasable": "{name!r} is not erasable in {topic}; erasable: {erasable}",
    "text-already-erased": "{name} of the event at position {position} is already erased",
    "no-text-to-erase": "the event at position {position} holds no text in {name}",
    # files and imports
    "file-missing": "choose the CSV or XLSX file to import",
    "upload-gone": "no uploaded file with this sha256 is waiting to be applied (they are held for an hour);"
    " upload it again",
    "file-too-large": "the file is too large to import",
    "too-many-bytes": "{file} has {size} bytes; the limit is {limit}",
    "too-many-rows": "{file} has {size} rows; the limit is {limit}",
    "unreadable-spreadsheet": "the file is not a spreadsheet this service can read",
    "empty-file": "{file} is empty",
    "not-csv-or-xlsx": "{file} is neither CSV text nor an XLSX workbook",
    "unreadable-csv": "the CSV cannot be read: {reason}",
    "unreadable-xlsx": "{file} is not a readable XLSX workbook: {reason}",
    "no-recognisable-header": "no row of {file} names a system column (Systemnavn/System/Name) and two more known"
    " columns (Leverandør, Forvaltning, Afdeling, Systemejer, ...); a mapping file can name them",
    "mapping-not-a-map": "the mapping file must map column headers to field names",
    "mapping-unknown-fields": "the mapping names unknown fields {unknown}; known: {allowed}",
    "register-changed-during-import": "the register changed while the import was being prepared (or a system name"
    " was taken meanwhile); nothing was written: run the import again",
    "system-changed-since-plan": "system {system_id} changed after the import was planned (row {row}); nothing was"
    " written: run the import again",
    # KITOS
    "role-mapping-not-json": 'the role mapping is JSON: {{"KITOS role name": "ansvar role"}}',
    "role-mapping-roles": "the role mapping maps KITOS role names to ansvar roles ({allowed})",
    "kitos-setting-missing": "{field} is not set: the KITOS API user's address and credentials",
    "kitos-address": "the KITOS address must be https:// (plain http only on 127.0.0.1), not {url!r}",
    "kitos-refused": lambda p: f"{p['reason']} ({'status ' + str(p['status']) + ', ' if p.get('status') else ''}{p['url']})",
}
