"""Reminder e-mails: the Danish text (plain and HTML) of each duty, a deterministic Message-ID,
and delivery over SMTP with aiosmtplib (STARTTLS by default)."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any
from uuid import UUID

import aiosmtplib

from domain import inventory as inv
from domain.basis import BasisCode
from domain.reminders import Duty
from infra.settings import Smtp

LACKING_DA = {"decision": "en beslutning", "archive_duty": "afklaret arkiveringspligt",
              "contracts_ended": "opsagte kontrakter", "sign_off": "den ansvarliges afslutning"}


class Undeliverable(Exception):
    """No address to send to: the reminder is recorded as undeliverable, for the council to see,
    with the code of why (`why`); the message is the operator's, in English."""

    def __init__(self, why: BasisCode, message: str) -> None:
        super().__init__(message)
        self.why = why


def role_da(role: str | None) -> str:
    """A role's Danish name, as the exports write it."""
    return inv.ROLE_LABEL.get(role, (role or "").replace("_", " ").capitalize())  # type: ignore[call-overload]


def message_id(reminder_id: UUID, sender: str) -> str:
    """The same reminder always has the same Message-ID: a duplicate sent after a crash is
    recognisably the same message."""
    domain = sender.rpartition("@")[2] or "ansvar.local"
    return f"<reminder-{reminder_id}@{domain}>"


def _listed(count: str, listing: Sequence[str]) -> str:
    """A council list's lines, and how many more there are than it names."""
    more = int(count) - len(listing)
    return "\n".join([f"- {line}" for line in listing] + ([f"... og {more} flere"] if more > 0 else []))


def texts(r: Mapping[str, Any], system_name: str | None, about_name: str | None,
          listing: Sequence[str] = ()) -> tuple[str, list[str]]:
    """Subject and paragraphs of the reminder, in Danish."""
    details = dict(r["details"])
    system, role = system_name or "et system", role_da(r["role"])
    duty = r["duty"]
    if duty == Duty.ATTESTATION_DUE:
        return (f"Bekræft dit ansvar som {role} for {system} senest {details.get('due_on')}", [
            f"Du står som {role} for {system}. Ansvaret skal bekræftes (attesteres) senest {details.get('due_on')}.",
            "Bekræft det i ansvar, eller overdrag rollen til en kollega, hvis den ikke længere er din.",
        ])
    if duty == Duty.ATTESTATION_OVERDUE:
        return (f"Dit ansvar som {role} for {system} er ikke bekræftet", [
            f"Du står som {role} for {system}, men ansvaret skulle have været bekræftet senest {details.get('due_on')}.",
            "Bekræft det i ansvar nu, eller overdrag rollen; indtil da står systemet på listen over ansvarshuller.",
        ])
    if duty == Duty.CLAIM_ANSWERED:
        answer = "godkendt" if details.get("status") == "confirmed" else "afvist"
        return (f"Dit krav på rollen som {role} for {system} er {answer}", [
            f"Porteføljerådet har {answer} dit krav på rollen som {role} for {system}.",
            "Se svaret og begrundelsen på systemets tidslinje i ansvar.",
        ])
    if duty == Duty.HANDOVER_OFFERED:
        who = about_name or "En kollega"
        return (f"{who} vil overdrage rollen som {role} for {system} til dig", [
            f"{who} har tilbudt dig rollen som {role} for {system} fra {details.get('effective_from')}"
            f" (tilbudt {details.get('offered_on')}).",
            f"Tag imod eller sig nej med en begrundelse under Mine systemer i ansvar. Indtil du svarer, har {who}"
            " ansvaret.",
        ])
    if duty == Duty.CLAIMS_WAITING:
        count = details.get("count", "0")
        return (f"{count} krav venter på svar", [
            f"{count} krav på roller har ventet på svar længere end fristen (det ældste siden {details.get('oldest')}):",
            _listed(count, listing), "Godkend eller afvis dem i ansvar.",
        ])
    if duty == Duty.ROLES_UNHELD:
        count = details.get("count", "0")
        return (f"{count} systemer i brug uden ejer", [
            f"{count} systemer i brug har ingen, der har rollen og kan bekræfte ansvaret:",
            _listed(count, listing), "Udpeg en ejer i ansvar.",
        ])
    if duty == Duty.DECOMMISSIONING_LACKING:
        lacking = ", ".join(LACKING_DA.get(x, x) for x in details.get("lacking", "").split(",") if x)
        return (f"Afviklingen af {system} mangler stadig noget", [
            f"Du er ansvarlig for afviklingen af {system}. Den mangler stadig: {lacking}.",
            "Registrér det i ansvar, når det er på plads.",
        ])
    if duty == Duty.HOLDER_GONE:
        what = "bekræftelse af ansvaret" if str(details.get("duty", "")).startswith("attestation") else "en opgave"
        return (f"{system}: den ansvarlige er fratrådt ({role or 'afvikling'})", [
            f"{about_name or 'Den ansvarlige'} er fratrådt den {details.get('left_on')}, men står stadig med {what}"
            f" for {system} ({role or 'afvikling'}).",
            "Porteføljerådet skal udpege en ny ansvarlig.",
        ])
    if duty == Duty.GAP_DIGEST:
        rules = [(k.removeprefix("rule:"), v) for k, v in details.items() if k.startswith("rule:")]
        lines = [f"Nye ansvarshuller siden sidste uge: {details.get('new', '0')}. Åbne i alt: {details.get('open', '0')}."]
        lines += [f"{inv.RULE_LABEL.get(rule, rule)}: {n}" for rule, n in rules]
        return (f"Ugens ansvarshuller: {details.get('new', '0')} nye, {details.get('open', '0')} åbne", lines)
    return (f"Påmindelse fra ansvar om {system}", [f"{duty}: {system}"])


