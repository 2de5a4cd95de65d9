"""An adviser proposes an event to one of their youths: a text (or an e-mail when the youth said STOP) with the
event's registration link, pre-filled with the youth's details and attributed to the adviser; the youth still
confirms. The adviser then sees each proposal go from proposed to registered to attended.

A proposal's link is the event's public page with the proposal's unguessable token (`/e/<event>?p=<token>`):
the page fills the form in from the youth's record, and the registration made through it is referred by the
adviser and their organisation (`services.register(..., proposal=token)`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date

from accounts.services import CurrentUser
from accounts.tables import Organisation, Role
from core import signals
from core.clock import utcnow
from core.db import after_commit, write_transaction
from core.errors import Forbidden, NotFound
from core.i18n import lazy
from core.settings import get_settings
from events import access
from events.tables import Event, EventStatus, Session
from messaging import addressing, outbox, templates
from messaging.tables import Channel
from registration import signals as registration_signals
from registration import tokens
from registration.errors import (
    AlreadyProposed,
    AlreadyRegisteredThere,
    ProposalClosed,
    ProposalEventFull,
    YouthUnreachable,
)
from registration.messages import as_html
from registration.people import display_phone
from registration.services import ACTIVE, counts_by_event, registration_open
from registration.tables import Proposal, Registration, Source
from registration.youths import shows_contact, visible_youth

SIGNED_BY_A_PERSON = lazy("A proposal is signed by an adviser: log in with your own account to send it.")

STATES = ("proposed", "registered", "attended")
STATE_LABELS = {
    "proposed": lazy("Proposed"),
    "registered": lazy("Registered"),
    "attended": lazy("Came"),
}
EVENTS_SHOWN = 50  # the coming events an adviser chooses from


@dataclass(slots=True)
class ProposalRow:
    id: int
    participant: int
    youth: str
    event: int
    event_title: str
    starts_on: object
    sent_at: datetime
    sends: int
    state: str  # one of STATES


def _adviser_organisation(user: CurrentUser) -> int | None:
    """The organisation the adviser proposes for: the one they work in now, if they advise there."""
    current = user.current_organisation
    if current is not None and user.at_least(current, Role.adviser):
        return current
    return next((o for o in user.organisation_ids if user.at_least(o, Role.adviser)), None)


async def youth_to_propose_to(user: CurrentUser, participant_id: int) -> dict:
    """The youth (404 when unseen); 403 for those who do not contact youths (an organisation's viewers)."""
    youth, _holder = await visible_youth(user, participant_id)
    if not shows_contact(user, youth["organisation"]) or _adviser_organisation(user) is None:
        raise Forbidden()
    if not user.id:  # an organisation's API token (id 0): no one to sign the text, or to follow it up
        raise Forbidden(SIGNED_BY_A_PERSON)
    return youth


def _open(now: datetime):
    """Published events whose registrations may still be open (the exact rule is `registration_open`)."""
    return (Event.status == EventStatus.published) & (Event.ends_on >= now.date())


async def events_to_propose(user: CurrentUser, *, now: datetime | None = None) -> list[dict]:
    """The coming published events the user sees (their organisation's and their partners', events.access) that
    a youth may register for now, soonest first."""
    now = now or utcnow()
    rows = await (
        Event.select(
            Event.id,
            Event.title,
            Event.starts_on,
            Event.status,
            Event.ends_on,
            Event.capacity,
            Event.registration_opens_at,
            Event.registration_closes_at,
            Event.organisation.name.as_alias("organisation_name"),
        )
        .where(access.visible_to(user) & _open(now))
        .order_by(Event.starts_on)
        .limit(EVENTS_SHOWN)
    )
    counts = await counts_by_event([r["id"] for r in rows])
    return [
        r
        for r in rows
        if registration_open(r, now, Source.public)
        and (r["capacity"] is None or counts.get(r["id"], {}).get("confirmed", 0) < r["capacity"])
    ]


async def _checked_event(user: CurrentUser, event_id: int, now: datetime) -> dict:
    event = (
        await Event.select(
            Event.all_columns(),
            Event.organisation.name.as_alias("organisation_name"),
        )
        .where(access.visible_to(user) & (Event.id == event_id))
        .first()
    )
    if event is None:
        raise NotFound()
    if not registration_open(event, now, Source.public):
        raise ProposalClosed(field="event")
    confirmed = (await counts_by_event([event_id])).get(event_id, {}).get("confirmed", 0)
    if event["capacity"] is not None and confirmed >= event["capacity"]:
        raise ProposalEventFull(field="event")
    return event


async def _already_registered(event_id: int, phone: str) -> bool:
    """Registered, waiting or pending, under this record or the event organisation's record of the same phone."""
    return await Registration.exists().where(
        (Registration.event == event_id)
        & (Registration.participant.phone == phone)
        & Registration.status.is_in(list(ACTIVE))
    )


async def _message_values(user: CurrentUser, youth: dict, event: dict, token: str) -> dict[str, str]:
    first = (
        await Session.select(Session.starts_at, Session.place, Session.site.name.as_alias("site"))
        .where(Session.event == event["id"])
        .order_by(Session.starts_at)
        .first()
    )
    start = first["starts_at"].astimezone(ZoneInfo(event["timezone"])) if first else None
    organisation = (
        await Organisation.select(Organisation.name).where(Organisation.id == _adviser_organisation(user)).first()
    )
    return {
        "first_name": youth["first_name"],
        "event": event["title"],
        "date": format_date(start or event["starts_on"], "EEEE d MMMM", locale="fr"),
        "time": start.strftime("%H:%M") if start else "",
        "place": (first and (first["site"] or first["place"])) or event["meeting_point"],
        "link": f"{get_settings().base_url}/e/{event['public_token']}?p={token}",
        "phone": display_phone(event["contact_phone"] or ""),
        "organiser": event["organisation_name"],
        "adviser": f"{user.full_name}, {organisation['name']}" if organisation else user.full_name,
    }


async def propose(
    user: CurrentUser, participant_id: int, event_id: int, *, resend: bool = False, now: datetime | None = None
) -> list[Channel]:
    """Send the youth the event's pre-filled link, signed by the adviser; the channels it took.

    Refused: the youth cannot be reached (STOP and no e-mail), the event is not open or is full, the youth is
    already registered, or it was proposed already (unless `resend`: the same link goes again)."""
    now = now or utcnow()
    youth = await youth_to_propose_to(user, participant_id)
    event = await _checked_event(user, event_id, now)
    chosen = addressing.channels(
        phone=youth["phone"], email=youth["email"], opted_out=youth["sms_opt_out_at"], preference=youth["channel"]
    )
    if not chosen:
        raise YouthUnreachable()
    if await _already_registered(event_id, youth["phone"]):
        raise AlreadyRegisteredThere(field="event")
    async with write_transaction():
        earlier = (
            await Proposal.select(Proposal.id, Proposal.token_sealed, Proposal.sends, Proposal.sent_at)
            .where((Proposal.event == event_id) & (Proposal.participant == participant_id))
            .first()
        )
        if earlier and not resend:
            raise AlreadyProposed(field="event", date=f"{earlier['sent_at']:%d/%m/%Y}")
        if earlier:
            token = tokens.reveal(tokens.Purpose.proposal, earlier["token_sealed"])  # the same link goes again
            proposal_id, sends = earlier["id"], earlier["sends"] + 1
            await Proposal.update({Proposal.sends: sends, Proposal.sent_at: now}).where(Proposal.id == proposal_id)
        else:
            link, sends = tokens.issue(tokens.Purpose.proposal), 1
            token = link.token
            proposal = Proposal(
                event=event_id,
                participant=participant_id,
                proposed_by=user.id,
                referring_organisation=_adviser_organisation(user),
                token_hash=link.hash,
                token_sealed=link.sealed,
                sent_at=now,
            )
            await proposal.save()
            proposal_id = proposal.id
        values = await _message_values(user, youth, event, token)
        sender = _adviser_organisation(user)
        for channel in chosen:
            subject, body = await templates.template(sender, "proposal", channel)
            key = addressing.key("proposal", proposal_id, channel, occasion=str(sends))
            text = templates.render(body, values)
            if channel == Channel.sms:
                await outbox.enqueue_sms(to=youth["phone"], text=text, key=key, organisation_id=sender, now=now)
            else:
                await outbox.enqueue_email(
                    to=youth["email"],
                    subject=templates.render(subject, values),
                    text=text,
                    html=as_html(text),
                    key=key,
                    organisation_id=sender,
                )
        after_commit(outbox.wake)
    return chosen


# --------------------------------------------------------------------------- what became of them


async def proposals_of(user: CurrentUser, participant_id: int | None = None) -> list[ProposalRow]:
    """The user's proposals (of one youth, or all of them), newest first, each with how far it went."""
    query = Proposal.select(
        Proposal.id,
        Proposal.participant,
        Proposal.participant.first_name.as_alias("first_name"),
        Proposal.participant.last_name.as_alias("last_name"),
        Proposal.event,
        Proposal.event.title.as_alias("event_title"),
        Proposal.event.starts_on.as_alias("starts_on"),
        Proposal.sent_at,
        Proposal.sends,
        Proposal.registration,
    ).where(Proposal.proposed_by == user.id)
    if participant_id is not None:
        query = query.where(Proposal.participant == participant_id)
    rows = await query.order_by(Proposal.sent_at, ascending=False).limit(200)
    states = await _states(rows)
    return [
        ProposalRow(
            id=r["id"],
            participant=r["participant"],
            youth=f"{r['first_name']} {r['last_name']}",
            event=r["event"],
            event_title=r["event_title"],
            starts_on=r["starts_on"],
            sent_at=r["sent_at"],
            sends=r["sends"],
            state=states[r["id"]],
        )
        for r in rows
    ]


async def _states(rows: list[dict]) -> dict[int, str]:
    """Proposed, registered (a place, the waiting list or awaiting approval: through the link or otherwise) or
    attended (checked in as present or late: registration.signals.came_to)."""
    if not rows:
        return {}
    registrations = await Registration.select(
        Registration.id, Registration.event, Registration.participant, Registration.status
    ).where(
        Registration.id.is_in([r["registration"] for r in rows if r["registration"]] or [-1])
        | (
            Registration.event.is_in([r["event"] for r in rows])
            & Registration.participant.is_in([r["participant"] for r in rows])
        )
    )
    by_id = {r["id"]: r for r in registrations}
    by_pair = {(r["event"], r["participant"]): r for r in registrations}
    came = await signals.first(registration_signals.came_to)
    attended = set()
    if came is not None and registrations:
        attended = {
            r["id"]
            for r in await Registration.select(Registration.id).where(
                Registration.id.is_in(list(by_id)) & Registration.id.is_in(came)
            )
        }
    states = {}
    for row in rows:
        registration = by_id.get(row["registration"]) or by_pair.get((row["event"], row["participant"]))
        if registration and registration["id"] in attended:
            states[row["id"]] = "attended"
        elif registration and registration["status"] in ACTIVE:
            states[row["id"]] = "registered"
        else:
            states[row["id"]] = "proposed"
    return states


# --------------------------------------------------------------------------- the youth's side: the link


async def prefilled(public_token: str, proposal_token: str) -> dict[str, str] | None:
    """The registration form's values from the youth's record, for the link of a proposal of this event."""
    row = (
        await Proposal.select(
            Proposal.participant.first_name.as_alias("first_name"),
            Proposal.participant.last_name.as_alias("last_name"),
            Proposal.participant.phone.as_alias("phone"),
            Proposal.participant.email.as_alias("email"),
            Proposal.participant.postcode.as_alias("postcode"),
            Proposal.participant.commune.as_alias("commune"),
        )
        .where((Proposal.token_hash == tokens.digest(proposal_token)) & (Proposal.event.public_token == public_token))
        .first()
    )
    if row is None:
        return None
    return {k: (display_phone(v) if k == "phone" else v) for k, v in row.items() if v}
