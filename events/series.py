"""Recurring series: their occurrences are events, generated from an RRULE.

Occurrences are materialised a number of months ahead so each has its own public page,
registrations and attendance. Editing one occurrence detaches it from the series; editing
"this and following" splits the series at that occurrence.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from accounts.services import CurrentUser, require_role
from accounts.tables import Role
from core import signals
from core.clock import utcnow
from core.db import write_transaction
from core.errors import InvalidInput, NotFound
from core.i18n import lazy
from events import formats, rules
from events import signals as events_signals
from events.errors import InvalidRule, RuleNeverOccurs
from events.inputs import OccurrenceMove, RuleInWords, SeriesChange, SeriesInput, SessionInput
from events.recurrence import InvalidRecurrence, Occurrence, Recurrence, occurrences, split, validate
from events.services import (
    editable_event,
    figures_by_event,
    local_to_utc,
    organiser_organisation,
    update_session,
    usable_site,
)
from events.tables import Event, EventStatus, Series, Session
from messaging import outbox

ISO = "%Y-%m-%dT%H:%M:%S"


def _recurrence(series: Series | dict) -> Recurrence:
    get = series.get if isinstance(series, dict) else lambda k: getattr(series, k)
    exdates = tuple(datetime.strptime(x, ISO) for x in (get("exdates_local") or "").split(",") if x)
    return Recurrence(
        rrule=get("rrule"),
        dtstart=datetime.strptime(get("dtstart_local"), ISO),
        duration=timedelta(minutes=get("duration_minutes")),
        timezone=get("timezone"),
        exdates=exdates,
    )


def _checked(recurrence: Recurrence) -> Recurrence:
    try:
        validate(recurrence)
    except InvalidRecurrence as exc:
        if exc.code == "no_occurrence":
            raise RuleNeverOccurs(field="rrule") from exc
        if exc.code == "bad_duration":
            raise InvalidInput(
                lazy("The duration must be between 5 minutes and one day."), field="duration_minutes"
            ) from exc
        if exc.code == "bad_timezone":
            raise InvalidInput(lazy("Unknown time zone."), field="timezone") from exc
        raise InvalidRule(field="rrule", reason=exc.message) from exc
    return recurrence


async def _materialise(series: Series, until: datetime) -> int:
    """Create the events of the occurrences not yet created, up to `until`."""
    existing = {r["recurrence_id"] for r in await Event.select(Event.recurrence_id).where(Event.series == series.id)}
    rotation = series.rotation_sites if isinstance(series.rotation_sites, list) else []
    created = 0
    for occurrence in occurrences(_recurrence(series), before=until):
        key = occurrence.recurrence_id.strftime(ISO)
        if key in existing:
            continue
        await _create_occurrence(series, occurrence, key, rotation)
        created += 1
    return created


async def _create_occurrence(series: Series, occurrence: Occurrence, key: str, rotation: list[int]) -> None:
    site_id = rotation[occurrence.index % len(rotation)] if rotation else series.site
    local_day = occurrence.starts_at.astimezone(ZoneInfo(series.timezone)).date()
    event = Event(
        organisation=series.organisation,
        title=series.title,
        format=series.format,
        status=EventStatus.published,
        starts_on=local_day,
        ends_on=local_day,
        capacity=series.capacity,
        description=series.description,
        timezone=series.timezone,
        public_token=secrets.token_urlsafe(16),
        options=series.options,
        series=series.id,
        recurrence_id=key,
        responsible=series.responsible,
        waiting_list=bool(formats.BUILTIN[series.format].get("waiting_list", True)),
    )
    await event.save()
    await Session(
        event=event.id,
        title=series.title,
        kind=series.session_kind,
        starts_at=occurrence.starts_at,
        ends_at=occurrence.ends_at,
        site=site_id,
        place=series.place,
        capacity=series.capacity,
    ).save()


def rule_of(words: RuleInWords, expert_rule: str = "") -> str:
    """The rule of a new series: an expert's own RRULE when given, else the one composed in words."""
    if expert_rule.strip():
        return expert_rule.strip().removeprefix("RRULE:")
    return rules.build(
        every=words.every, unit=words.unit, weekday=words.weekday, week=words.week, until=words.until, count=words.count
    )


@dataclass(frozen=True)
class Preview:
    sentence: str
    starts: list[datetime]  # the next dates, naive local wall-clock times


