"""Outcomes' test data: a youth who came to a past event, and what their adviser records."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from accounts.services import CurrentUser
from accounts.tables import Organisation, OrganisationKind, Role
from checkin.tables import CheckIn
from core.clock import utcnow
from events.tables import Event, EventStatus
from outcomes.services import SituationInput
from registration.tables import Participant, Registration
from tests.factories.accounts import make_organisation, make_user, principal
from tests.factories.events import make_event, make_session
from tests.factories.registration import make_registration, make_youth


@dataclass
class PastEvent:
    organisation: Organisation
    organiser: CurrentUser
    event: Event
    youth: Participant
    registration: Registration


async def past_event(days_ago: int = 40, email: str = "sophie@etti.test") -> PastEvent:
    """An ETTI's information session `days_ago` days ago, its organiser, and one youth registered to it."""
    organisation = await make_organisation("ETTI Drôme Emploi", OrganisationKind.siae)
    user = await make_user(email, organisation, Role.organiser)
    day = utcnow().date() - timedelta(days=days_ago)
    event = await make_event(organisation, status=EventStatus.done, starts_on=day)
    youth = await make_youth(organisation, "Inès", "Benali")
    registration = await make_registration(event, youth)
    return PastEvent(organisation, await principal(user), event, youth, registration)


async def came(past: PastEvent, *youths: Participant) -> None:
    """A session on the event's day, and a check-in saying each youth was there (the first one if none given)."""
    start = datetime.combine(past.event.starts_on, time(9), tzinfo=UTC)
    session = await make_session(past.event, start, start + timedelta(hours=3))
    for youth in youths or (past.youth,):
        registration = (
            await Registration.select(Registration.id)
            .where((Registration.participant == youth.id) & (Registration.event == past.event.id))
            .first()
        )
        await CheckIn(
            registration=registration["id"],
            session=session.id,
            status="present",
            scanned_at=start,
            nonce=secrets.token_hex(8),
        ).save()


def situation(kind: str = "cdi", since: date | None = None, **fields) -> SituationInput:
    """A situation as the console's form gives it: begun yesterday, told by the adviser, unless told."""
    fields.setdefault("source", "adviser")
    return SituationInput(kind=kind, since=since or utcnow().date() - timedelta(days=1), **fields)
