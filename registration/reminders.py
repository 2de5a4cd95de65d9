"""The regular rhythm that keeps youths coming: reminders before, a thank-you after.

Per event (options["reminders"], all on by default): J-2 at 10:00, J-1 at 18:00 (days before the
first session), J+1 at 10:00 (after the last one) with the organiser's number. A reminder is due from
its time for WINDOW; after that it is skipped rather than sent late (a J-1 reminder after the event helps
nobody). The outbox's idempotency keys make a reminder go once however often and by however many workers
this runs.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date

from accounts.services import CurrentUser, require_role
from accounts.tables import Role
from core import signals
from core.clock import utcnow
from core.db import write_transaction
from core.i18n import gettext as _
from core.i18n import language
from core.settings import get_settings
from events.rhythm import SCHEDULE, Rule, due_at, enabled
from events.services import get_event
from events.tables import Event, EventStatus, Session
from registration import messages
from registration import signals as registration_signals
from registration.tables import Registration, RegistrationStatus

log = logging.getLogger("tremplin.reminders")
WINDOW = timedelta(hours=12)


async def due(now: datetime) -> list[tuple[int, Rule, date]]:
    """(registration, rule, the event's first day) for every reminder due now."""
    events = (
        await Event.select(Event.id, Event.timezone, Event.options)
        .where(
            (Event.status.is_in([EventStatus.published, EventStatus.closed, EventStatus.done]))
            & (Event.starts_on <= (now + timedelta(days=3)).date())
            & (Event.ends_on >= (now - timedelta(days=3)).date())
        )
        .output(load_json=True)
    )
    found = []
    for event in events:
        tz = ZoneInfo(event["timezone"])
        starts = [s["starts_at"] for s in await Session.select(Session.starts_at).where(Session.event == event["id"])]
        if not starts:
            continue
        first, last = min(starts).astimezone(tz).date(), max(starts).astimezone(tz).date()
        rules = [
            r
            for r in SCHEDULE
            if r.key in enabled(event["options"])
            and due_at(r, first, last, tz) <= now
            and now < due_at(r, first, last, tz) + WINDOW
        ]
        if not rules:
            continue
        registrations = await Registration.select(Registration.id).where(
            (Registration.event == event["id"]) & (Registration.status == RegistrationStatus.confirmed)
        )
        found += [(r["id"], rule, first) for r in registrations for rule in rules]
    return found


async def send_due(now: datetime | None = None) -> int:
    """Queue every reminder due now; how many registrations were told.

    The day after, those who came get the thank-you; those who did not (no check-in saying present or late)
    get "missed", which offers the next date of the organisation's events of the same format."""
    told = 0
    now = now or utcnow()
    reminders = await due(now)
    contexts = await messages.contexts_of([registration_id for registration_id, _, _ in reminders])
    came = await _came([registration_id for registration_id, rule, _ in reminders if rule.key == "thanks"])
    next_dates: dict[int, str] = {}
    for registration_id, rule, first in reminders:
        context = contexts.get(registration_id)
        key, extra = rule.key, None
        if key == "thanks" and came is not None and registration_id not in came and context is not None:
            if context["event"] not in next_dates:
                next_dates[context["event"]] = await next_date(context["event"], now)
            key, extra = "missed", {"next": next_dates[context["event"]]}
        async with write_transaction():
            if await messages.tell(registration_id, key, occasion=first.isoformat(), context=context, extra=extra):
                told += 1
    return told


async def _came(registration_ids: list[int]) -> set[int] | None:
    """Who of them came (a check-in saying present or late): check-in knows; None when nobody answers."""
    if not registration_ids:
        return set()
    answers = await signals.send(registration_signals.attendance_wanted, registration_ids=registration_ids)
    if not answers:
        return None
    return {rid for answer in answers for rid, status in answer.items() if status in ("present", "late", "left_early")}


async def next_date(event_id: int, now: datetime) -> str:
    """The sentence offering the next published event of the same organisation and format, to those who missed
    this one (in French, as the messages are); a kind word when there is none."""
    event = await Event.select(Event.organisation, Event.format).where(Event.id == event_id).first()
    following = (
        await Event.select(Event.public_token, Event.starts_on)
        .where(
            (Event.organisation == event["organisation"])
            & (Event.format == event["format"])
            & (Event.status == EventStatus.published)
            & (Event.starts_on > now.date())
            & (Event.id != event_id)
        )
        .order_by(Event.starts_on)
        .first()
        if event
        else None
    )
    with language("fr"):
        if following is None:
            return _("Other dates will come.")
        return _(
            "Next date: %(date)s, to sign up: %(link)s",
            date=format_date(following["starts_on"], "EEEE d MMMM", locale="fr"),
            link=f"{get_settings().base_url}/e/{following['public_token']}",
        )


async def run(every_s: float = 60.0) -> None:
    """Look for due reminders every minute, for as long as the worker runs."""
    from messaging import outbox

    while True:
        try:
            if await send_due():
                outbox.wake()
        except Exception:  # a database hiccup must not stop the reminders for good
            log.exception("Reminder pass failed")
        await asyncio.sleep(every_s)


async def set_schedule(user: CurrentUser, event_id: int, keys: list[str]) -> None:
    """Which reminders and thank-yous this event sends (organisers only)."""
    event = await get_event(user, event_id)
    require_role(user, event["organisation"], Role.organiser)
    options = dict(event["options"] or {})
    options["reminders"] = [rule.key for rule in SCHEDULE if rule.key in keys]
    await Event.update({Event.options: options}).where(Event.id == event_id)
