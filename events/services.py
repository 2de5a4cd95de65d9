"""Reading events as a given user sees them: their organisations' events and the
events they are a partner of, never anyone else's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from app.accounts.services import CurrentUser
from app.errors import NotFound
from events.tables import Event, EventPartner, EventStatus, Session


@dataclass(frozen=True, slots=True)
class Figures:
    capacity: int | None
    registered: int
    waiting: int
    pending: int
    present: int

    @property
    def fill_rate(self) -> int | None:
        if not self.capacity:
            return None
        return round(100 * self.registered / self.capacity)


def _visible_to(user: CurrentUser):
    mine = user.organisation_ids or [-1]
    partnered = EventPartner.select(EventPartner.event).where(EventPartner.organisation.is_in(mine))
    return Event.organisation.is_in(mine) | Event.id.is_in(partnered)


async def _figures(event_ids: list[int], capacities: dict[int, int | None]) -> dict[int, Figures]:
    # Registration is another domain: ask its service rather than its tables.
    from registration.services import counts_by_event

    counts = await counts_by_event(event_ids)
    return {
        event_id: Figures(
            capacity=capacities.get(event_id),
            registered=counts.get(event_id, {}).get("confirmed", 0),
            waiting=counts.get(event_id, {}).get("waiting", 0),
            pending=counts.get(event_id, {}).get("pending", 0),
            present=counts.get(event_id, {}).get("present", 0),
        )
        for event_id in event_ids
    }


async def list_events(
    user: CurrentUser, *, when: str = "upcoming", today: date | None = None, limit: int = 200
) -> list[dict]:
    today = today or date.today()
    query = Event.select(Event.all_columns(), Event.organisation.name.as_alias("organisation_name")).where(
        _visible_to(user)
    )
    if when == "past":
        query = query.where(Event.ends_on < today).order_by(Event.starts_on, ascending=False)
    else:
        query = query.where(Event.ends_on >= today).order_by(Event.starts_on)
    events = await query.limit(limit)
    figures = await _figures([e["id"] for e in events], {e["id"]: e["capacity"] for e in events})
    for event in events:
        event["figures"] = figures[event["id"]]
    return events


async def get_event(user: CurrentUser, event_id: int) -> dict:
    event = (
        await Event.select(Event.all_columns(), Event.organisation.name.as_alias("organisation_name"))
        .where((Event.id == event_id) & _visible_to(user))
        .first()
    )
    if event is None:
        raise NotFound()
    event["figures"] = (await _figures([event_id], {event_id: event["capacity"]}))[event_id]
    return event


async def programme(event: dict) -> list[tuple[date, list[dict]]]:
    """The event's sessions grouped by local day, in the event's time zone."""
    tz = ZoneInfo(event["timezone"])
    sessions = (
        await Session.select(
            Session.all_columns(), Session.site.name.as_alias("site_name"), Session.site.city.as_alias("site_city")
        )
        .where(Session.event == event["id"])
        .order_by(Session.starts_at)
    )
    days: dict[date, list[dict]] = {}
    for session in sessions:
        session["starts_local"] = session["starts_at"].astimezone(tz)
        session["ends_local"] = session["ends_at"].astimezone(tz)
        days.setdefault(session["starts_local"].date(), []).append(session)
    return list(days.items())


async def partners(event_id: int) -> list[dict]:
    return (
        await EventPartner.select(
            EventPartner.role,
            EventPartner.organisation.name.as_alias("name"),
            EventPartner.organisation.kind.as_alias("kind"),
        )
        .where(EventPartner.event == event_id)
        .order_by(EventPartner.organisation.name)
    )


def is_open(event: dict) -> bool:
    return event["status"] == EventStatus.published