def preview(rrule: str, first_start: datetime, duration_minutes: int, timezone: str, count: int = 5) -> Preview:
    """What a rule means in words and its first dates, before anything is saved (InvalidRule, RuleNeverOccurs)."""
    recurrence = _checked(
        Recurrence(
            rrule=rrule,
            dtstart=first_start.replace(tzinfo=None, second=0),
            duration=timedelta(minutes=duration_minutes),
            timezone=timezone,
        )
    )
    zone = ZoneInfo(timezone)
    starts = [o.starts_at.astimezone(zone).replace(tzinfo=None) for o in occurrences(recurrence, limit=count)]
    return Preview(rules.describe(recurrence.rrule), starts)


async def create_series(user: CurrentUser, data: SeriesInput) -> int:
    organisation_id = await organiser_organisation(user, data.organisation_id)
    recurrence = _checked(
        Recurrence(
            rrule=data.rrule.strip().removeprefix("RRULE:"),
            dtstart=data.first_start.replace(tzinfo=None, second=0),
            duration=timedelta(minutes=data.duration_minutes),
            timezone=data.timezone,
        )
    )
    for site_id in [s for s in [data.site_id, *data.rotation_site_ids] if s is not None]:
        await usable_site(user, site_id)
    defaults = await formats.defaults(organisation_id, data.format)
    async with write_transaction():
        series = Series(
            organisation=organisation_id,
            title=data.title.strip(),
            format=data.format,
            rrule=recurrence.rrule,
            dtstart_local=recurrence.dtstart.strftime(ISO),
            duration_minutes=data.duration_minutes,
            timezone=data.timezone,
            rotation_sites=data.rotation_site_ids,
            site=data.site_id,
            place=data.place,
            capacity=data.capacity if data.capacity is not None else defaults.get("capacity"),
            description=data.description,
            session_kind=defaults["programme"][0][2] if defaults.get("programme") else "info",
            options=formats.options_of(defaults),
            responsible=user.id or None,
        )
        await series.save()
        series = await Series.objects().where(Series.id == series.id).output(load_json=True).first()
        # Months ahead of today, or of the first date when the series starts later.
        first = local_to_utc(recurrence.dtstart, data.timezone)
        await _materialise(series, max(utcnow(), first) + timedelta(days=31 * data.months_ahead))
    return series.id


def _mine(user: CurrentUser, series_id: int):
    return (Series.id == series_id) & Series.organisation.is_in(user.organisation_ids or [-1])


async def get_series(user: CurrentUser, series_id: int) -> dict:
    series = await Series.select().where(_mine(user, series_id)).output(load_json=True).first()
    if series is None:
        raise NotFound()
    series["occurrences"] = (
        await Event.select(Event.id, Event.status, Event.starts_on, Event.recurrence_id, Event.detached, Event.title)
        .where(Event.series == series_id)
        .order_by(Event.starts_on)
    )
    return series


async def _editable_series(user: CurrentUser, series_id: int) -> Series:
    series = await Series.objects().where(_mine(user, series_id)).output(load_json=True).first()
    if series is None:
        raise NotFound()
    require_role(user, series.organisation, Role.organiser)
    return series


async def cancel_occurrence(user: CurrentUser, event_id: int, *, reason: str = "") -> None:
    """Cancel this one only: the event stays and is excluded from the rule; its youths are told, as for any
    cancelled event, with the organiser's `reason` if given."""
    event = await editable_event(user, event_id)
    if event.series is None:
        raise InvalidInput(lazy("This event is not part of a series."))
    if event.status == EventStatus.cancelled:
        return
    async with write_transaction():
        await Event.update(
            {Event.status: EventStatus.cancelled, Event.detached: True, Event.updated_at: utcnow()}
        ).where(Event.id == event_id)
        series = await Series.objects().where(Series.id == event.series).first()
        exdates = [x for x in series.exdates_local.split(",") if x] + [event.recurrence_id]
        await Series.update({Series.exdates_local: ",".join(sorted(set(exdates)))}).where(Series.id == series.id)
        await signals.send(events_signals.event_cancelled, event_id=event_id, reason=reason.strip())
    outbox.wake()


async def move_occurrence(user: CurrentUser, event_id: int, data: OccurrenceMove) -> None:
    """Move this one only; the others keep the rule's time."""
    event = await editable_event(user, event_id)
    session = await Session.objects().where(Session.event == event_id).order_by(Session.starts_at).first()
    if session is None:
        raise NotFound()
    await update_session(
        user,
        session.id,
        SessionInput(
            title=session.title,
            kind=session.kind,
            starts_at=data.starts_at,
            ends_at=data.ends_at,
            site_id=session.site,
            place=session.place,
            capacity=session.capacity,
        ),
    )
    day = (
        data.starts_at.date()
        if data.starts_at.tzinfo is None
        else data.starts_at.astimezone(ZoneInfo(event.timezone)).date()
    )
    async with write_transaction():
        await Event.update({Event.starts_on: day, Event.ends_on: day, Event.detached: True}).where(Event.id == event_id)


