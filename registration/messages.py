"""What a youth is told, by which channel, in the organisation's words: the one way to message a youth.

Channels: texts work best in the field, so every service message goes by SMS unless the youth
said STOP or prefers e-mail ("email"); an e-mail goes too whenever they gave an address (it can
carry the calendar invitation). Everything is written to the
outbox in the caller's transaction (`write_transaction()`), with an idempotency key per
registration, message and occasion, so a message is never queued twice for the same thing.
"""

from __future__ import annotations

import re
import secrets
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from accounts.services import require_role
from accounts.tables import Role
from core import signals
from core.clock import utcnow
from core.db import write_transaction
from core.errors import InvalidInput
from core.i18n import gettext as _
from core.i18n import lazy, ngettext
from events.services import get_event
from events.tables import Session
from messaging import addressing, outbox, templates
from messaging.tables import Channel
from registration import signals as registration_signals
from registration import tokens
from registration.people import display_phone
from registration.tables import Participant, Registration, RegistrationStatus

_LINK = re.compile(r"(https?://[^\s<]+)")
INVITING = frozenset({"confirmation", "waiting", "pending", "promoted"})
CONTEXTS_AT_ONCE = 500


# Piccolo copies a column at each step of a join chain: built once here rather than for every message, where
# they cost more than the query itself (a registration composes its confirmation inside the event's lock).
_CONTEXT_COLUMNS = (
    Registration.id,
    Registration.manage_sealed,
    Registration.session,
    Registration.event,
    Registration.participant,
    Registration.status,
    Registration.participant.first_name.as_alias("first_name"),
    Registration.participant.phone.as_alias("mobile"),
    Registration.participant.email.as_alias("email"),
    Registration.participant.channel.as_alias("channel"),
    Registration.participant.sms_opt_out_at.as_alias("opted_out"),
    Registration.event.title.as_alias("title"),
    Registration.event.timezone.as_alias("timezone"),
    Registration.event.meeting_point.as_alias("meeting_point"),
    Registration.event.contact_phone.as_alias("contact_phone"),
    Registration.event.organisation.as_alias("organisation"),
    Registration.event.organisation.name.as_alias("organiser"),
    Registration.event.organisation.phone.as_alias("organisation_phone"),
)


