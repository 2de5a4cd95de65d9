"""Inviting past participants: youths of the organisation who came to an event of the same format, agreed to
hear about other events and are not registered yet get one text each with the event's registration link.

Who is invited is decided here only, the same way for the preview, the console's send and the API's: the
audience is read inside the sending transaction, so a consent withdrawn after the preview is respected. Each
invitation is a row (who, when, by whom) and a text in the outbox under a key per event and youth: sending
twice texts nobody twice. Registrations they brought: invited youths who registered after their invitation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from accounts.services import CurrentUser
from accounts.tables import Role
from checkin.services import came
from core.clock import utcnow
from core.db import after_commit, write_transaction
from core.errors import Forbidden
from core.settings import get_settings
from events.services import editable_event, get_event
from events.tables import Event, EventStatus, Session
from messaging import addressing, outbox, templates
from messaging.sms import gsm7_friendly
from messaging.tables import Channel
from outreach.errors import CannotBeTexted, EventNotOpen, NeverCame, NobodyChosen, NoConsent, NotInAudience
from outreach.tables import EventInvitation, invitation_key
from registration.people import display_phone
from registration.tables import Consent, ConsentKind, Participant, Registration, RegistrationStatus

LIVE = [RegistrationStatus.pending, RegistrationStatus.confirmed, RegistrationStatus.waiting]
REASONS = ("no_consent", "never_came", "registered", "cannot_text")  # why a past participant is not invited
MESSAGE = "invitation"  # messaging.templates key, and the outbox key's kind
NAMES_IN_ERROR = 5


@dataclass
class Audience:
    """The past participants of similar events, sorted out: whom a send would text, whom it already did, and
    those left out, by reason."""

    to_invite: list[dict[str, Any]] = field(default_factory=list)
    already_invited: list[dict[str, Any]] = field(default_factory=list)
    excluded: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {reason: [] for reason in REASONS})

    def reason_of(self, participant_id: int) -> str | None:
        for reason, youths in self.excluded.items():
            if any(y["id"] == participant_id for y in youths):
                return reason
        return None


def _past_registrations(event: dict[str, Any], today: date) -> Any:
    """The condition on registrations to the organisation's other events of the same format that have begun."""
    return (
        (Registration.event.organisation == event["organisation"])
        & (Registration.event.format == event["format"])
        & (Registration.event.id != event["id"])
        & (Registration.event.starts_on <= today)
    )


async def audience(event: dict[str, Any], now: datetime | None = None) -> Audience:
    """Everyone of the organisation who registered for a past event of this format, sorted out."""
    past = _past_registrations(event, (now or utcnow()).date())
    theirs = (Participant.organisation == event["organisation"]) & Participant.id.is_in(
        Registration.select(Registration.participant).where(past)
    )
    youths = (
        await Participant.select(
            Participant.id,
            Participant.first_name,
            Participant.last_name,
            Participant.phone,
            Participant.email,
            Participant.channel,
            Participant.sms_opt_out_at,
        )
        .where(theirs)
        .order_by(Participant.last_name)
        .order_by(Participant.first_name)
    )
    came_ids = await _ids(Registration.participant, past & Registration.id.is_in(came()))
    consented = await _ids(
        Consent.participant,
        (Consent.kind == ConsentKind.other_messages)
        & Consent.withdrawn_at.is_null()
        & Consent.participant.is_in(Participant.select(Participant.id).where(theirs)),
    )
    registered = await _ids(
        Registration.participant, (Registration.event == event["id"]) & Registration.status.is_in(LIVE)
    )
    invited = await _ids(EventInvitation.participant, EventInvitation.event == event["id"])
    found = Audience()
    for youth in youths:
        reason = _reason(youth, consented, came_ids, registered)
        if reason is not None:
            found.excluded[reason].append(youth)
        elif youth["id"] in invited:
            found.already_invited.append(youth)
        else:
            found.to_invite.append(youth)
    return found


def _reason(youth: dict, consented: set[int], came_ids: set[int], registered: set[int]) -> str | None:
    if youth["id"] not in consented:
        return "no_consent"
    if youth["id"] not in came_ids:
        return "never_came"  # a no-show is never invited
    if youth["id"] in registered:
        return "registered"
    channels = addressing.channels(
        phone=youth["phone"], email=youth["email"], opted_out=youth["sms_opt_out_at"], preference=youth["channel"]
    )
    if Channel.sms not in channels:  # STOP, no mobile, or they asked for e-mail rather than texts
        return "cannot_text"
    return None


