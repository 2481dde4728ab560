"""The import's findings in Danish: domain/import_plan.py writes each problem's detail in English
(for the API and the command line); the dry run's page says it part by part from this table. A detail
with a part not known here is shown as written, marked English."""

from __future__ import annotations

import re

#: The import's explanations (domain/import_plan.py writes them in English, for the API and the command
#: line) as the page says them: each part of a detail by pattern; a detail with a part not known here
#: is shown as written, marked English.
_IMPORT_PARTS = [
    (r"no system name", "intet systemnavn"),
    (r"row skipped", "rækken springes over"),
    (r"the same system as row (\d+)", r"samme system som række \1"),
    (r"not imported twice", "importeres ikke to gange"),
    (r"a new system in an org unit that has been dissolved", "et nyt system i en nedlagt enhed"),
    (r"would sit under an org unit that has been dissolved", "ville ligge under en nedlagt enhed"),
    (r"no forvaltning or afdeling", "hverken forvaltning eller afdeling"),
    (r"the system has no org unit; row skipped", "systemet har ingen enhed; rækken springes over"),
    (r"not given or unknown", "ikke angivet eller ukendt"),
    (r"a new system gets medium, a registered one keeps its value",
     "et nyt system får mellem, et registreret beholder sin værdi"),
    (r"a new system gets in_operation, a registered one keeps its value",
     "et nyt system får I drift, et registreret beholder sin værdi"),
    (r"a new system gets yes \(personal data assumed\), a registered one keeps its value",
     "et nyt system får ja (persondata antages), et registreret beholder sin værdi"),
    (r"ignored", "ignoreres"),
    (r"blank here, but the register names a holder", "tom her, men registret har en indehaver"),
    (r"kept", "beholdes"),
    (r"names more than one person", "nævner mere end én person"),
    (r"names an org unit, not a person", "nævner en enhed, ikke en person"),
    (r"does not name a person", "nævner ikke en person"),
    (r"is not a known person id", "er ikke et kendt person-id"),
    (r"has left the organisation", "er fratrådt"),
    (r"(\d+) people have this name", r"\1 personer har dette navn"),
    (r"the role stays unassigned", "rollen forbliver ubesat"),
    (r"the same person as (.+)", r"samme person som \1"),
    (r"the address spells the name \(æ, ø, å as ae, oe or o, aa or a\)",
     "adressen staver navnet (æ, ø, å som ae, oe eller o, aa eller a)"),
    (r"one person", "én person"),
    (r"possibly the same person as (.+)", r"måske samme person som \1"),
    (r"registered as a new person", "oprettet som ny person"),
    (r"if it is one of them, correct the file", "er det en af dem, så ret filen"),
]
#: How a detail names a record (domain/import_plan.py): by its row, or as registered.
_RECORD_PARTS = [(r"\(row (\d+)\)", r"(række \1)"), (r"\(registered, ", "(registreret, "), (r"\) or ", ") eller ")]


def import_detail(detail: str) -> tuple[str, str]:
    """An import problem's detail in Danish, and its language ("da"; "en" when a part is not known)."""
    parts = re.split(r"(: |; )", detail)
    out = []
    for part in parts:
        if part in (": ", "; "):
            out.append(part)
            continue
        found = next((re.sub(f"^{en}$", da, part) for en, da in _IMPORT_PARTS if re.fullmatch(en, part)), None)
        if found is None:
            return detail, "en"
        out.append(found)
    text = "".join(out)
    for en, da in _RECORD_PARTS:
        text = re.sub(en, da, text)
    return text[:1].upper() + text[1:], "da"
