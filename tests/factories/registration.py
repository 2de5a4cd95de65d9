"""Youths and their registrations, published events with places, the public registration form."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from accounts.tables import Organisation, OrganisationKind, Role
from events.tables import Event, EventStatus, Format, Session
from registration import services, tokens
from registration.inputs import RegistrationInput
from registration.tables import Participant, Proposal, Registration, RegistrationStatus, Source
from tests.factories.accounts import make_organisation, make_user, organiser, principal
from tests.factories.events import NEXT_MONTH, make_event, make_session, make_site
from tests.support import post_form


async def published_event(
    capacity: int | None = 2,
    *,
    waiting_list: bool = True,
    organisation: Organisation | None = None,
    title: str = "Information collective",
    format: Format = Format.info_collective,
    **fields: Any,
) -> Event:
    """An event open for registration next month (an SIAE's info-coll unless told), one session at 9:00 Paris."""
    organisation = organisation or await make_organisation("Intérim Solidaire", OrganisationKind.siae)
    event = await make_event(
        organisation,
        title=title,
        format=format,
        status=EventStatus.published,
        starts_on=NEXT_MONTH,
        capacity=capacity,
        waiting_list=waiting_list,
        contact_phone="0612345678",
        **fields,
    )
    start = datetime.combine(NEXT_MONTH, datetime.min.time(), UTC).replace(hour=8)
    await make_session(
        event, start, start + timedelta(hours=2), kind="info", place="Mission Locale, 5 avenue des Alpes"
    )
    return event


async def info_session(client: httpx.AsyncClient | None = None):
    """An organiser (logged in when a client is given), their published info-coll at a site with coordinates;
    returns (organisation, organiser, event, the session's row)."""
    if client is not None:
        organisation, user = await organiser(client)
    else:
        organisation = await make_organisation("Intérim Solidaire", OrganisationKind.siae)
        user = await principal(await make_user("sophie@interim.test", organisation, Role.organiser))
    await organisation.update_self({"email": "contact@interim.test", "phone": "+33475000001"})
    event = await published_event(None, organisation=organisation, description="Apportez votre CV.")
    site = await make_site(
        organisation,
        "Mission Locale",
        (44.9305, 4.8990),
        address="5 avenue des Alpes",
        postcode="26000",
        city="Valence",
    )
    await Session.update({Session.site: site.id}).where(Session.event == event.id)
    session = await Session.select().where(Session.event == event.id).first()
    return organisation, user, event, session


def youth_phone(n: int) -> str:
    return f"06 12 34 {n // 100 % 100:02d} {n % 100:02d}"


def youth(n: int = 1, **fields: str) -> dict[str, str]:
    """What youth n types in the public registration form."""
    return {
        "first_name": f"Inès{n}",
        "last_name": "Benali",
        "phone": youth_phone(n),
        "birth_date": "2005-04-12",
        "postcode": "26000",
        **fields,
    }


async def register_online(client: httpx.AsyncClient, event: Event, **fields: str) -> httpx.Response:
    """Youth `n` (a field, 1 unless told) opens the event's public page and sends the form."""
    await client.get(f"/e/{event.public_token}")
    return await post_form(client, f"/e/{event.public_token}", youth(**fields))


async def registration_row(registration_id: int) -> dict:
    """The registration's row, with its personal page's token and its ticket unsealed as the app does
    (`manage_token`, `ticket_token`: registration.tokens), for the links and QR codes a test opens."""
    row = await Registration.select().where(Registration.id == registration_id).first()
    assert row is not None
    row["manage_token"] = tokens.page_token(row["manage_sealed"])
    row["ticket_token"] = row["ticket_sealed"] and tokens.reveal(tokens.Purpose.ticket, row["ticket_sealed"])
    return row


async def proposal_token(event_id: int) -> str:
    """The token of the link an adviser's proposal of this event sent (`/e/<event>?p=<token>`)."""
    row = await Proposal.select(Proposal.token_sealed).where(Proposal.event == event_id).first()
    assert row is not None
    return tokens.reveal(tokens.Purpose.proposal, row["token_sealed"])


async def personal_token(registration_id: int) -> str:
    """The token of the registration's personal page (`/r/<token>`), as messages give it."""
    return (await registration_row(registration_id))["manage_token"]


async def registered(event: Event, n: int = 1, *, source: Source = Source.public, **fields: Any) -> dict:
    """Youth n registered through the registration service (a place or the waiting list, a ticket, the
    confirmation); returns the registration's row."""
    data = {
        "first_name": f"Inès{n}",
        "last_name": "Benali",
        "phone": youth_phone(n),
        "postcode": "26000",
        "email": f"ines{n}@exemple.fr",
        **fields,
    }
    result = await services.register(event.id, RegistrationInput(**data), source=source)
    return await registration_row(result.registration_id)


async def make_youth(
    organisation: Organisation,
    first_name: str = "Inès",
    last_name: str = "B",
    phone: str = "+33612345678",
    **fields: Any,
) -> Participant:
    """A youth known to `organisation`, written straight to the table (the phone as stored: E.164)."""
    person = Participant(
        organisation=organisation.id, first_name=first_name, last_name=last_name, phone=phone, **fields
    )
    await person.save()
    return person


async def make_registration(
    event: Event | int,
    youth: Participant,
    *,
    status: RegistrationStatus = RegistrationStatus.confirmed,
    **fields: Any,
) -> Registration:
    """A registration row (confirmed unless told), without the service's checks, messages or ticket (unless
    `ticket_token` is given). `manage_token` and `ticket_token` are kept as the app keeps them (a digest and
    sealed: registration.tokens) and, in clear, as attributes of the object returned."""
    link = tokens.protect(tokens.Purpose.manage, fields.pop("manage_token", None) or secrets.token_urlsafe(16))
    ticket = fields.pop("ticket_token", None)
    ticket_kept = tokens.protect(tokens.Purpose.ticket, ticket) if ticket else None
    registration = Registration(
        event=event if isinstance(event, int) else event.id,
        participant=youth.id,
        status=status,
        manage_hash=link.hash,
        manage_sealed=link.sealed,
        ticket_hash=ticket_kept and ticket_kept.hash,
        ticket_sealed=ticket_kept and ticket_kept.sealed,
        **fields,
    )
    await registration.save()
    registration.manage_token = link.token  # type: ignore[attr-defined]
    registration.ticket_token = ticket  # type: ignore[attr-defined]
    return registration
