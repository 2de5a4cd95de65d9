"""An organisation's public page: its coming published events, at a short address youths can type or scan.

The address is /o/<code>: eight letters and digits without look-alikes (no 0/o, 1/l/i), so it can be read off a
poster and typed on a phone. It is not a secret (the page shows only what is public), just not guessable from
the organisation's id, so a page nobody shared is not found by walking numbers."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from accounts.services import CurrentUser, require_role
from accounts.tables import Organisation, Role
from core.clock import utcnow
from core.db import write_transaction
from core.errors import NotFound
from core.settings import get_settings
from events.tables import Event, EventStatus, Session
from outreach.tables import PublicPage
from registration.services import counts_by_event

CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
CODE_LENGTH = 8  # 31^8: about 850 billion codes
MAX_DATES = 60  # a page for a phone: two months of weekly permanences and then some
POSTER_DATES = 4


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def page_url(code: str) -> str:
    return f"{get_settings().base_url}/o/{code}"


async def code_of(user: CurrentUser, organisation_id: int) -> str:
    """The organisation's public page code, made the first time a member asks for it."""
    require_role(user, organisation_id, Role.viewer)
    row = await PublicPage.select(PublicPage.code).where(PublicPage.organisation == organisation_id).first()
    if row is not None:
        return row["code"]
    async with write_transaction():
        # Two members opening the page at once: the unique organisation keeps one code, the other insert is dropped.
        await PublicPage.insert(PublicPage(organisation=organisation_id, code=new_code())).on_conflict(
            target=PublicPage.organisation, action="DO NOTHING"
        )
    row = await PublicPage.select(PublicPage.code).where(PublicPage.organisation == organisation_id).first()
    return row["code"]


async def organisation_of(code: str) -> dict[str, Any]:
    """The organisation whose public page this is, with what a youth may see of it (404 for an unknown code)."""
    row = (
        await PublicPage.select(
            PublicPage.organisation.id.as_alias("id"),
            PublicPage.organisation.name.as_alias("name"),
            PublicPage.organisation.address.as_alias("address"),
            PublicPage.organisation.postcode.as_alias("postcode"),
            PublicPage.organisation.city.as_alias("city"),
            PublicPage.organisation.phone.as_alias("phone"),
            PublicPage.organisation.website.as_alias("website"),
            PublicPage.organisation.logo.as_alias("logo"),
        )
        .where(PublicPage.code == code)
        .first()
        if len(code) <= 16
        else None
    )
    if row is None:
        raise NotFound()
    return row


async def coming_dates(organisation_id: int, now: datetime | None = None, limit: int = MAX_DATES) -> list[dict]:
    """The organisation's published events that have not begun, soonest first: each with its first session
    (local time, place), its public link and whether it is full."""
    now = now or utcnow()
    events = (
        await Event.select(
            Event.id,
            Event.title,
            Event.format,
            Event.starts_on,
            Event.ends_on,
            Event.timezone,
            Event.capacity,
            Event.waiting_list,
            Event.public_token,
            Event.series,
            Event.meeting_point,
        )
        .where(
            (Event.organisation == organisation_id)
            & (Event.status == EventStatus.published)
            & (Event.starts_on >= now.date())
        )
        .order_by(Event.starts_on)
        .order_by(Event.id)
        .limit(limit)
    )
    firsts = await _first_sessions([e["id"] for e in events])
    counts = await counts_by_event([e["id"] for e in events])
    coming = []
    for event in events:
        first = firsts.get(event["id"])
        if first is not None and first["starts_at"] < now:
            continue  # begun today already
        confirmed = counts.get(event["id"], {}).get("confirmed", 0)
        event["full"] = event["capacity"] is not None and confirmed >= event["capacity"]
        event["starts_local"] = first["starts_at"].astimezone(ZoneInfo(event["timezone"])) if first else None
        event["place"] = _place(first) if first else ""
        event["link"] = f"{get_settings().base_url}/e/{event['public_token']}"
        coming.append(event)
    coming.sort(key=lambda e: (day_of(e), e["starts_local"].strftime("%H:%M") if e["starts_local"] else "", e["id"]))
    return coming


async def _first_sessions(event_ids: list[int]) -> dict[int, dict]:
    if not event_ids:
        return {}
    sessions = (
        await Session.select(
            Session.event,
            Session.starts_at,
            Session.place,
            Session.site.name.as_alias("site_name"),
            Session.site.city.as_alias("site_city"),
        )
        .where(Session.event.is_in(event_ids))
        .order_by(Session.starts_at)
    )
    firsts: dict[int, dict] = {}
    for session in sessions:
        firsts.setdefault(session["event"], session)
    return firsts


def _place(session: dict) -> str:
    return ", ".join(p for p in (session["site_name"], session["site_city"]) if p) or session["place"]


def by_series(dates: list[dict]) -> list[dict]:
    """The dates as the page lists them: a one-off event alone; the dates of a series together, where its first
    one falls (a weekly permanence is one entry with its Fridays, not ten cards with the same title)."""
    entries: list[dict] = []
    series: dict[int, dict] = {}
    for event in dates:
        if event["series"] is None:
            entries.append({"title": event["title"], "dates": [event]})
        elif event["series"] in series:
            series[event["series"]]["dates"].append(event)
        else:
            series[event["series"]] = {"title": event["title"], "dates": [event]}
            entries.append(series[event["series"]])
    return entries


async def public_page(code: str, now: datetime | None = None) -> dict[str, Any]:
    """What the public page shows: the organisation and its coming dates, a series' dates together."""
    organisation = await organisation_of(code)
    dates = await coming_dates(organisation["id"], now)
    return {"organisation": organisation, "entries": by_series(dates), "dates": dates, "url": page_url(code)}


async def share(user: CurrentUser, organisation_id: int, now: datetime | None = None) -> dict[str, Any]:
    """The console's page about the public page: its link, the poster, the dates it shows now."""
    code = await code_of(user, organisation_id)
    organisation = (
        await Organisation.select(Organisation.id, Organisation.name).where(Organisation.id == organisation_id).first()
    )
    return {
        "organisation": organisation,
        "code": code,
        "url": page_url(code),
        "dates": await coming_dates(organisation_id, now),
    }


def day_of(event: dict) -> date:
    return event["starts_local"].date() if event["starts_local"] else event["starts_on"]
