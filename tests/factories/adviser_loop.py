"""The adviser's loop: a Mission Locale adviser, one of their youths, and a partner's event open to registrations."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from accounts.services import CurrentUser
from accounts.tables import Digest, Organisation, Role, User
from checkin.tables import CheckIn
from core.clock import utcnow
from core.settings import get_settings
from events.tables import Event, EventStatus, Session
from registration.tables import Participant, Registration
from tests.factories.accounts import make_user, principal
from tests.factories.events import adviser_of_partner, make_event, make_partner, make_session
from tests.factories.registration import make_registration, make_youth, published_event


@dataclass
class Loop:
    event: Event  # an SIAE's info-coll next month, the ML its prescriber partner
    ml: Organisation
    adviser_user: User
    adviser: CurrentUser
    youth: Participant  # held by the ML


async def adviser_and_youth(
    email: str = "claire@ml.test", digest: Digest = Digest.weekly, youth_email: str = "ines@exemple.fr", **youth: str
) -> Loop:
    """Claire, an adviser of the Mission Locale partnering an SIAE's coming event, and Inès, one of her youths."""
    event = await published_event(capacity=10)
    ml = await adviser_of_partner(event)
    user = await make_user(email, ml, Role.adviser)
    await User.update({User.full_name: "Claire Dupont", User.digest: digest}).where(User.id == user.id)
    fields = {"email": youth_email, "postcode": "26000", **youth}
    person = await make_youth(ml, "Inès", "Benali", phone=fields.pop("phone", "+33611223344"), **fields)
    return Loop(event, ml, user, await principal(user), person)


async def check_in(registration_id: int, at: datetime, minutes: int | None = None) -> None:
    """The youth scanned in at the session of their event starting at `at` (and out `minutes` later)."""
    registration = await Registration.select(Registration.event).where(Registration.id == registration_id).first()
    session = (
        await Session.select(Session.id)
        .where((Session.event == registration["event"]) & (Session.starts_at == at))
        .first()
    )
    await CheckIn(
        registration=registration_id,
        session=session["id"],
        status="present",
        scanned_at=at,
        exited_at=at + timedelta(minutes=minutes) if minutes is not None else None,
        nonce=secrets.token_hex(8),
    ).save()


@dataclass
class EventDay:
    loop: Loop
    event: Event
    day: date
    start: datetime  # the session: 09:00 to 12:00 local time
    came: Participant  # Inès: Claire's youth, came for 1 h 30
    missed: Participant  # Yanis: Claire's youth, did not come
    colleague_youth: Participant  # Léa: referred by Karima, a colleague of Claire's; came


async def event_day(digest: Digest = Digest.event_day, days_ago: int = 3) -> EventDay:
    """An SIAE's info-coll `days_ago` days ago (a Wednesday unless the calendar says otherwise) with three youths
    of the Mission Locale: two referred by Claire (one came, one did not), one by her colleague Karima (came)."""
    loop = await adviser_and_youth(digest=digest)
    siae = await Organisation.objects().get(Organisation.id == loop.event.organisation)
    day = utcnow().date() - timedelta(days=days_ago)
    event = await make_event(siae, title="Job dating Valence", status=EventStatus.done, starts_on=day)
    await make_partner(event, loop.ml)
    start = datetime.combine(day, time(9), get_settings().tz)
    await make_session(event, start, start + timedelta(hours=3))
    karima = await User.select(User.id).where(User.email == "karima@ml.test").first()
    yanis = await make_youth(loop.ml, "Yanis", "Roux", phone="+33622222222")
    lea = await make_youth(loop.ml, "Léa", "Martin", phone="+33633333333")
    registered_on = start - timedelta(days=10)
    came = await make_registration(event, loop.youth, referred_by=loop.adviser.id, created_at=registered_on)
    await make_registration(event, yanis, referred_by=loop.adviser.id, created_at=registered_on)
    colleague = await make_registration(event, lea, referred_by=karima["id"], created_at=registered_on)
    await check_in(came.id, start, minutes=90)
    await check_in(colleague.id, start, minutes=180)
    return EventDay(loop, event, day, start, loop.youth, yanis, lea)
