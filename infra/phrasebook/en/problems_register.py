"""English problem sentences about the register: systems, roles and claims, hand-overs, people and
org units (codes of domain/errors.py; parameters as the raise sites give them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_PEOPLE = {"admin": "an admin", "council": "a council member", "auditor": "an auditor"}


def _not_found(params: Mapping[str, Any]) -> str:
    if "position" in params:
        return f"no event at log position {params['position']}"
    return f"no {params.get('kind') or 'resource'} with id {params.get('id')}"


def _acting(params: Mapping[str, Any]) -> str:
    others = " or ".join(_PEOPLE.get(str(r), str(r)) for r in params["others"])
    return (f"{params['field']} names {params['person_id']}, but you are {params['actor_id']}: acting as"
            f" {params['role']}, you may do this only for yourself"
            + (f"; {others} may do it for another person." if others else "."))


def _email_taken(params: Mapping[str, Any]) -> str:
    who = params.get("existing_name") or params["existing_id"]
    return f"{who} ({params['existing_id']}) already has the e-mail address {params['email']!r}"


REGISTER: dict[str, Any] = {
    # not found (the commands' `_existing` gives kind and id)
    "not-found": _not_found,
    "system-not-found": "no system with id {id}",
    "person-not-found": "no person with id {id}",
    "org-unit-not-found": "no org unit with id {id}",
    "proposal-not-found": "no proposal with id {id}",
    "meeting-not-found": "no meeting with id {id}",
    "decision-not-found": "no decision with id {id}",
    "claim-not-found": lambda p: f"system {p['system_id']} has no claim {p['id']}" if "system_id" in p
    else f"no claim with id {p['id']}",
    "handover-not-found": lambda p: f"system {p['system_id']} has no hand-over offer {p['id']}" if "system_id" in p
    else f"no hand-over offer with id {p['id']}",
    "no-decommissioning": "no decommissioning has been proposed for system {id}",
    "unknown-reference": "no {kind} with id {id}",
    "no-such-claim": "system {system_id} has no claim {claim_id}",
    # systems, roles, claims
    "system-name-taken": lambda p: f"org unit {p['org_unit_id']} already has a system named {p['name']!r}"
    + (f": {p['existing_name']!r} ({p['existing_id']})" if p.get("existing_id") else ""),
    "system-name-looks-taken": "org unit {org_unit_id} already has a system whose name looks the same as {name!r}:"
    " {existing_name!r} ({existing_id})",
    "already-holds-role": "person {person_id} already holds {role} on system {system_id} (since {effective_from})",
    "claim-already-open": "person {person_id} already has open claim {claim_id} for {role} on system {system_id}",
    "claim-already-answered": "claim {claim_id} was already {current}",
    "not-holder": "person {person_id} does not hold {role} on system {system_id} on {on}",
    "not-role-holder": "you ({actor_id}) do not hold {role} on system {system_id} on {on}",
    "offer-without-person": "a hand-over is offered by the person holding the role",
    "own-claim": "claim {claim_id} is your own; another council member must confirm it",
    "invalid-period": "effective_to ({effective_to}) must be after effective_from ({effective_from})",
    "date-out-of-range": "{field} must be a date from {earliest} to {latest}, not {given}",
    # acting for another
    "acting-for-another": _acting,
    "claim-for-another": "you ({actor_id}) may claim a role only for yourself, not for {person_id}",
    "attest-for-another": "you ({actor_id}) may attest only roles you hold yourself, not for {person_id}",
    "propose-for-another": "you ({actor_id}) may submit proposals only in your own name, not for {person_id}",
    "revise-for-another": "only the proposer (or the council) may revise a proposal",
    "digest-for-another": "a person chooses the digest only for themself",
    "withdraw-for-another": "a proposal is withdrawn by its proposer, not on their behalf",
    # hand-overs
    "handover-to-self": "you cannot hand a role over to yourself",
    "backdated-handover": "a hand-over takes effect today ({today}) or later, not {given};"
    " ask the council to record a past change",
    "handover-void": "the offer is void: {from_person_id} no longer holds {role} on {on}",
    "decline-reason-missing": "say why you decline the hand-over",
    "not-offer-maker": "you ({actor_id}) did not make hand-over offer {offer_id}; only its maker may withdraw it",
    "not-offer-recipient": "hand-over offer {offer_id} is made to {to_person_id}, not to you ({actor_id})",
    "handover-already-answered": "hand-over offer {offer_id} was already {current}",
    "handover-already-offered": "{role} on system {system_id} is already offered to {to_person_id} (offer {offer_id})",
    "colleague-missing": "choose the colleague to hand the role over to",
    # people
    "email-taken": _email_taken,
    "email-given-twice": "the e-mail address {email!r} is given to two people ({other!r})",
    "person-merged": "person {person_id} was merged into {merged_into}: name that person",
    "merged-already": "person {person_id} was already merged into {merged_into}",
    "survivor-merged": "person {person_id} was merged into {merged_into}: merge into that person instead",
    "merge-into-self": "a person cannot be merged into themself: name another person in `into`",
    "survivor-erased": "person {person_id}'s name and e-mail are erased: a merge keeps the survivor's, so merge into"
    " the record that still names the person",
    "survivor-departed": "person {person_id} left on {departed_on}, and {merged_id} has not left: merge the other way,"
    " or record the return first",
    "person-departed": "person {person_id} left the organisation on {departed_on}",
    "already-left": "person {person_id} already left on {departed_on}",
    "not-left": "person {person_id} has not left",
    "own-departure": "your own departure is recorded by another admin (it ends your access)",
    "details-erased": "person {person_id}'s name and e-mail are erased: there is nothing to correct",
    "details-already-erased": "person {person_id}'s name and e-mail are already erased",
    "person-unchanged": "person {person_id} is already registered so",
    "placement-unchanged": "person {person_id} already has this unit and title",
    "name-missing": "the person has no name on record: give one",
    "nothing-to-correct": "give at least one of name, email, title and org_unit_id to correct",
    "no-link-for-person": "a person who has left, or whose details are erased, gets no sign-in link",
    # org units
    "org-unit-dissolved": "org unit {org_unit_id} was dissolved on {dissolved_on}",
    "unit-already-dissolved": "org unit {org_unit_id} was already dissolved on {dissolved_on}",
    "unit-already-named": "org unit {org_unit_id} is already named {name!r}",
    "unit-already-under": "org unit {org_unit_id} already sits under {parent_id}",
    "level-under-level": "a {level} cannot sit under a {parent_level}",
    # racing commands
    "concurrent-change": "someone else changed this at the same moment; retry",
    "kept-changing": "{kind} {id} kept changing; retry",
    "records-kept-changing": "the records this command touches kept changing; retry",
    "details-kept-changing": "people's details kept changing during the upgrade; it runs again at the next start",
    "events-kept-changing": "system events around position {position} kept changing; retry",
}

