"""Outreach's test data: an organisation with a past information session, the youths who registered for it
(came or not, agreed or not to hear about other events, said STOP or not), and its next session."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from accounts.services import CurrentUser
from accounts.tables import Organisation, OrganisationKind, Role
from checkin.tables import CheckIn
from core.clock import utcnow
from events.tables import Event, EventStatus, Format, Session
from registration.tables import Consent, ConsentKind, Participant
from tests.factories.accounts import make_organisation, make_user, principal
from tests.factories.events import make_event, make_session
from tests.factories.registration import make_registration, make_youth, published_event


@dataclass
class Outreach:
    organisation: Organisation
    organiser: CurrentUser
    past: Event  # an information session twenty days ago
    past_session: Session
    coming: Event  # the next one, published, next month


async def info_sessions(email: str = "sophie@etti.test", name: str = "ETTI Drôme Emploi") -> Outreach:
    """An ETTI, its organiser, last month's information session and next month's, published."""
    organisation = await make_organisation(name, OrganisationKind.siae)
    user = await principal(await make_user(email, organisation, Role.organiser))
    day = utcnow().date() - timedelta(days=20)
    past = await make_event(organisation, title="Info-coll d'octobre", status=EventStatus.done, starts_on=day)
    start = datetime.combine(day, time(9), tzinfo=UTC)
    session = await make_session(past, start, start + timedelta(hours=2))
    coming = await published_event(None, organisation=organisation, title="Info-coll de décembre")
    return Outreach(organisation, user, past, session, coming)


async def past_participant(
    world: Outreach,
    first_name: str,
    phone: str,
    *,
    came: bool = True,
    consent: bool = True,
    withdrawn: bool = False,
    said_stop: bool = False,
    event: Event | None = None,
    **fields: str,
) -> Participant:
    """A youth registered for the past session (or `event`): checked in unless `came=False`, with the consent to
    hear about other events unless `consent=False` (withdrawn since if `withdrawn`)."""
    youth = await make_youth(
        world.organisation, first_name, "Benali", phone=phone, sms_opt_out_at=utcnow() if said_stop else None, **fields
    )
    registration = await make_registration(event or world.past, youth)
    if came:
        session = world.past_session
        if event is not None:
            start = datetime.combine(event.starts_on, time(9), tzinfo=UTC)
            session = await make_session(event, start, start + timedelta(hours=2))
        await CheckIn(
            registration=registration.id,
            session=session.id,
            status="present",
            scanned_at=session.starts_at,
            nonce=secrets.token_hex(8),
        ).save()
    if consent:
        await Consent(
            participant=youth.id, kind=ConsentKind.other_messages, withdrawn_at=utcnow() if withdrawn else None
        ).save()
    return youth


async def past_rally(world: Outreach) -> Event:
    """A rally the organisation ran last month: another format than the information sessions."""
    day = utcnow().date() - timedelta(days=30)
    return await make_event(
        world.organisation, title="Rallye d'automne", format=Format.rallye, status=EventStatus.done, starts_on=day
    )
