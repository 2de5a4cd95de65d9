"""What an event needs before youths are invited to it, and what is worth a second look.

Blocking: a date (at least one session) and a place for every session (its own place or site,
else the event's meeting point): without them the text message reads "…à 09:30, . Votre page…"
and the invitation has no LOCATION. Warnings, shown to the organiser who may still publish: a
session on a weekend or a French public holiday, and no phone number for youths to call.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.dates import format_date

from accounts.tables import Organisation
from core.i18n import current_language, lazy
from core.i18n import gettext as _
from events.errors import NoPlaceToPublish, NothingToPublish
from events.holidays import holiday
from events.tables import Event, Session

WEEKEND = lazy("%(day)s is a weekend day: youths and partners are often not available.")
HOLIDAY = lazy("%(day)s is a public holiday (%(holiday)s).")
NO_PHONE = lazy("No phone number for youths to call: add a contact phone to the event or to your organisation.")


async def _sessions(event_id: int) -> list[dict]:
    return (
        await Session.select(Session.title, Session.starts_at, Session.place, Session.site)
        .where(Session.event == event_id)
        .order_by(Session.starts_at)
    )


async def check_publishable(event: Event) -> None:
    """Refuse to publish an event youths could not find: no date, or a session with no place."""
    sessions = await _sessions(event.id)
    if not sessions:
        raise NothingToPublish()
    if event.meeting_point.strip():
        return
    placeless = [s["title"] for s in sessions if not (s["place"].strip() or s["site"])]
    if placeless:
        raise NoPlaceToPublish(sessions=", ".join(dict.fromkeys(placeless)))


async def warnings(event: Event) -> list[str]:
    """What the organiser should confirm before publishing (translated sentences, in date order)."""
    found: list[str] = []
    zone = ZoneInfo(event.timezone)
    days = sorted({s["starts_at"].astimezone(zone).date() for s in await _sessions(event.id)})
    for day in days:
        said = format_date(day, "EEEE d MMMM y", locale=current_language.get())
        name = holiday(day)
        if name:
            found.append(_(HOLIDAY, day=said, holiday=_(name)))
        elif day.weekday() >= 5:
            found.append(_(WEEKEND, day=said))
    if not event.contact_phone.strip():
        phone = await Organisation.select(Organisation.phone).where(Organisation.id == event.organisation).first()
        if not (phone and (phone["phone"] or "").strip()):
            found.append(_(NO_PHONE))
    return found