async def _ids(column: Any, condition: Any) -> set[int]:
    table = column._meta.table
    return {row[column._meta.name] for row in await table.select(column).where(condition).distinct()}


# ----------------------------------------------------------------------------- the text


async def text_values(event: dict[str, Any]) -> dict[str, Any]:
    """The variables of the invitation, the same for every youth but their first name."""
    first = (
        await Session.select(
            Session.starts_at, Session.place, Session.site.name.as_alias("site"), Session.site.city.as_alias("city")
        )
        .where(Session.event == event["id"])
        .order_by(Session.starts_at)
        .first()
    )
    organisation = (
        await Event.select(Event.organisation.name.as_alias("name"), Event.organisation.phone.as_alias("phone"))
        .where(Event.id == event["id"])
        .first()
    )
    start = first["starts_at"].astimezone(ZoneInfo(event["timezone"])) if first else None
    place = (", ".join(p for p in (first["site"], first["city"]) if p) or first["place"]) if first else ""
    return {
        "event": event["title"],
        "date": format_date(start or event["starts_on"], "EEEE d MMMM", locale="fr"),
        "time": start.strftime("%H:%M") if start else "",
        "place": place or event["meeting_point"],
        "link": f"{get_settings().base_url}/e/{event['public_token']}",
        "phone": display_phone(event["contact_phone"] or organisation["phone"] or ""),
        "organiser": organisation["name"],
    }


async def text_for(event: dict[str, Any], first_name: str, values: dict[str, Any] | None = None) -> str:
    _subject, body = await templates.template(event["organisation"], MESSAGE, Channel.sms)
    return templates.render(body, {**(values or await text_values(event)), "first_name": first_name})


# ----------------------------------------------------------------------------- preview and send


@dataclass
class Preview:
    event: dict[str, Any]
    audience: Audience
    sample: str  # the text the first youth would get
    sent: list[dict[str, Any]]  # invitations already sent, with whether each brought a registration
    brought: int
    open: bool  # published and not begun: invitations may go


async def preview(user: CurrentUser, event_id: int, *, now: datetime | None = None) -> Preview:
    """What sending would do (organisers of the event's organisation): whom it texts, who is left out and why,
    the text, and the invitations already sent with the registrations they brought."""
    now = now or utcnow()
    event = await _organisers_event(user, event_id)
    found = await audience(event, now)
    first = found.to_invite[0]["first_name"] if found.to_invite else "Inès"
    sent = await sent_invitations(event_id)
    brought = sum(1 for s in sent if s["registered_at"])
    sample = gsm7_friendly(await text_for(event, first))  # as the outbox will send it
    return Preview(event, found, sample, sent, brought, _is_open(event, now))


async def _organisers_event(user: CurrentUser, event_id: int) -> dict[str, Any]:
    await editable_event(user, event_id)  # 404 unless seen, 403 unless an organiser of its organisation
    return await get_event(user, event_id)


def _is_open(event: dict[str, Any], now: datetime) -> bool:
    return event["status"] == EventStatus.published and event["starts_on"] >= now.date()


def _check_open(event: dict[str, Any], now: datetime) -> None:
    if not _is_open(event, now):
        raise EventNotOpen()


def _names(youths: list[dict[str, Any]]) -> str:
    names = [f"{y['first_name']} {y['last_name']}" for y in youths[:NAMES_IN_ERROR]]
    more = len(youths) - len(names)
    return ", ".join(names) + (f" (+{more})" if more else "")


def chosen(found: Audience, participant_ids: list[int] | None) -> list[dict[str, Any]]:
    """The youths to text now: everyone in the audience, or those asked for, each checked. A youth asked for who
    may not be texted refuses the whole send (nothing is written); one already invited or registered is skipped."""
    if participant_ids is None:
        return found.to_invite
    wanted = set(participant_ids)
    if not wanted:
        raise NobodyChosen()
    known = {y["id"] for y in found.to_invite + found.already_invited}
    known |= {y["id"] for youths in found.excluded.values() for y in youths}
    if wanted - known:
        raise NotInAudience()
    for reason, error in (("no_consent", NoConsent), ("never_came", NeverCame), ("cannot_text", CannotBeTexted)):
        refused = [y for y in found.excluded[reason] if y["id"] in wanted]
        if refused:
            raise error(names=_names(refused))
    return [y for y in found.to_invite if y["id"] in wanted]


