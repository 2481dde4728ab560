"""What people type into an IT-system inventory, turned into the domain's words.

Pure functions: header recognition, value normalisation (criticality, lifecycle, yes/no,
archive duty, dates) and reading a holder cell. A cell that cannot be read safely is never
guessed at: the caller gets `NotUnderstood` (for values) or an `Unresolved` holder (for people).
"""

from __future__ import annotations

from domain.person_match import fold

import re
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from domain.periods import EARLIEST, LATEST
from domain.vocabulary import Criticality, Lifecycle, Role


class NotUnderstood(ValueError):
    """A cell's value could not be read; the message says what was expected."""


def _key(text: str) -> str:
    return " ".join(str(text).replace("_", " ").split()).casefold().rstrip(":")


#: field -> the headers that name it (Danish and English), compared case- and space-insensitively.
HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("systemnavn", "system", "name", "system name", "it-system", "navn", "løsning"),
    "vendor": ("leverandør", "leverandor", "vendor", "supplier"),
    "forvaltning": ("forvaltning", "directorate"),
    "afdeling": ("afdeling", "department"),
    "team": ("team",),
    Role.SYSTEMEJER.value: ("systemejer", "system owner", "owner"),
    Role.SYSTEMANSVARLIG.value: ("systemansvarlig", "system manager", "system responsible"),
    Role.FORRETNINGSEJER.value: ("forretningsejer", "business owner"),
    Role.DATAEJER.value: ("dataejer", "data owner"),
    Role.SIKKERHEDSANSVARLIG.value: ("sikkerhedsansvarlig", "security officer", "security responsible"),
    Role.SUPERBRUGERANSVARLIG.value: ("superbrugeransvarlig", "super user responsible"),
    Role.TEKNISK_ANSVARLIG.value: ("teknisk ansvarlig", "teknisk kontakt", "it-kontakt", "technical contact", "it contact"),
    Role.KONTRAKTEJER.value: ("kontraktejer", "contract owner"),
    "criticality": ("kritikalitet", "criticality"),
    "personal_data": ("persondata", "personoplysninger", "personal data"),
    "lifecycle": ("livscyklus", "lifecycle", "status"),
    "in_use_from": ("ibrugtagning", "ibrugtaget", "idriftsat", "in use since", "go-live", "commissioned"),
    "archive_duty": ("arkivpligt", "archive duty"),
    "remark": ("bemærkning", "bemærkninger", "note", "notes", "remark", "comment"),
}
ROLE_FIELDS = tuple(r.value for r in Role)
for _role in ROLE_FIELDS:  # "<role header> siden" / "<role header> since": when the holder took over
    HEADERS[f"{_role}_since"] = tuple(f"{h} {w}" for h in HEADERS[_role] for w in ("siden", "since"))
_HEADER_INDEX = {_key(h): field for field, names in HEADERS.items() for h in names}


def field_for(header: object, mapping: dict[str, str] | None = None) -> str | None:
    """The field a column header names; a mapping (header -> field) overrides the built-in names."""
    if header is None:
        return None
    k = _key(str(header))
    if mapping:
        for given, field in mapping.items():
            if _key(given) == k:
                return field
    return _HEADER_INDEX.get(k)


def find_header(rows: list[list[str]], mapping: dict[str, str] | None = None, scan: int = 30) -> tuple[int, dict[str, int]] | None:
    """The first row (within `scan`) that names the system column and two more: (index, field -> column)."""
    for index, row in enumerate(rows[:scan]):
        columns: dict[str, int] = {}
        for col, cell in enumerate(row):
            field = field_for(cell, mapping)
            if field is not None and field not in columns:
                columns[field] = col
        if "name" in columns and len(columns) >= 3:
            return index, columns
    return None


#: What no name holds (the API refuses them too): C0 and C1 control characters, and U+FFFE/U+FFFF.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ufffe\uffff]")


def control_character(text: str) -> str | None:
    """The first control character in `text` as U+XXXX, or None."""
    found = _CONTROL.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def blank(value: object) -> bool:
    return value is None or not str(value).strip()


