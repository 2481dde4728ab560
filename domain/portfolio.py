"""The portfolio application: every command, one event log in one total order.

A flat composition of the areas' commands, each a class of its own on `Commands`
(domain/commands.py), which holds what they share: the clock, loading, saving, retrying.
"""

from __future__ import annotations

from domain.council_commands import CouncilCommands
from domain.decommissioning_commands import DecommissioningCommands
from domain.erasure_commands import ErasureCommands
from domain.handover_commands import HandoverCommands
from domain.import_commands import ImportCommands
from domain.org_commands import OrgCommands
from domain.proposal_commands import ProposalCommands
from domain.reminder_commands import ReminderCommands
from domain.responsibility_commands import ResponsibilityCommands
from domain.system_commands import SystemCommands


class Portfolio(
    OrgCommands, SystemCommands, ResponsibilityCommands, HandoverCommands, ProposalCommands, CouncilCommands,
    DecommissioningCommands, ImportCommands, ErasureCommands, ReminderCommands,
):
    """Org units and people, the register, responsibility, proposals, the council's decisions,
    decommissioning and inventory imports, over one event log."""

    # Names the event store's tables (`ansvar_events`) and prefixes the library's settings. The
    # library names every Application subclass after itself unless the class sets it: set here,
    # on the class that is instantiated, and never changed, or the existing log is orphaned.
    name = "ansvar"

    # Commands load the aggregates they touch from the library's cache, fast-forwarded to the
    # store on every load (domain/loading.py). The lowest layer of the library's settings: the
    # environment (ANSVAR_AGGREGATE_CACHE_MAXSIZE) and the constructor's env override it. A
    # system of 30 events takes ~10 kB: 10,000 aggregates, ~100 MB at most.
    env = {"AGGREGATE_CACHE_MAXSIZE": "10000"}
