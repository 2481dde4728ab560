"""The words of the domain: roles, lifecycle states, criticality, org levels (as codes; what a person
reads for each is infra/phrasebook/da/labels.py's)."""

from enum import StrEnum


class Criticality(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Lifecycle(StrEnum):
    """KITOS's lifecycle states, then retirement (their Danish labels: infra/phrasebook/da/labels.py)."""

    NOT_IN_OPERATION = "not_in_operation"
    PILOT = "pilot"
    PHASING_IN = "phasing_in"
    IN_OPERATION = "in_operation"
    PHASING_OUT = "phasing_out"
    DECOMMISSIONED = "decommissioned"


class Role(StrEnum):
    """Responsibility roles as municipalities already name them (KITOS)."""

    SYSTEMEJER = "systemejer"
    SYSTEMANSVARLIG = "systemansvarlig"
    FORRETNINGSEJER = "forretningsejer"
    DATAEJER = "dataejer"
    SIKKERHEDSANSVARLIG = "sikkerhedsansvarlig"
    SUPERBRUGERANSVARLIG = "superbrugeransvarlig"
    TEKNISK_ANSVARLIG = "teknisk_ansvarlig"
    KONTRAKTEJER = "kontraktejer"


class OrgLevel(StrEnum):
    """kommune > forvaltning > afdeling > team, from the top down."""

    KOMMUNE = "kommune"
    FORVALTNING = "forvaltning"
    AFDELING = "afdeling"
    TEAM = "team"

    @property
    def depth(self) -> int:
        return list(OrgLevel).index(self)


#: What "in use" means, written once: the lifecycle states ("I drift") in which a system must have
#: its required roles held. The gap rules (no_holder, no_operational_handover), the overview's
#: "systems in use without a Systemejer" (counted from those gaps) and the council's weekly
#: reminder of unheld roles all ask this one set.
OPERATING = frozenset({Lifecycle.IN_OPERATION})


class AccessRole(StrEnum):
    """The capacities a person acts in (the `roles` claim of their token); `owner` is everyone's."""

    ADMIN = "admin"
    COUNCIL = "council"
    OWNER = "owner"
    AUDITOR = "auditor"
