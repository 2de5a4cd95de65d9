"""The calendar file of a registration: every session the youth attends, in the event's
time zone. Written with `icalendar` (it emits VTIMEZONE; `ics` 0.7 cannot, see README)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as VEvent

from app.clock import utcnow
from app.settings import get_settings
from events.tables import Event, Session


async def for_registration(registration: dict) -> bytes:
    event = (
        await Event.select(Event.title, Event.timezone, Event.meeting_point, Event.description)
        .where(Event.id == registration["event"])
        .first()
    )
    sessions = (
        Session.select(
            Session.id,
            Session.title,
            Session.starts_at,
            Session.ends_at,
            Session.place,
            Session.site.name.as_alias("site_name"),
            Session.site.address.as_alias("address"),
            Session.site.city.as_alias("city"),
            Session.site.latitude.as_alias("lat"),
            Session.site.longitude.as_alias("lon"),
        )
        .where(Session.event == registration["event"])
        .order_by(Session.starts_at)
    )
    if registration.get("session"):
        sessions = sessions.where(Session.id == registration["session"])
    tz = ZoneInfo(event["timezone"])
    link = f"{get_settings().base_url}/r/{registration['manage_token']}"
    calendar = Calendar()
    calendar.add("prodid", "-//Tremplin//FR")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    for session in await sessions:
        vevent = VEvent()
        vevent.add("uid", f"session-{session['id']}-registration-{registration['id']}@tremplin")
        vevent.add("dtstamp", utcnow())
        vevent.add("dtstart", session["starts_at"].astimezone(tz))
        vevent.add("dtend", session["ends_at"].astimezone(tz))
        vevent.add("summary", f"{event['title']} — {session['title']}")
        place = ", ".join(p for p in (session["site_name"], session["address"], session["city"]) if p)
        vevent.add("location", place or session["place"] or event["meeting_point"])
        if session["lat"] is not None and session["lon"] is not None:
            vevent.add("geo", (session["lat"], session["lon"]))
        vevent.add("description", f"{event['description']}\n\n{link}".strip())
        vevent.add("url", link)
        calendar.add_component(vevent)
    calendar.add_missing_timezones()
    return calendar.to_ical()