def page_of(r: Mapping[str, Any], base: str | None) -> str | None:
    """The web page where the recipient acts on the reminder: the system's page, or the council's
    overview for a list."""
    if not base:
        return None
    if r.get("duty") == Duty.HANDOVER_OFFERED:
        return f"{base}/ui/me"
    return f"{base}/ui/systems/{r['system_id']}" if r.get("system_id") else f"{base}/ui/"


def build(r: Mapping[str, Any], to_name: str | None, to_address: str, smtp: Smtp, system_name: str | None,
          about_name: str | None, when: Any, listing: Sequence[str] = (), base_url: str | None = None) -> EmailMessage:
    subject, paragraphs = texts(r, system_name, about_name, listing)
    link = page_of(r, base_url)
    greeting = f"Kære {to_name}," if to_name else "Kære porteføljeråd,"
    footer = "Denne besked er sendt af ansvar, kommunens overblik over hvem der har ansvaret for hvert IT-system."
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = smtp.sender
    msg["To"] = formataddr((to_name or "", to_address))
    msg["Message-ID"] = message_id(r["id"], smtp.sender)
    msg["Date"] = formatdate(when.timestamp(), localtime=False)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content("\n\n".join([greeting, *paragraphs, *([f"Åbn siden: {link}"] if link else []), footer]) + "\n")
    body = "".join(f"<p>{html.escape(p)}</p>" for p in [greeting, *paragraphs])
    if link:
        body += f'<p><a href="{html.escape(link, quote=True)}">Åbn siden i ansvar</a></p>'

    msg.add_alternative(f"<!doctype html><html lang=\"da\"><body>{body}<p style=\"color:#555\">{html.escape(footer)}</p>"
                        "</body></html>", subtype="html")
    return msg


async def send_all(smtp: Smtp, messages: Sequence[tuple[Any, EmailMessage]],
                   done: Callable[[Any, str | None], None]) -> None:
    """Send each message over one connection, calling `done(key, None)` as soon as the server has
    accepted it (or `done(key, reply)` with its refusal), before the next is sent: a process
    killed mid-run leaves at most the one message in flight sent but not recorded. Raises
    aiosmtplib.SMTPException (or OSError) when the server cannot be reached at all."""
    client = aiosmtplib.SMTP(hostname=smtp.host, port=smtp.port, timeout=smtp.timeout,
                             start_tls=smtp.starttls, use_tls=False)
    await client.connect()
    try:
        if smtp.user:
            await client.login(smtp.user, smtp.password or "")
        for key, message in messages:
            try:
                await client.send_message(message)
            except aiosmtplib.SMTPRecipientsRefused as exc:
                done(key, "; ".join(f"{e.code} {e.message}" for e in exc.recipients))
            except aiosmtplib.SMTPResponseException as exc:
                done(key, f"{exc.code} {exc.message}")
            else:
                done(key, None)
    finally:
        try:
            await client.quit()
        except aiosmtplib.SMTPException:
            pass
