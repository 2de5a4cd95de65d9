"""Reading what an export holds, a page at a time: a year's data (tens of thousands of check-ins) is read in
a few dozen queries, never one per youth, and never held whole in memory."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, tzinfo
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from checkin.tables import CheckIn
from core.settings import get_settings
from events.tables import Session
from registration.tables import Registration
from reporting.scope import Scope

PAGE = 5000  # rows per query
EVENTS_PER_BATCH = 100  # the events whose sessions, registrations and check-ins are read together


async def pages(query: Callable[[int], Any], page: int = PAGE) -> AsyncIterator[dict]:
    """Rows by increasing id, `page` at a time: `query(last_id)` reads the rows after `last_id`, ordered by
    id (keyset paging: each page costs the same however far it is)."""
    last = 0
    while True:
        rows = await query(last).limit(page)
        for row in rows:
            yield row
        if len(rows) < page:
            return
        last = rows[-1]["id"]


def local(instant: datetime | None, tz: tzinfo | None = None) -> str:
    """An instant as local ISO date and time to the minute, as a spreadsheet reads it: 2026-03-05 14:30 (in
    `tz`, an event's time zone, else the settings')."""
    if instant is None:
        return ""
    return instant.astimezone(tz or get_settings().tz).strftime("%Y-%m-%d %H:%M")


def local_day(instant: datetime, tz: tzinfo | None = None) -> date:
    return instant.astimezone(tz or get_settings().tz).date()


@cache
def zone(name: str | None) -> tzinfo:
    """An event's time zone by its name (a few names for a whole export: each read once)."""
    return ZoneInfo(name) if name else get_settings().tz


# --------------------------------------------------------------------------- youths at sessions

_SESSION_COLUMNS = (
    Session.id,
    Session.event,
    Session.title,
    Session.starts_at,
    Session.ends_at,
    Session.event.title.as_alias("event_title"),
    Session.event.timezone.as_alias("timezone"),
    Session.event.organisation.name.as_alias("organiser"),
)
_REGISTRATION_COLUMNS = (
    Registration.id,
    Registration.event,
    Registration.session,
    Registration.status,
    Registration.participant,
    Registration.participant.first_name.as_alias("first_name"),
    Registration.participant.last_name.as_alias("last_name"),
    Registration.participant.birth_date.as_alias("birth_date"),
    Registration.participant.phone.as_alias("phone"),
    Registration.participant.email.as_alias("email"),
)


async def sessions_in(scope: Scope) -> list[dict]:
    """The sessions of the exported events, in the period (or of the one event), in time order."""
    events = Registration.select(Registration.event).where(scope.registrations())
    query = Session.select(*_SESSION_COLUMNS).where(Session.event.is_in(events))
    if scope.event is not None:
        query = query.where(Session.event == scope.event["id"])
    else:
        query = query.where((Session.starts_at >= scope.first_instant) & (Session.starts_at < scope.after_instant))
    return await query.order_by(Session.starts_at).order_by(Session.id)


async def _records(session_ids: list[int]) -> dict[tuple[int, int], dict]:
    """{(registration, session): record}: a youth's record at a session is their earliest unflagged check-in
    there (as on the Émargement page)."""
    rows = await (
        CheckIn.select(CheckIn.registration, CheckIn.session, CheckIn.status, CheckIn.scanned_at, CheckIn.exited_at)
        .where(CheckIn.session.is_in(session_ids) & CheckIn.flagged.eq(False))
        .order_by(CheckIn.scanned_at)
        .order_by(CheckIn.id)
    )
    records: dict[tuple[int, int], dict] = {}
    for row in rows:
        records.setdefault((row["registration"], row["session"]), row)
    return records


async def youths_at_sessions(scope: Scope) -> AsyncIterator[tuple[dict, dict, dict | None]]:
    """(registration, session, record or None) for each registration exported and each session it is for
    (the one it chose, else every session of its event), session by session, then by name."""
    sessions = await sessions_in(scope)
    by_event: dict[int, list[dict]] = defaultdict(list)
    for session in sessions:
        by_event[session["event"]].append(session)
    events = list(by_event)
    for i in range(0, len(events), EVENTS_PER_BATCH):
        batch = events[i : i + EVENTS_PER_BATCH]
        batch_sessions = [s for e in batch for s in by_event[e]]
        registrations = await (
            Registration.select(*_REGISTRATION_COLUMNS)
            .where(scope.registrations() & Registration.event.is_in(batch))
            .order_by(Registration.participant.last_name)
            .order_by(Registration.participant.first_name)
            .order_by(Registration.id)
        )
        records = await _records([s["id"] for s in batch_sessions])
        of_event: dict[int, list[dict]] = defaultdict(list)
        for registration in registrations:
            of_event[registration["event"]].append(registration)
        for session in sorted(batch_sessions, key=lambda s: (s["starts_at"], s["id"])):
            for registration in of_event[session["event"]]:
                if registration["session"] not in (None, session["id"]):
                    continue
                yield registration, session, records.get((registration["id"], session["id"]))