_CRITICALITY = {
    "kritisk": Criticality.CRITICAL, "forretningskritisk": Criticality.CRITICAL, "critical": Criticality.CRITICAL,
    "meget høj": Criticality.CRITICAL, "høj": Criticality.HIGH, "hoej": Criticality.HIGH, "high": Criticality.HIGH,
    "middel": Criticality.MEDIUM, "mellem": Criticality.MEDIUM, "medium": Criticality.MEDIUM,
    "moderat": Criticality.MEDIUM, "lav": Criticality.LOW, "low": Criticality.LOW,
}
_LIFECYCLE = {
    "ikke i drift": Lifecycle.NOT_IN_OPERATION, "not in operation": Lifecycle.NOT_IN_OPERATION,
    "under afprøvning": Lifecycle.PILOT, "pilot": Lifecycle.PILOT, "afprøvning": Lifecycle.PILOT,
    "under indfasning": Lifecycle.PHASING_IN, "indfasning": Lifecycle.PHASING_IN, "phasing in": Lifecycle.PHASING_IN,
    "i drift": Lifecycle.IN_OPERATION, "drift": Lifecycle.IN_OPERATION, "in operation": Lifecycle.IN_OPERATION,
    "under udfasning": Lifecycle.PHASING_OUT, "udfasning": Lifecycle.PHASING_OUT, "phasing out": Lifecycle.PHASING_OUT,
    "afviklet": Lifecycle.DECOMMISSIONED, "nedlagt": Lifecycle.DECOMMISSIONED, "decommissioned": Lifecycle.DECOMMISSIONED,
}
# The Danish labels the exports write, and these tables read back, are infra/phrasebook/da/labels.py's.


def _lookup(table: dict[str, str], value: object, what: str) -> str | None:
    if blank(value):
        return None
    k = _key(str(value))
    if k in table:
        return table[k]
    k = re.sub(r"\s*\(.*\)$", "", k)  # "høj (se note)"
    if k in table:
        return table[k]
    raise NotUnderstood(f"not a known {what}")


def criticality(value: object) -> Criticality | None:
    return _lookup(_CRITICALITY, value, "criticality (Lav, Middel/Mellem, Høj, Kritisk)")  # type: ignore[return-value]


def lifecycle(value: object) -> Lifecycle | None:
    return _lookup(_LIFECYCLE, value, "lifecycle (Ikke i drift, Under afprøvning, Under indfasning, I drift, ...)")  # type: ignore[return-value]


def yes_no(value: object) -> bool | None:
    """Ja/Nej (with a remark such as "ja (følsomme)"); "?" and "ved ikke" are None (unknown)."""
    if blank(value) or _key(str(value)) in ("?", "ved ikke", "vides ikke", "unknown"):
        return None
    if isinstance(value, bool):
        return value
    word = _key(str(value)).split(" ")[0].strip("(),.")
    if word in ("ja", "yes", "j", "y", "true", "sand", "1", "x"):
        return True
    if word in ("nej", "no", "n", "false", "falsk", "0"):
        return False
    raise NotUnderstood("not Ja or Nej")


def archive_duty(value: object) -> str | None:
    """Arkivpligt: B (bevares), K (kasseres) or a combination such as "B+K"; "Ved ikke" is None."""
    if blank(value) or _key(str(value)) in ("?", "ved ikke", "vides ikke", "unknown"):
        return None
    letters = re.split(r"\s*[+/,&]\s*|\s+og\s+|\s+", str(value).strip().upper())
    words = {"BEVARES": "B", "KASSERES": "K"}
    codes = [words.get(x, x) for x in letters if x]
    if not codes or any(c not in ("B", "K") for c in codes):
        raise NotUnderstood("not an archive duty (B, K or B+K)")
    return "+".join(sorted(set(codes)))


_MONTHS = {
    m: i + 1 for i, names in enumerate([
        ("jan", "januar", "january"), ("feb", "februar", "february"), ("mar", "marts", "march"), ("apr", "april"),
        ("maj", "may"), ("jun", "juni", "june"), ("jul", "juli", "july"), ("aug", "august"),
        ("sep", "sept", "september"), ("okt", "oct", "oktober", "october"), ("nov", "november"), ("dec", "december"),
    ]) for m in names
}


def day(value: object) -> date | None:
    """A date as typed: 2019-02-01, 01-02-2019, 1.2.2019, 1/2/2019, "feb 2019" (the 1st), "2019" (1 January)."""
    if blank(value):
        return None
    if isinstance(value, date):  # openpyxl gives datetime for real date cells
        return _on_the_calendar(value.date() if isinstance(value, datetime) else value)
    text = str(value).strip().casefold()
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t].*)?", text):
            return _on_the_calendar(date(int(m[1]), int(m[2]), int(m[3])))
        if m := re.fullmatch(r"(\d{1,2})[-./](\d{1,2})[-./](\d{4})", text):
            return _on_the_calendar(date(int(m[3]), int(m[2]), int(m[1])))
        if m := re.fullmatch(r"([a-zæøå]+)\.?\s+(\d{4})", text):
            if m[1] in _MONTHS:
                return _on_the_calendar(date(int(m[2]), _MONTHS[m[1]], 1))
        if m := re.fullmatch(r"(\d{4})(?:\.0)?", text):
            return _on_the_calendar(date(int(m[1]), 1, 1))
    except ValueError:
        raise NotUnderstood("not a real date") from None
    raise NotUnderstood("not a date (2019-02-01, 01-02-2019, 1.2.2019, feb 2019 or 2019)")


