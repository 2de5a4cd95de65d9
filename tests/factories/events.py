"""Events, their sessions and sites, their partner organisations, recurring series."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from accounts.services import CurrentUser
from accounts.tables import Organisation, OrganisationKind, Role
from events import series
from events.inputs import SeriesInput
from events.tables import Event, EventPartner, EventStatus, Format, PartnerRole, Session, SessionKind, Site
from tests.factories.accounts import make_organisation, make_user

NEXT_MONTH = date.today() + timedelta(days=30)


async def make_event(
    organisation: Organisation,
    *,
    title: str = "Information collective",
    format: Format = Format.info_collective,
    status: EventStatus = EventStatus.draft,
    starts_on: date = NEXT_MONTH,
    ends_on: date | None = None,
    **fields: Any,
) -> Event:
    """An event of `organisation` (a draft info-coll next month unless told), with a public link."""
    fields.setdefault("public_token", secrets.token_urlsafe(16))
    event = Event(
        organisation=organisation.id,
        title=title,
        format=format,
        status=status,
        starts_on=starts_on,
        ends_on=ends_on or starts_on,
        **fields,
    )
    await event.save()
    return event


async def make_session(
    event: Event,
    starts_at: datetime,
    ends_at: datetime,
    *,
    title: str = "Information collective",
    kind: SessionKind = SessionKind.info,
    **fields: Any,
) -> Session:
    session = Session(event=event.id, title=title, kind=kind, starts_at=starts_at, ends_at=ends_at, **fields)
    await session.save()
    return session


async def make_site(
    organisation: Organisation, name: str, where: tuple[float, float] | None = None, **fields: Any
) -> Site:
    """A site kept by `organisation`; `where` is (latitude, longitude)."""
    if where is not None:
        fields["latitude"], fields["longitude"] = where
    site = Site(organisation=organisation.id, name=name, **fields)
    await site.save()
    return site


async def make_partner(event: Event, organisation: Organisation, role: PartnerRole = PartnerRole.prescriber) -> None:
    await EventPartner(event=event.id, organisation=organisation.id, role=role).save()


async def adviser_of_partner(
    event: Event, email: str = "karima@ml.test", name: str = "Mission Locale Valence"
) -> Organisation:
    """A Mission Locale that refers youths to `event` (a prescriber partner) and one of its advisers."""
    ml = await make_organisation(name, OrganisationKind.mission_locale)
    await make_partner(event, ml, PartnerRole.prescriber)
    await make_user(email, ml, Role.adviser)
    return ml


def series_input(**overrides: Any) -> SeriesInput:
    """A permanence every Friday morning from March 2031, three months ahead, unless told otherwise."""
    values = dict(
        title="Permanence du vendredi",
        format=Format.permanence,
        rrule="FREQ=WEEKLY;BYDAY=FR",
        first_start=datetime(2031, 3, 7, 9, 0),
        duration_minutes=180,
        months_ahead=3,
    )
    return SeriesInput(**{**values, **overrides})


async def make_series(user: CurrentUser, **overrides: Any) -> int:
    """A series created by `user` through the series service (series_input's Friday permanence unless told)."""
    return await series.create_series(user, series_input(**overrides))
