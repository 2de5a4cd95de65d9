"""The adviser's loop: a Mission Locale adviser, one of their youths, and a partner's event open to registrations."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from accounts.services import CurrentUser
from accounts.tables import Digest, Organisation, Role, User
from checkin.tables import CheckIn
from events.tables import Event, Session
from registration.tables import Participant, Registration
from tests.factories.accounts import make_user, principal
from tests.factories.events import adviser_of_partner
from tests.factories.registration import make_youth, published_event


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