def _on_the_calendar(day: date) -> date:
    if not EARLIEST <= day <= LATEST:
        raise NotUnderstood(f"not a date the register can hold ({EARLIEST.year} to {LATEST.year})")
    return day


# Holders ----------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PersonRef:
    """A cell naming one person: by e-mail, by name, or (in our own exports) by id."""

    name: str | None = None
    email: str | None = None
    person_id: UUID | None = None
    title: str | None = None
    unit: str | None = None  # the org unit named in "Name (title, unit)"

    @property
    def key(self) -> str:
        return f"id:{self.person_id}" if self.person_id else f"email:{self.email}" if self.email else f"name:{_key(self.name or '')}"


#: How our exports write a role nobody holds: "Ubesat: <the recorded reason>", read back as that vacancy.
VACANT = "Ubesat"
_VACANT = re.compile(VACANT + r"\s*[:\-–]\s*(.+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Vacant:
    """A cell stating that nobody holds the role, and why."""

    reason: str


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A cell that names no single person (a department, two people, ...): not guessed."""

    text: str
    why: str


_EMAIL = re.compile(r"[^@\s<>()]+@[^@\s<>()]+\.[^@\s<>()]+")
_NAME_WORD = re.compile(r"[A-ZÆØÅÉÜÖÄ][a-zæøåéüöä]+(?:-[A-ZÆØÅ][a-zæøåéüöä]+)?")
_SEVERAL = re.compile(r"\s*(?:/|&|\+|;|,|\bog\b|\band\b)\s*", re.IGNORECASE)
_UNIT_WORDS = {"it", "drift", "afdeling", "afdelingen", "center", "centret", "sekretariat", "sekretariatet", "team",
               "forvaltning", "forvaltningen", "kontor", "kontoret", "enhed", "enheden", "service", "support"}


def holder(value: object, unit_names: frozenset[str] = frozenset()) -> PersonRef | Vacant | Unresolved | None:
    """Read a holder cell. `unit_names` (casefolded) are org units known from the file or the store."""
    if blank(value):
        return None
    text = " ".join(str(value).split())
    if m := _VACANT.fullmatch(text):
        return Vacant(m[1].strip())
    if m := re.fullmatch(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", text):
        return PersonRef(person_id=UUID(m[0]))
    emails = _EMAIL.findall(text)
    if len(emails) > 1:
        return Unresolved(text, "names more than one person")
    if _key(text) in unit_names:
        return Unresolved(text, "names an org unit, not a person")
    name, title, unit = text, None, None
    if m := re.fullmatch(r"(.*?)\s*\(([^)]*)\)", text):  # "Peter Pedersen (specialkonsulent, Socialpsykiatri)"
        name, inside = m[1], [p.strip() for p in m[2].split(",")]
        title, unit = (inside[0] or None), (inside[1] if len(inside) > 1 else None)
    if emails:
        email = emails[0].casefold()
        rest = name.replace(emails[0], "").strip(" <>")  # "Name <email>" as our exports write it
        return PersonRef(name=rest or None, email=email, title=title, unit=unit)
    if len(_SEVERAL.split(name)) > 1:
        return Unresolved(text, "names more than one person")
    words = name.split(" ")
    if not 2 <= len(words) <= 5 or not all(_NAME_WORD.fullmatch(w) or w in ("von", "de", "la") for w in words):
        return Unresolved(text, "does not name a person")
    if any(w.casefold() in _UNIT_WORDS for w in words):
        return Unresolved(text, "names an org unit, not a person")
    return PersonRef(name=name, title=title, unit=unit)


def normalise_name(name: str) -> str:
    return " ".join(str(name).split()).casefold()


def search_key(*texts: str | None) -> str:
    """What a search compares with, the same on every backend: folded in Python (SQLite's LOWER
    knows only ASCII) by domain/person_match.fold, so "soeren", "soren" and "Søren" are one."""
    return fold(*texts)
