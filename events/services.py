"""Reading events as a given user sees them: their organisations' events and the
events they are a partner of, never anyone else's (the rule is `events.access`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from accounts.directory import in_directory
from accounts.services import CurrentUser, require_role
from accounts.tables import Organisation, Role
from core import signals
from core.clock import utcnow
from core.db import columns, read, write_transaction
from core.errors import Forbidden, InvalidInput, NotFound, Refusal
from core.forms import convert
from core.i18n import gettext as _
from core.i18n import lazy
from core.labels import label
from events import formats, publication
from events import signals as events_signals
from events.access import visible_sql, visible_to
from events.errors import (
    AgeRangeReversed,
    CapacityBelowRegistered,
    DatesReversed,
    SessionEndsBeforeStart,
    SiteBusy,
    StatusChangeRefused,
    UnknownPartner,
    WindowEndsBeforeStart,
)
from events.inputs import DuplicateInput, EventInput, NewEventInput, PartnerInput, SessionInput
from events.options import check_options
from events.tables import Event, EventPartner, EventStatus, Session, Site
from messaging import outbox


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


async def figures_by_event(event_ids: list[int]) -> dict[int, dict[str, int]]:
    """Registrations by status and people present, per event: the features above answer (events.signals)."""
    counts: dict[int, dict[str, int]] = {}
    for answer in await signals.send(events_signals.figures_wanted, event_ids=event_ids):
        for event_id, figures in answer.items():
            counts.setdefault(event_id, {}).update(figures)
    return counts


async def _figures(event_ids: list[int], capacities: dict[int, int | None]) -> dict[int, Figures]:
    counts = await figures_by_event(event_ids)
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
    user: CurrentUser,
    *,
    when: str = "upcoming",
    format: str | None = None,
    status: str | None = None,
    partner: int | None = None,
    today: date | None = None,
    limit: int = 200,
) -> list[dict]:
    """The events the user sees, with their figures. Plain SQL: every console home and event list asks, and
    Piccolo's query building (the visibility rule's joins) cost more than the read."""
    today = today or date.today()
    visible, args = visible_sql(user)
    conditions = [visible, "e.ends_on < {}" if when == "past" else "e.ends_on >= {}"]
    args.append(today)
    for condition, value in (("e.format = {}", format), ("e.status = {}", status)):
        if value:
            conditions.append(condition)
            args.append(value)
    if partner:
        conditions.append(f"e.id IN (SELECT event FROM {EventPartner._meta.tablename} WHERE organisation = {{}})")
        args.append(partner)
    order = "DESC" if when == "past" else "ASC"
    events = await read(
        f"SELECT {columns(Event, 'e')}, o.name AS organisation_name FROM {Event._meta.tablename} e "
        f"JOIN {Organisation._meta.tablename} o ON o.id = e.organisation "
        f"WHERE {' AND '.join(conditions)} ORDER BY e.starts_on {order}, e.id LIMIT {{}}",
        *args,
        limit,
    )
    figures = await _figures([e["id"] for e in events], {e["id"]: e["capacity"] for e in events})
    for event in events:
        event["options"] = _json(event["options"])
        event["figures"] = figures[event["id"]]
    return events


def _json(value: object) -> object:
    """A JSON column as Piccolo's `load_json` gives it: a string from either engine, parsed."""
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value