async def change_series(user: CurrentUser, series_id: int, change: SeriesChange) -> int:
    """Change the whole series, or "this and following" from one occurrence; returns the series now
    holding the changed occurrences. Occurrences edited on their own are left as they are."""
    series = await _editable_series(user, series_id)
    recurrence = _recurrence(series)
    target = series
    async with write_transaction():
        if change.from_event_id is not None:
            event = (
                await Event.objects().where((Event.id == change.from_event_id) & (Event.series == series_id)).first()
            )
            if event is None:
                raise NotFound()
            at = datetime.strptime(event.recurrence_id, ISO)
            head, tail = split(recurrence, at)
            if head is not None:
                await Series.update({Series.rrule: head.rrule}).where(Series.id == series_id)
                values = {
                    c._meta.name: getattr(series, c._meta.name) for c in Series._meta.columns if c._meta.name != "id"
                }
                target = Series(
                    **{
                        **values,
                        "rrule": tail.rrule,
                        "dtstart_local": tail.dtstart.strftime(ISO),
                        "exdates_local": ",".join(d.strftime(ISO) for d in tail.exdates),
                    }
                )
                await target.save()
                await Event.update({Event.series: target.id}).where(
                    (Event.series == series_id) & (Event.recurrence_id >= event.recurrence_id)
                )
                recurrence = tail
        updates = _series_updates(change, recurrence)
        if updates:
            await Series.update(updates).where(Series.id == target.id)
        target = await Series.objects().where(Series.id == target.id).output(load_json=True).first()
        _checked(_recurrence(target))
        await _realign(target)
    return target.id


def _series_updates(change: SeriesChange, recurrence: Recurrence) -> dict:
    """The columns the change sets; a new start time keeps the day of the (possibly split-off) series start."""
    updates: dict = {}
    if change.title:
        updates[Series.title] = change.title.strip()
    if change.capacity is not None:
        updates[Series.capacity] = change.capacity
    if change.place is not None:
        updates[Series.place] = change.place
    if change.duration_minutes is not None:
        updates[Series.duration_minutes] = change.duration_minutes
    if change.start_time:
        hour, minute = (int(x) for x in change.start_time.split(":"))
        updates[Series.dtstart_local] = recurrence.dtstart.replace(hour=hour, minute=minute).strftime(ISO)
    if change.rrule:
        updates[Series.rrule] = change.rrule.strip().removeprefix("RRULE:")
    return updates


async def _realign(series: Series) -> None:
    """Bring the series' occurrences in line with its rule, keeping every registration."""
    events = await Event.objects().where((Event.series == series.id) & (Event.detached == False))  # noqa: E712
    # As far ahead as occurrences were already created, and at least a year.
    latest = max((e.starts_on for e in events), default=utcnow().date())
    horizon = max(utcnow() + timedelta(days=366), datetime.combine(latest + timedelta(days=2), time(), UTC))
    wanted = {o.recurrence_id.strftime(ISO): o for o in occurrences(_recurrence(series), before=horizon)}
    counts = await figures_by_event([e.id for e in events])
    for event in events:
        # Same occurrence, or the same day at a new time: the event (and its people) follow.
        key = (
            event.recurrence_id
            if event.recurrence_id in wanted
            else next((k for k in wanted if k[:10] == (event.recurrence_id or "")[:10]), None)
        )
        occurrence = wanted.pop(key, None) if key else None
        if occurrence is None:
            if counts.get(event.id):  # people registered: keep it, on its own
                await Event.update({Event.detached: True}).where(Event.id == event.id)
            else:
                await Event.delete().where(Event.id == event.id)
            continue
        await Event.update({Event.recurrence_id: key}).where(Event.id == event.id)
        local_day = occurrence.starts_at.astimezone(ZoneInfo(series.timezone)).date()
        await Event.update(
            {
                Event.title: series.title,
                Event.capacity: series.capacity,
                Event.starts_on: local_day,
                Event.ends_on: local_day,
                Event.updated_at: utcnow(),
            }
        ).where(Event.id == event.id)
        await Session.update(
            {
                Session.title: series.title,
                Session.starts_at: occurrence.starts_at,
                Session.ends_at: occurrence.ends_at,
                Session.place: series.place,
                Session.capacity: series.capacity,
                Session.sequence: Session.sequence + 1,  # calendars replace their copy
            }
        ).where(Session.event == event.id)
    await _materialise(series, horizon)
