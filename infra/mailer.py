"""Reminder e-mails: the Danish text of each duty, as a plain-text and an HTML part of one message
(multipart/alternative), people and systems by name and dates as Danes write them; a deterministic
Message-ID; and delivery over SMTP with aiosmtplib (STARTTLS by default)."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any
from uuid import UUID

import aiosmtplib

from domain.gaps import SEVERITY
from domain.reminders import Duty
from infra.phrasebook.da import labels as da
from infra.phrasebook.da.dates import danish_date
from infra.phrasebook.da.labels import LACKING as LACKING_DA
from infra.phrasebook.da.labels import role_da
from infra.settings import Smtp


class Undeliverable(Exception):
    """No address to send to: the reminder is recorded as undeliverable, for the council to see."""


def message_id(reminder_id: UUID, sender: str) -> str:
    """The same reminder always has the same Message-ID: a duplicate sent after a crash is
    recognisably the same message."""
    domain = sender.rpartition("@")[2] or "ansvar.local"
    return f"<reminder-{reminder_id}@{domain}>"


def date_da(value: date | str | None) -> str:
    """A date as Danes write it: "21. oktober 2025" (Babel's Danish month names)."""
    if value is None or value == "":
        return "en ukendt dato"
    return danish_date(value if isinstance(value, date) else date.fromisoformat(str(value)[:10]))


def _role(role: str | None) -> str:
    """A role as it is written inside a sentence: "systemejer", "teknisk ansvarlig"."""
    return role_da(role).lower() if role else "en rolle"


def _more(count: str, listed: int) -> list[str]:
    more = int(count or 0) - listed
    return [f"… og {more} til"] if more > 0 else []


@dataclass(frozen=True)
class Listed:
    """One line of a council list: a system, and for a claim who made it and when."""

    system: str | None
    role: str | None
    person: str | None = None
    made_on: date | None = None

    def line(self) -> str:
        system = self.system or "et system, der ikke længere er i registret"
        if self.made_on is None:
            return f"{system} (mangler {_role(self.role)})"
        who = self.person or "en tidligere medarbejder"
        return f"{system}: {who} gjorde krav på rollen som {_role(self.role)} den {date_da(self.made_on)}"


#: A paragraph, or a list (a bulleted list in HTML, lines beginning with "- " in plain text).
Paragraph = str | list[str]


def texts(r: Mapping[str, Any], system_name: str | None, about_name: str | None,
          listing: Sequence[Listed] = ()) -> tuple[str, list[Paragraph]]:
    """Subject and paragraphs of the reminder, in Danish."""
    details = dict(r["details"])
    system, role = system_name or "et system", _role(r["role"])
    duty = r["duty"]
    if duty == Duty.ATTESTATION_DUE:
        due = date_da(details.get("due_on"))
        return (f"Bekræft senest {due}, at du stadig er {role} for {system}", [
            f"Du er registreret som {role} for {system}. Senest den {due} skal du bekræfte, at det stadig er dig,"
            " der har ansvaret.",
            "Bekræft det på systemets side. Er rollen ikke længere din, så overdrag den til en kollega i stedet.",
        ])
    if duty == Duty.ATTESTATION_OVERDUE:
        return (f"Påmindelse: Bekræft, at du stadig er {role} for {system}", [
            f"Du er registreret som {role} for {system}. Du skulle senest den {date_da(details.get('due_on'))} have"
            " bekræftet, at det stadig er dig, der har ansvaret, men det er ikke sket endnu.",
            "Bekræft det nu, eller overdrag rollen til en kollega, hvis den ikke længere er din. Indtil da står"
            f" {system} på listen over uklart ansvar.",
        ])
    if duty == Duty.CLAIM_ANSWERED:
        answer = "godkendt" if details.get("status") == "confirmed" else "afvist"
        now = f" Du er nu registreret som {role} for {system}." if answer == "godkendt" else ""
        return (f"Porteføljerådet har {answer} dit krav på rollen som {role} for {system}", [
            f"Porteføljerådet har {answer} dit krav på rollen som {role} for {system}.{now}",
            "Du kan se svaret og begrundelsen på systemets side.",
        ])
    if duty == Duty.HANDOVER_OFFERED:
        who = about_name or "En kollega"
        return (f"{who} vil overdrage rollen som {role} for {system} til dig", [
            f"{who} har den {date_da(details.get('offered_on'))} tilbudt at overdrage rollen som {role} for {system}"
            f" til dig med virkning fra den {date_da(details.get('effective_from'))}.",
            "Tag imod tilbuddet, eller afslå det med en begrundelse, under Mine systemer. Indtil du har svaret, er"
            f" det fortsat {about_name or 'din kollega'}, der har ansvaret.",
        ])
    if duty == Duty.CLAIMS_WAITING:
        count = details.get("count", "0")
        return (f"{count} krav på roller venter på porteføljerådets svar", [
            "Disse krav på roller har ventet længere på svar, end fristen tillader. Det ældste blev rejst den"
            f" {date_da(details.get('oldest'))}.",
            [item.line() for item in listing] + _more(count, len(listing)),
            "Godkend eller afvis dem på systemernes sider.",
        ])
    if duty == Duty.ROLES_UNHELD:
        count = details.get("count", "0")
        one = count == "1"
        return (f"{'1 system' if one else f'{count} systemer'} i drift mangler en ansvarlig", [
            f"{'Dette system er' if one else 'Disse systemer er'} i drift, men ingen har den rolle, der bekræfter"
            f" ansvaret for {'det' if one else 'dem'}:",
            [item.line() for item in listing] + _more(count, len(listing)),
            f"Udpeg en ansvarlig på {'systemets side' if one else 'systemernes sider'}.",
        ])
    if duty == Duty.DECOMMISSIONING_LACKING:
        lacking = [LACKING_DA.get(x, "en oplysning mere") for x in details.get("lacking", "").split(",") if x]
        return (f"Afviklingen af {system} er ikke afsluttet", [
            f"Du er ansvarlig for afviklingen af {system}. Før den kan afsluttes, mangler følgende:",
            [item[:1].upper() + item[1:] for item in lacking],
            "Registrér hvert punkt på systemets side, efterhånden som det kommer på plads.",
        ])
    if duty == Duty.HOLDER_GONE:
        return _holder_gone(details, system, r["role"], about_name)
    if duty == Duty.GAP_DIGEST:
        new, open_ = details.get("new", "0"), details.get("open", "0")
        rules = [(k.removeprefix("rule:"), v) for k, v in details.items() if k.startswith("rule:")]
        rules.sort(key=lambda rule_n: SEVERITY.get(rule_n[0], len(SEVERITY)))
        return (f"Ugens huller i ansvaret: {new} {'nyt' if new == '1' else 'nye'}, {open_} åbne i alt", [
            f"Siden sidste uge er der kommet {new} {'nyt hul' if new == '1' else 'nye huller'} i ansvaret."
            f" I alt er der {open_} åbne, fordelt sådan:",
            [f"{da.RULE_LABEL.get(rule, 'Andet')}: {n}" for rule, n in rules],
            "Se dem under Uklart ansvar.",
        ])
    return (f"Påmindelse om {system}", [f"Du har en opgave i ansvar, der vedrører {system}."])


def _holder_gone(details: Mapping[str, str], system: str, role: str | None, about_name: str | None
                 ) -> tuple[str, list[Paragraph]]:
    """To the council: the person a reminder was for has left; what they still stand for."""
    who, left, duty = about_name or "En tidligere medarbejder", date_da(details.get("left_on")), details.get("duty", "")
    act = f"Porteføljerådet skal udpege en ny {_role(role)}." if role else "Porteføljerådet skal udpege en ny ansvarlig."
    if duty.startswith("attestation"):
        what = (f", men er stadig registreret som {_role(role)} for {system}. Ansvaret skal bekræftes, og det kan"
                f" {about_name or 'vedkommende'} ikke længere gøre")
    elif duty == Duty.DECOMMISSIONING_LACKING:
        what = f", men er stadig ansvarlig for afviklingen af {system}, som ikke er afsluttet"
    elif duty == Duty.HANDOVER_OFFERED:
        what = f", men har stadig et ubesvaret tilbud om at overtage rollen som {_role(role)} for {system}"
        act = "Den, der gav tilbuddet, bør trække det tilbage og tilbyde rollen til en anden."
    elif duty == Duty.CLAIM_ANSWERED:
        what = f" og kan derfor ikke få besked om svaret på sit krav på rollen som {_role(role)} for {system}"
        act = "Beskeden er kun til orientering."
    else:
        what = f", men har stadig en opgave, der vedrører {system}"
    return (f"{system}: {who} er fratrådt", [f"{who} er fratrådt pr. {left}{what}.", act])


def page_of(r: Mapping[str, Any], base: str | None) -> str | None:
    """The web page where the recipient acts on the reminder: the system's page, or the council's
    overview for a list."""
    if not base:
        return None
    if r.get("duty") == Duty.HANDOVER_OFFERED:
        return f"{base}/ui/me"
    return f"{base}/ui/systems/{r['system_id']}" if r.get("system_id") else f"{base}/ui/"


def _plain(paragraph: Paragraph) -> str:
    return paragraph if isinstance(paragraph, str) else "\n".join(f"- {line}" for line in paragraph)


def _html(paragraph: Paragraph) -> str:
    if isinstance(paragraph, str):
        return f"<p>{html.escape(paragraph)}</p>"
    return "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in paragraph) + "</ul>"


def build(r: Mapping[str, Any], to_name: str | None, to_address: str, smtp: Smtp, system_name: str | None,
          about_name: str | None, when: Any, listing: Sequence[Listed] = (), base_url: str | None = None
          ) -> EmailMessage:
    """The message: a plain-text part and an HTML part with the same words (multipart/alternative)."""
    subject, paragraphs = texts(r, system_name, about_name, listing)
    link = page_of(r, base_url)
    greeting = f"Kære {to_name}" if to_name else "Kære porteføljeråd"
    footer = "Denne besked er sendt automatisk af ansvar, kommunens overblik over, hvem der har ansvaret for hvert it-system."
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = smtp.sender
    msg["To"] = formataddr((to_name or "", to_address))
    msg["Message-ID"] = message_id(r["id"], smtp.sender)
    msg["Date"] = formatdate(when.timestamp(), localtime=False)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content("\n\n".join([greeting, *map(_plain, paragraphs), *([f"Åbn siden: {link}"] if link else []),
                                   footer]) + "\n")
    body = "".join(_html(p) for p in [greeting, *paragraphs])
    if link:
        body += f'<p><a href="{html.escape(link, quote=True)}">Åbn siden i ansvar</a></p>'
    head = f'<head><meta charset="utf-8"><title>{html.escape(subject)}</title></head>'
    msg.add_alternative(f'<!doctype html><html lang="da">{head}<body>{body}<p style="color:#555">{html.escape(footer)}'
                        "</p></body></html>", subtype="html")
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