async def invite(
    user: CurrentUser, event_id: int, participant_ids: list[int] | None = None, *, now: datetime | None = None
) -> int:
    """Text the invitation to the audience (or the youths asked for); how many were texted now."""
    now = now or utcnow()
    event = await _organisers_event(user, event_id)
    _check_open(event, now)
    values = await text_values(event)
    texted = 0
    async with write_transaction():
        for youth in chosen(await audience(event, now), participant_ids):
            texted += await _invite_one(event, youth, values, user.id or None, now)  # a token is no one (id 0)
        after_commit(outbox.wake)
    return texted


async def _invite_one(event: dict[str, Any], youth: dict[str, Any], values: dict, by: int | None, now: datetime) -> int:
    recorded = (
        await EventInvitation.insert(
            EventInvitation(
                event=event["id"],
                participant=youth["id"],
                key=invitation_key(event["id"], youth["id"]),
                sent_at=now,
                sent_by=by,
            )
        )
        .on_conflict(target=EventInvitation.key, action="DO NOTHING")
        .returning(EventInvitation.id)
    )
    if not recorded:  # invited meanwhile by a colleague
        return 0
    await outbox.enqueue_sms(
        to=youth["phone"],
        text=await text_for(event, youth["first_name"], values),
        key=addressing.key(MESSAGE, event["id"], Channel.sms, occasion=str(youth["id"])),
        organisation_id=event["organisation"],
        category="other",  # not about a registration of theirs: sent only with their consent
        now=now,
    )
    return 1


# ----------------------------------------------------------------------------- what they brought


async def sent_invitations(event_id: int) -> list[dict[str, Any]]:
    """The invitations sent for an event, each with when the youth registered after it (None if they did not)."""
    rows = (
        await EventInvitation.select(
            EventInvitation.id,
            EventInvitation.participant,
            EventInvitation.sent_at,
            EventInvitation.sent_by.full_name.as_alias("sent_by_name"),
            EventInvitation.participant.first_name.as_alias("first_name"),
            EventInvitation.participant.last_name.as_alias("last_name"),
        )
        .where(EventInvitation.event == event_id)
        .order_by(EventInvitation.sent_at)
        .order_by(EventInvitation.id)
    )
    registrations = await Registration.select(
        Registration.participant, Registration.created_at, Registration.status
    ).where(
        (Registration.event == event_id)
        & Registration.participant.is_in(
            EventInvitation.select(EventInvitation.participant).where(EventInvitation.event == event_id)
        )
    )
    for row in rows:
        mine = [r for r in registrations if r["participant"] == row["participant"]]
        after = [r for r in mine if r["created_at"] >= row["sent_at"]]
        row["registered_at"] = min((r["created_at"] for r in after), default=None)
        row["status"] = after[0]["status"] if after else None
    return rows


async def invitations_of(user: CurrentUser, event_id: int) -> list[dict[str, Any]]:
    """The event's invitations, for the members of its organisation (partners see the event, not these youths)."""
    event = await get_event(user, event_id)  # 404 unless seen
    if not user.at_least(event["organisation"], Role.viewer):
        raise Forbidden()
    return await sent_invitations(event_id)


async def move_invitations(kept_id: int, other_id: int) -> int:
    """The other record's invitations go to the kept one (in the merge's transaction), so what they brought is
    still counted; where both were invited to the same event, the earlier invitation stays. How many moved."""
    kept_events = await _ids(EventInvitation.event, EventInvitation.participant == kept_id)
    moved = 0
    for row in await EventInvitation.select(EventInvitation.id, EventInvitation.event, EventInvitation.sent_at).where(
        EventInvitation.participant == other_id
    ):
        if row["event"] in kept_events:
            await _keep_earlier(row, kept_id)
            continue
        await EventInvitation.update(
            {EventInvitation.participant: kept_id, EventInvitation.key: invitation_key(row["event"], kept_id)}
        ).where(EventInvitation.id == row["id"])
        moved += 1
    return moved


async def _keep_earlier(other: dict[str, Any], kept_id: int) -> None:
    mine = EventInvitation.participant == kept_id
    same_event = EventInvitation.event == other["event"]
    await EventInvitation.update({EventInvitation.sent_at: other["sent_at"]}).where(
        mine & same_event & (EventInvitation.sent_at > other["sent_at"])
    )
    await EventInvitation.delete().where(EventInvitation.id == other["id"])