async def contexts_of(registration_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The registrations, their youths and events as the message variables need them, by id: two queries
    however many youths a change or a published plan tells."""
    if len(registration_ids) > CONTEXTS_AT_ONCE:  # keep under the engines' limits on bound parameters
        head, tail = registration_ids[:CONTEXTS_AT_ONCE], registration_ids[CONTEXTS_AT_ONCE:]
        return await contexts_of(head) | await contexts_of(tail)
    if not registration_ids:
        return {}
    rows = await Registration.select(*_CONTEXT_COLUMNS).where(Registration.id.is_in(list(registration_ids)))
    if not rows:
        return {}
    sessions = (
        await Session.select(
            Session.id,
            Session.event,
            Session.starts_at,
            Session.place,
            Session.site.name.as_alias("site"),
            Session.site.city.as_alias("city"),
        )
        .where(Session.event.is_in(list({row["event"] for row in rows})))
        .order_by(Session.starts_at)
    )
    by_id = {session["id"]: session for session in sessions}
    first_of_event: dict[int, dict[str, Any]] = {}
    for session in sessions:
        first_of_event.setdefault(session["event"], session)
    for row in rows:  # the youth's own time slot, else the event's first session; their personal page's token
        row["manage_token"] = tokens.page_token(row.pop("manage_sealed"))
        row["first_session"] = by_id.get(row["session"]) if row["session"] else first_of_event.get(row["event"])
    return {row["id"]: row for row in rows}


async def context_of(registration_id: int) -> dict[str, Any] | None:
    return (await contexts_of([registration_id])).get(registration_id)


def values_of(context: dict[str, Any], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    tz = ZoneInfo(context["timezone"])
    first = context["first_session"]
    start = first["starts_at"].astimezone(tz) if first else None
    place = (", ".join(p for p in (first["site"], first["city"]) if p) or first["place"]) if first else ""
    return {
        "first_name": context["first_name"],
        "event": context["title"],
        "date": format_date(start, "EEEE d MMMM", locale="fr") if start else "",
        "time": start.strftime("%H:%M") if start else "",
        "place": place or context["meeting_point"],
        "link": tokens.personal_link(context["manage_token"]),
        "phone": display_phone(context["contact_phone"] or context["organisation_phone"] or ""),
        "organiser": context["organiser"],
        **(extra or {}),
    }


def channels_for(context: dict[str, Any]) -> list[Channel]:
    """The channels a message to this youth takes (messaging.addressing: texts first, e-mail too)."""
    return addressing.channels(
        phone=context["mobile"], email=context["email"], opted_out=context["opted_out"], preference=context["channel"]
    )


async def tell(
    registration_id: int,
    key: str,
    *,
    occasion: str = "",
    extra: dict[str, Any] | None = None,
    urgent: bool = False,
    invitation: bytes | None = None,
    method: str = "REQUEST",
    context: dict[str, Any] | None = None,
) -> list[Channel]:
    """Queue message `key` for a registration (in the caller's transaction); the channels used.

    `occasion` tells apart two messages of the same kind (two changes, two reminders' dates). Who tells many
    youths at once passes each one's `context`, read for all of them by `contexts_of`."""
    context = context or await context_of(registration_id)
    if context is None:
        return []
    values = values_of(context, extra)
    if invitation is None and key in INVITING and context["email"]:  # their calendar gets the event
        invitation = await invitation_for(context)
    used = []
    for channel in channels_for(context):
        subject, body = await templates.template(context["organisation"], key, channel)
        idempotency = addressing.key(key, registration_id, channel, occasion)
        if channel == Channel.sms:
            await outbox.enqueue_sms(
                to=context["mobile"],
                text=templates.render(body, values),
                key=idempotency,
                organisation_id=context["organisation"],
                urgent=urgent,
            )
        else:
            text = templates.render(body, values)
            await outbox.enqueue_email(
                to=context["email"],
                subject=templates.render(subject, values),
                text=text,
                html=as_html(text),
                key=idempotency,
                organisation_id=context["organisation"],
                attachment=invitation.decode() if invitation else "",
                attachment_method=method if invitation else "",
            )
        used.append(channel)
    return used


def reach(sent: list[list[Channel]]) -> dict[str, int]:
    """What telling many youths queued, from `tell`'s answers (one per youth): texts, e-mails, and youths
    nothing could reach (no mobile or STOP, and no e-mail address)."""
    return {
        "sms": sum(Channel.sms in channels for channels in sent),
        "email": sum(Channel.email in channels for channels in sent),
        "unreached": sum(not channels for channels in sent),
    }


def reach_text(counts: dict[str, int]) -> str:
    """`reach` in words for the organiser: "7 SMS et 3 e-mails en cours d'envoi ; 1 jeune sans SMS ni e-mail :
    à prévenir par téléphone." """
    queued = _(
        "%(texts)s and %(emails)s on their way",
        texts=ngettext("%(num)s text message", "%(num)s text messages", counts["sms"]),
        emails=ngettext("%(num)s e-mail", "%(num)s e-mails", counts["email"]),
    )
    if not counts["unreached"]:
        return f"{queued}."
    unreached = ngettext(
        "%(num)s youth can get neither a text nor an e-mail: tell them by phone.",
        "%(num)s youths can get neither a text nor an e-mail: tell them by phone.",
        counts["unreached"],
    )
    return _("%(queued)s; %(unreached)s", queued=queued, unreached=unreached)


async def invitation_for(registration: dict[str, Any], method: str = "REQUEST") -> bytes | None:
    """The youth's calendar invitation, written by the calendars feature (registration.signals.invitation_wanted)."""
    return await signals.first(registration_signals.invitation_wanted, registration=registration, method=method)


def as_html(text: str) -> str:
    """The same words as an HTML body: paragraphs, line breaks and clickable links (escaped first)."""
    paragraphs = []
    for block in text.split("\n\n"):
        lines = [_LINK.sub(r'<a href="\1">\1</a>', escape(line)) for line in block.split("\n")]
        paragraphs.append("<p>" + "<br>".join(lines) + "</p>")
    return '<div style="font-family:sans-serif;font-size:16px;line-height:1.5">' + "".join(paragraphs) + "</div>"


async def opt_out(phone: str) -> int:
    """A youth answered STOP: no more text messages to this number, whatever the organisation."""
    rows = (
        await Participant.update({Participant.sms_opt_out_at: utcnow()})
        .where((Participant.phone == phone) & Participant.sms_opt_out_at.is_null())
        .returning(Participant.id)
    )
    return len(rows)


async def set_channel(participant_id: int, choice: str) -> None:
    """The youth's own choice from their page: texts (the default), e-mail only, or no texts at all (STOP)."""
    values: dict[Any, Any]
    if choice == "stop":
        values = {Participant.sms_opt_out_at: utcnow()}
    elif choice in ("sms", "email"):
        values = {Participant.channel: choice, Participant.sms_opt_out_at: None}
    else:
        raise InvalidInput(lazy("Choose one of the proposed options."), field="channel")
    await Participant.update(values).where(Participant.id == participant_id)


class NothingToSay(InvalidInput):
    code = "empty_message"
    message = lazy("Write the message to send.")


async def broadcast(user: Any, event_id: int, text: str, *, urgent: bool = False) -> int:
    """The organiser's own text message to every youth with a place (organisers only): how many were queued.

    Quiet hours hold it until morning unless it is urgent (a cancellation at dawn, a changed meeting point).
    Each text sent is its own message, keyed by a fresh id: a correction sent right after a mistaken text goes
    too (a key by the minute dropped it)."""

    event = await get_event(user, event_id)
    require_role(user, event["organisation"], Role.organiser)
    if not text.strip():
        raise NothingToSay(field="text")
    rows = await Registration.select(
        Registration.id,
        Registration.participant.phone.as_alias("mobile"),
        Registration.participant.sms_opt_out_at.as_alias("opted_out"),
    ).where((Registration.event == event_id) & (Registration.status == RegistrationStatus.confirmed))
    sent = 0
    stamp = secrets.token_hex(8)
    async with write_transaction():
        for row in rows:
            if addressing.can_text(phone=row["mobile"], opted_out=row["opted_out"]):  # texts only, by design
                sent += await outbox.enqueue_sms(
                    to=row["mobile"],
                    text=text.strip(),
                    key=addressing.key("broadcast", row["id"], Channel.sms, occasion=f"{event_id}-{stamp}"),
                    organisation_id=event["organisation"],
                    urgent=urgent,
                )
    outbox.wake()
    return sent