async def get_event(user: CurrentUser, event_id: int) -> dict:
    event = (
        await Event.select(
            Event.all_columns(),
            Event.organisation.name.as_alias("organisation_name"),
            Event.responsible.full_name.as_alias("responsible_name"),
        )
        .where((Event.id == event_id) & visible_to(user))
        .output(load_json=True)
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


async def get_session(user: CurrentUser, session_id: int) -> dict:
    session = await Session.select().where(Session.id == session_id).first()
    if session is None:
        raise NotFound()
    await get_event(user, session["event"])  # visible to this user, or 404
    return session


async def partners(event_id: int) -> list[dict]:
    return (
        await EventPartner.select(
            EventPartner.organisation,
            EventPartner.role,
            EventPartner.organisation.name.as_alias("name"),
            EventPartner.organisation.kind.as_alias("kind"),
        )
        .where(EventPartner.event == event_id)
        .order_by(EventPartner.organisation.name)
    )


# --- Changing events -------------------------------------------------------------------

STATUS_CHANGES: dict[EventStatus, set[EventStatus]] = {
    EventStatus.draft: {EventStatus.published, EventStatus.cancelled},
    EventStatus.published: {EventStatus.closed, EventStatus.done, EventStatus.cancelled, EventStatus.draft},
    EventStatus.closed: {EventStatus.published, EventStatus.done, EventStatus.cancelled},
    EventStatus.cancelled: {EventStatus.draft},
    EventStatus.done: set(),
}


async def organiser_organisation(user: CurrentUser, organisation_id: int | None) -> int:
    """The organisation a new record belongs to: the one given, else the user's first where they organise."""
    if organisation_id is None:
        candidates = [o for o in user.organisation_ids if user.at_least(o, Role.organiser)]
        if not candidates:
            raise Forbidden()
        return candidates[0]
    require_role(user, organisation_id, Role.organiser)
    return organisation_id


def local_to_utc(value: datetime, timezone: str) -> datetime:
    """Naive values are wall-clock times in the event's zone; aware ones are kept."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(timezone))
    return value.astimezone(UTC)


async def editable_event(user: CurrentUser, event_id: int) -> Event:
    """An event the user may change: 404 when they cannot see it, 403 when they only take part."""
    event = await Event.objects().where((Event.id == event_id) & visible_to(user)).output(load_json=True).first()
    if event is None:
        raise NotFound()
    if not user.at_least(event.organisation, Role.organiser):
        raise Forbidden()  # a partner sees the event but does not change it
    return event


def _check_event(data: EventInput, ends_on: date) -> None:
    try:
        ZoneInfo(data.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(lazy("Unknown time zone."), field="timezone") from exc
    if ends_on < data.starts_on:
        raise DatesReversed(field="ends_on")
    if data.age_min is not None and data.age_max is not None and data.age_min > data.age_max:
        raise AgeRangeReversed(field="age_max")
    opens, closes = data.registration_opens_at, data.registration_closes_at
    if opens and closes and local_to_utc(closes, data.timezone) <= local_to_utc(opens, data.timezone):
        raise WindowEndsBeforeStart(field="registration_closes_at")


def _event_values(data: EventInput, ends_on: date) -> dict:
    window = {
        "registration_opens_at": local_to_utc(data.registration_opens_at, data.timezone)
        if data.registration_opens_at
        else None,
        "registration_closes_at": local_to_utc(data.registration_closes_at, data.timezone)
        if data.registration_closes_at
        else None,
    }
    return {
        "title": data.title.strip(),
        "starts_on": data.starts_on,
        "ends_on": ends_on,
        "description": data.description,
        "capacity": data.capacity,
        "waiting_list": data.waiting_list,
        "age_min": data.age_min,
        "age_max": data.age_max,
        "meeting_point": data.meeting_point,
        "contact_phone": data.contact_phone,
        "timezone": data.timezone,
        **window,
    }


async def create_event(user: CurrentUser, data: NewEventInput) -> int:
    organisation_id = await organiser_organisation(user, data.organisation_id)
    values = await formats.defaults(organisation_id, data.format) if data.from_format else {}
    given = msgspec.structs.asdict(data)
    for name in formats.EVENT_FIELDS:  # what the client left empty comes from the format
        if given.get(name) in (None, "") and values.get(name) is not None:
            given[name] = values[name]
    data = msgspec.convert(given, NewEventInput)
    ends_on = data.ends_on or data.starts_on + timedelta(days=max(int(values.get("days", 1)), 1) - 1)
    _check_event(data, ends_on)
    async with write_transaction():
        event = Event(
            organisation=organisation_id,
            format=data.format,
            status=EventStatus.draft,
            public_token=secrets.token_urlsafe(16),
            options={**formats.options_of(values), **data.options},
            responsible=user.id or None,
            **_event_values(data, ends_on),
        )
        await event.save()
        for offset, title, kind, start, end in values.get("programme", []):
            day = data.starts_on + timedelta(days=int(offset))
            await Session(
                event=event.id,
                title=_(title),
                kind=kind,
                starts_at=local_to_utc(datetime.combine(day, time.fromisoformat(start)), data.timezone),
                ends_at=local_to_utc(datetime.combine(day, time.fromisoformat(end)), data.timezone),
            ).save()
    return event.id


async def update_event(user: CurrentUser, event_id: int, changes: dict) -> None:
    event = await editable_event(user, event_id)
    current = {name: getattr(event, name) for name in EventInput.__struct_fields__}
    data = convert(EventInput, {**current, **changes})
    _check_event(data, data.ends_on or data.starts_on)
    check_options(data.options)
    if data.capacity is not None:
        registered = (await _figures([event_id], {event_id: data.capacity}))[event_id].registered
        if data.capacity < registered:
            raise CapacityBelowRegistered(field="capacity", registered=registered)
    async with write_transaction():
        values = _event_values(data, data.ends_on or data.starts_on)
        await Event.update(
            {
                **{getattr(Event, k): v for k, v in values.items()},
                Event.options: data.options,
                Event.updated_at: utcnow(),
                Event.detached: event.series is not None,
            }
        ).where(Event.id == event_id)


@dataclass(frozen=True, slots=True)
class StatusCheck:
    """What the organiser confirms before a status change: warnings before publishing, or how many
    youths a cancellation will text."""

    warnings: list[str]
    told: int


async def status_check(user: CurrentUser, event_id: int, status: EventStatus) -> StatusCheck | None:
    """None when the change needs no confirmation (or is refused anyway: `set_status` says why)."""
    event = await editable_event(user, event_id)
    if status == EventStatus(event.status) or status not in STATUS_CHANGES[EventStatus(event.status)]:
        return None
    if status == EventStatus.published:
        try:
            await publication.check_publishable(event)
        except Refusal:
            return None
        found = await publication.warnings(event)
        return StatusCheck(warnings=found, told=0) if found else None
    if status == EventStatus.cancelled:
        told = await people_to_tell(event_id)
        return StatusCheck(warnings=[], told=told) if told else None
    return None


async def people_to_tell(event_id: int) -> int:
    """The youths registered, waiting or pending: who a cancellation texts."""
    figures = (await _figures([event_id], {}))[event_id]
    return figures.registered + figures.waiting + figures.pending


async def set_status(user: CurrentUser, event_id: int, status: EventStatus, *, reason: str = "") -> None:
    """Change an event's status; a cancellation tells its youths, with the organiser's `reason` if given."""
    event = await editable_event(user, event_id)
    current = EventStatus(event.status)
    if status == current:
        return
    if status not in STATUS_CHANGES[current]:
        raise StatusChangeRefused(current=label("event_status", current), target=label("event_status", status))
    if status == EventStatus.published:
        await publication.check_publishable(event)
    async with write_transaction():
        await Event.update({Event.status: status, Event.updated_at: utcnow()}).where(Event.id == event_id)
        if status == EventStatus.cancelled:
            await signals.send(events_signals.event_cancelled, event_id=event_id, reason=reason.strip())
    if status == EventStatus.cancelled:
        outbox.wake()


async def usable_site(user: CurrentUser, site_id: int) -> Site:
    site = (
        await Site.objects()
        .where((Site.id == site_id) & Site.organisation.is_in(user.organisation_ids or [-1]))
        .first()
    )
    if site is None:
        raise InvalidInput(lazy("Choose one of your sites."), field="site_id")
    return site


async def _check_session(user: CurrentUser, event: Event, data: SessionInput, session_id: int | None) -> dict:
    starts_at, ends_at = local_to_utc(data.starts_at, event.timezone), local_to_utc(data.ends_at, event.timezone)
    if ends_at <= starts_at:
        raise SessionEndsBeforeStart(field="ends_at")
    if data.site_id is not None:
        site = await usable_site(user, data.site_id)
        if site.capacity_per_slot <= 1:
            clash = (
                await Session.select(Session.event.title, Session.starts_at)
                .where(
                    (Session.site == site.id)
                    & (Session.starts_at < ends_at)
                    & (Session.ends_at > starts_at)
                    & (Session.id != (session_id or -1))
                    & (Session.event.status != EventStatus.cancelled)
                )
                .first()
            )
            if clash:
                when = clash["starts_at"].astimezone(ZoneInfo(event.timezone)).strftime("%d/%m %H:%M")
                raise SiteBusy(field="site_id", site=site.name, other=f"{clash['event.title']}, {when}")
    return {
        Session.title: data.title.strip(),
        Session.kind: data.kind,
        Session.starts_at: starts_at,
        Session.ends_at: ends_at,
        Session.site: data.site_id,
        Session.place: data.place,
        Session.capacity: data.capacity,
    }


async def add_session(user: CurrentUser, event_id: int, data: SessionInput) -> int:
    event = await editable_event(user, event_id)
    values = await _check_session(user, event, data, None)
    async with write_transaction():
        session = Session(event=event_id, **{column._meta.name: value for column, value in values.items()})
        await session.save()
        await Event.update({Event.detached: event.series is not None}).where(Event.id == event_id)
    return session.id


async def _session_of(user: CurrentUser, session_id: int) -> tuple[Event, Session]:
    session = await Session.objects().where(Session.id == session_id).first()
    if session is None:
        raise NotFound()
    return await editable_event(user, session.event), session


async def update_session(user: CurrentUser, session_id: int, data: SessionInput) -> None:
    event, before = await _session_of(user, session_id)
    values = await _check_session(user, event, data, session_id)
    async with write_transaction():
        await Session.update({**values, Session.sequence: Session.sequence + 1}).where(Session.id == session_id)
        await Event.update({Event.detached: event.series is not None}).where(Event.id == event.id)
        after = await Session.objects().where(Session.id == session_id).first()
        moved = (before.starts_at, before.ends_at, before.site, before.place) != (
            after.starts_at,
            after.ends_at,
            after.site,
            after.place,
        )
        if moved and event.status != EventStatus.draft:  # a new time or place: those registered are told
            await signals.send(events_signals.session_moved, session_id=session_id)
    outbox.wake()


async def session_audience(user: CurrentUser, session_id: int) -> int:
    """How many youths removing this session would text (none while the event is a draft)."""
    event, _session = await _session_of(user, session_id)
    if event.status == EventStatus.draft:
        return 0
    return sum(await signals.send(events_signals.session_audience, session_id=session_id))


async def delete_session(user: CurrentUser, session_id: int, *, reason: str = "") -> None:
    """Remove a session; on a published event its youths are told, with the organiser's `reason` if given."""
    event, _session = await _session_of(user, session_id)
    async with write_transaction():
        if event.status != EventStatus.draft:
            await signals.send(events_signals.session_cancelled, session_id=session_id, reason=reason.strip())
        await Session.delete().where(Session.id == session_id)
    outbox.wake()


async def set_partner(user: CurrentUser, event_id: int, data: PartnerInput) -> None:
    event = await editable_event(user, event_id)
    if not await in_directory(event.organisation, data.organisation_id):
        raise UnknownPartner(field="organisation_id")
    async with write_transaction():
        mine = (EventPartner.event == event_id) & (EventPartner.organisation == data.organisation_id)
        if await EventPartner.exists().where(mine):
            await EventPartner.update({EventPartner.role: data.role}).where(mine)
        else:
            await EventPartner(event=event_id, organisation=data.organisation_id, role=data.role).save()


async def remove_partner(user: CurrentUser, event_id: int, organisation_id: int) -> None:
    await editable_event(user, event_id)
    async with write_transaction():
        await EventPartner.delete().where(
            (EventPartner.event == event_id) & (EventPartner.organisation == organisation_id)
        )


async def duplicate_event(user: CurrentUser, event_id: int, data: DuplicateInput) -> int:
    """ "Same as last year": a draft copy whose programme moves with the new first day."""
    event = await editable_event(user, event_id)
    shift = data.starts_on - event.starts_on
    async with write_transaction():
        copy = Event(
            **{
                name: getattr(event, name)
                for name in (
                    "organisation",
                    "format",
                    "description",
                    "timezone",
                    "capacity",
                    "waiting_list",
                    "age_min",
                    "age_max",
                    "meeting_point",
                    "contact_phone",
                    "options",
                )
            },
            title=data.title or event.title,
            status=EventStatus.draft,
            starts_on=event.starts_on + shift,
            ends_on=event.ends_on + shift,
            public_token=secrets.token_urlsafe(16),
        )
        await copy.save()
        tz = ZoneInfo(event.timezone)
        for session in await Session.objects().where(Session.event == event_id):
            # Shift the wall-clock time, not the UTC instant: 9:00 stays 9:00 across DST.
            start = (session.starts_at.astimezone(tz).replace(tzinfo=None) + shift).replace(tzinfo=tz)
            end = (session.ends_at.astimezone(tz).replace(tzinfo=None) + shift).replace(tzinfo=tz)
            await Session(
                event=copy.id,
                title=session.title,
                kind=session.kind,
                starts_at=start.astimezone(UTC),
                ends_at=end.astimezone(UTC),
                site=session.site,
                place=session.place,
                capacity=session.capacity,
            ).save()
        for partner in await EventPartner.select().where(EventPartner.event == event_id):
            await EventPartner(event=copy.id, organisation=partner["organisation"], role=partner["role"]).save()
    return copy.id
