"""Follow-ups: when to ask what became of a youth who came to an event, and the list of those due.

After an event's last day, each youth who came (a check-in saying they were there) gets one follow-up per
delay the organisation chose (J+30, J+90, J+180 by default). The list shows them as they fall due to the
people who follow the youth: the organisation's staff, and the adviser who referred them. Recording a
situation for a follow-up marks it done. The first follow-up also sends the youth a link to answer
themselves (outcomes.self_report), through the outbox.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from accounts.services import CurrentUser
from accounts.tables import follow_up_days
from checkin.services import came
from core.cache import TtlCache
from core.clock import utcnow
from core.db import write_transaction
from core.errors import NotFound
from core.i18n import gettext
from events.tables import Event, EventStatus
from outcomes.situations import CATEGORY_LABELS, SITUATION_LABELS, category
from outcomes.tables import FollowUp, Situation, SituationKind
from registration.people import display_phone
from registration.tables import Registration, RegistrationStatus
from registration.youths import is_adviser, shows_contact

log = logging.getLogger("tremplin.followups")
# Events that ended within this many days get their follow-ups: a worker stopped for a while catches up, and
# on the first run the last two months' events get theirs (older ones would only add overdue work).
CATCH_UP_DAYS = 60
STATES = ("due", "overdue", "done")
DUE_AHEAD_DAYS = 7  # "due": falling due within the coming week
OVERDUE_DAYS = 60
DONE_DAYS = 90


async def schedule(today: date | None = None) -> int:
    """Create the follow-ups of the youths who came to events that ended; how many were created. Idempotent:
    one follow-up per registration and delay, however often and by however many workers this runs."""
    today = today or utcnow().date()
    events = {
        e["id"]: e
        for e in await Event.select(Event.id, Event.ends_on, Event.organisation.follow_up_days.as_alias("days")).where(
            Event.status.is_in([EventStatus.published, EventStatus.closed, EventStatus.done])
            & (Event.ends_on < today)
            & (Event.ends_on >= today - timedelta(days=CATCH_UP_DAYS))
        )
    }
    # One statement for every event: the registrations of those who came that have no follow-up yet.
    to_follow = await Registration.select(Registration.id, Registration.event).where(
        Registration.event.is_in(list(events) or [-1])
        & (Registration.status == RegistrationStatus.confirmed)
        & Registration.id.is_in(came())
        & Registration.id.not_in(FollowUp.select(FollowUp.registration))
    )
    rows = [
        FollowUp(registration=r["id"], days=days, due_on=events[r["event"]]["ends_on"] + timedelta(days=days))
        for r in to_follow
        for days in follow_up_days(events[r["event"]]["days"])
    ]
    if not rows:
        return 0
    async with write_transaction():
        for start in range(0, len(rows), 500):
            await FollowUp.insert(*rows[start : start + 500]).on_conflict(
                target=(FollowUp.registration, FollowUp.days), action="DO NOTHING"
            )
    return len(rows)


async def run(every_s: float = 600.0) -> None:
    """Schedule follow-ups, send the youths' links, the Monday reminders and digests and the event days' digests
    every ten minutes, for as long as the worker runs."""
    from messaging import outbox
    from outcomes import digest, reminders, self_report

    while True:
        try:
            await schedule()
            if await self_report.send_due() + await reminders.send_weekly() + await digest.send_evening():
                outbox.wake()
        except Exception:  # a database hiccup must not stop the follow-ups for good
            log.exception("Follow-up pass failed")
        await asyncio.sleep(every_s)


# --------------------------------------------------------------------------- the work list


@dataclass
class FollowUpRow:
    id: int
    due_on: date
    days: int
    participant: int
    name: str
    phone: str | None  # None: the user does not see phones
    phone_display: str
    event: int
    event_title: str
    adviser: str
    done_at: datetime | None
    latest: str = ""  # the youth's latest situation, in words, with its category


@dataclass
class WorkList:
    state: str
    scope: str
    adviser_view: bool
    rows: list[FollowUpRow]
    counts: dict[str, int] = field(default_factory=dict)
    page: int = 1
    pages: int = 1


# Piccolo copies a column at each step of a join chain (`FollowUp.registration.participant...`): built once
# here, not on every page, where they cost more than the query itself.
_REFERRED_BY = FollowUp.registration.referred_by
_YOUTHS_ORGANISATION = FollowUp.registration.participant.organisation
_REFERRING_ORGANISATION = FollowUp.registration.referring_organisation
_ROW_COLUMNS = (
    FollowUp.id,
    FollowUp.due_on,
    FollowUp.days,
    FollowUp.done_at,
    FollowUp.registration.participant.as_alias("participant"),
    FollowUp.registration.participant.first_name.as_alias("first_name"),
    FollowUp.registration.participant.last_name.as_alias("last_name"),
    FollowUp.registration.participant.phone.as_alias("phone"),
    FollowUp.registration.participant.organisation.as_alias("organisation"),
    FollowUp.registration.event.as_alias("event"),
    FollowUp.registration.event.title.as_alias("event_title"),
    FollowUp.registration.referred_by.full_name.as_alias("adviser"),
)


def _seen(user: CurrentUser, scope: str):
    """The follow-ups of the registrations the user follows: their organisations' youths and those they or
    their organisations referred; "mine": those they referred."""
    if scope == "mine":
        return _REFERRED_BY == user.id  # noqa: SIM300 (a column, not a constant)
    mine = user.organisation_ids or [-1]
    referred = _REFERRED_BY == user.id  # noqa: SIM300 (a column, not a constant)
    return _YOUTHS_ORGANISATION.is_in(mine) | referred | _REFERRING_ORGANISATION.is_in(mine)


def _state(state: str, today: date):
    """The follow-ups in a tab, each a bounded window of dates (an index range, whatever the history):
    due within the coming week; overdue for at most OVERDUE_DAYS (by then the next follow-up of the same youth
    has come, or the last one has lapsed: still reported, no longer on the list); done in the last DONE_DAYS."""
    if state == "done":
        return FollowUp.done_at >= datetime.combine(today - timedelta(days=DONE_DAYS), datetime.min.time(), UTC)
    if state == "overdue":
        return (
            FollowUp.done_at.is_null()
            & (FollowUp.due_on < today)
            & (FollowUp.due_on >= today - timedelta(days=OVERDUE_DAYS))
        )
    return (
        FollowUp.done_at.is_null()
        & (FollowUp.due_on >= today)
        & (FollowUp.due_on <= today + timedelta(days=DUE_AHEAD_DAYS))
    )


# The tabs' counts, per user and day: they tell the size of the work, a minute late at worst, and counting
# the follow-ups of an organisation's whole history on every page would cost more than the page.
COUNTS_TTL = 60
_counts: TtlCache[tuple, dict[str, int]] = TtlCache(COUNTS_TTL, 2_000)


async def counted(user: CurrentUser, scope: str, today: date) -> dict[str, int]:
    key = (*user.cache_key, scope, today)
    counts = _counts.get(key)
    if counts is None:
        seen = _seen(user, scope)
        counts = _counts.set(key, {s: await FollowUp.count().where(seen & _state(s, today)) for s in STATES})
    return counts


PAGE_SIZE = 50


async def work_list(
    user: CurrentUser, state: str = "", scope: str = "", *, page: int = 1, today: date | None = None
) -> WorkList:
    """The follow-ups in `state` (due this week, overdue, done) the user follows, with the count of each."""
    today = today or utcnow().date()
    adviser_view = is_adviser(user)
    scope = scope if scope in ("mine", "all") else ("mine" if adviser_view else "all")
    state = state if state in STATES else "due"
    seen = _seen(user, scope)
    counts = await counted(user, scope, today)
    pages = max(1, -(-counts[state] // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = await (
        FollowUp.select(*_ROW_COLUMNS)
        .where(seen & _state(state, today))
        .order_by(FollowUp.done_at if state == "done" else FollowUp.due_on, ascending=state != "done")
        .order_by(FollowUp.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    latest = await latest_situations([r["participant"] for r in rows])
    return WorkList(
        state,
        scope,
        adviser_view,
        [
            FollowUpRow(
                id=r["id"],
                due_on=r["due_on"],
                days=r["days"],
                participant=r["participant"],
                name=f"{r['first_name']} {r['last_name']}",
                phone=r["phone"] if shows_contact(user, r["organisation"]) else None,
                phone_display=display_phone(r["phone"]) if r["phone"] else "",
                event=r["event"],
                event_title=r["event_title"],
                adviser=r["adviser"] or "",
                done_at=r["done_at"],
                latest=latest.get(r["participant"], ""),
            )
            for r in rows
        ],
        counts,
        page,
        pages,
    )


def situation_words(kind: str) -> str:
    """ "CDI (Emploi durable)": a situation and how it counts."""
    return f"{gettext(SITUATION_LABELS[SituationKind(kind)])} ({gettext(CATEGORY_LABELS[category(kind)])})"


async def latest_situations(participant_ids: list[int]) -> dict[int, str]:
    """Each youth's latest situation, in words."""
    rows = await (
        Situation.select(Situation.participant, Situation.kind)
        .where(Situation.participant.is_in(participant_ids or [-1]))
        .order_by(Situation.since)
        .order_by(Situation.recorded_at)
    )
    return {r["participant"]: situation_words(r["kind"]) for r in rows}


async def follow_up_for(user: CurrentUser, follow_up_id: int) -> dict[str, Any]:
    """One follow-up the user follows, with its youth and event (404 otherwise)."""
    row = await (
        FollowUp.select(
            FollowUp.all_columns(),
            FollowUp.registration.participant.as_alias("participant"),
            FollowUp.registration.participant.first_name.as_alias("first_name"),
            FollowUp.registration.participant.last_name.as_alias("last_name"),
            FollowUp.registration.event.as_alias("event"),
            FollowUp.registration.event.title.as_alias("event_title"),
            FollowUp.registration.event.starts_on.as_alias("starts_on"),
        )
        .where((FollowUp.id == follow_up_id) & _seen(user, "all"))
        .first()
    )
    if row is None:
        raise NotFound()
    return row
