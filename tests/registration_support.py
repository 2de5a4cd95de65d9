"""Helpers for the registration tests: a published event and a youth's form."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

from accounts.tables import OrganisationKind
from events.tables import Event, EventStatus, Format, Session
from tests.support import make_organisation

NEXT_MONTH = date.today() + timedelta(days=30)


async def published_event(capacity: int | None = 2, *, waiting_list: bool = True, organisation=None, **fields) -> Event:
    organisation = organisation or await make_organisation("Intérim Solidaire", OrganisationKind.siae)
    event = Event(
        organisation=organisation.id,
        title="Information collective",
        format=Format.info_collective,
        status=EventStatus.published,
        starts_on=NEXT_MONTH,
        ends_on=NEXT_MONTH,
        capacity=capacity,
        waiting_list=waiting_list,
        public_token=secrets.token_urlsafe(16),
        contact_phone="0612345678",
        **fields,
    )
    await event.save()
    start = datetime.combine(NEXT_MONTH, datetime.min.time(), UTC).replace(hour=8)
    await Session(
        event=event.id,
        title="Information collective",
        kind="info",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="Mission Locale, 5 avenue des Alpes",
    ).save()
    return event


def youth(n: int = 1, **fields) -> dict[str, str]:
    return {
        "first_name": f"Inès{n}",
        "last_name": "Benali",
        "phone": f"06 12 34 {n // 100 % 100:02d} {n % 100:02d}",
        "birth_date": "2005-04-12",
        "postcode": "26000",
        **fields,
    }
