"""The dashboard's figures for one organisation's events over a period (or one event), read with grouped
queries: the funnel registered → came → something followed, no-shows, by format, by referring organisation and
adviser, who the youths are (priority neighbourhoods, age bands), attended hours, companies and offers, and the
situations that followed by category and month.

Scope: the events the organisation runs whose first day falls in the period (both days included). "Came":
checked in present or late at least once (checkin.services.came). "Something followed": a result on the spot at
that registration, or a situation of the youth dated on or after the event's first day. Figures are kept a
minute per scope: a dashboard is read, printed and read again, and counting a year of events on every request
would cost more than the page.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from piccolo.query.functions.aggregate import Count

from accounts.tables import Organisation, User
from checkin.presence import attended_minutes
from checkin.services import came
from core.cache import TtlCache
from events.tables import Event, EventPartner, PartnerRole
from outcomes.situations import CATEGORY, Category
from outcomes.tables import Result, ResultKind, Situation, SituationKind
from registration.tables import Gender, Participant, Registration, RegistrationStatus

AGE_BANDS = ((0, 17, "under_18"), (18, 21, "18_21"), (22, 25, "22_25"), (26, 200, "26_plus"))
FIGURES_TTL = 60

_EVENT = Registration.event
_EVENT_ORGANISATION = Registration.event.organisation
_EVENT_STARTS = Registration.event.starts_on
_EVENT_FORMAT = Registration.event.format
_LIVE = (RegistrationStatus.confirmed,)


@dataclass(frozen=True)
class Scope:
    organisation: int
    start: date
    end: date
    format: str = ""
    event: int | None = None


@dataclass
class Figures:
    scope: Scope
    events: int = 0
    registered: int = 0  # confirmed registrations
    came: int = 0
    followed: int = 0  # registrations that came and were followed by a result or a situation
    cancelled: int = 0
    refused: int = 0
    youths: int = 0  # distinct youths who came
    qpv: int = 0
    age_bands: dict[str, int] = field(default_factory=dict)
    genders: dict[str, int] = field(default_factory=dict)  # "" when not recorded
    minutes: int = 0
    by_format: list[tuple[str, int, int]] = field(default_factory=list)  # format, registered, came
    by_referrer: list[tuple[str, int, int]] = field(default_factory=list)  # organisation name, registered, came
    by_adviser: list[tuple[str, int, int]] = field(default_factory=list)
    categories: dict[str, int] = field(default_factory=dict)  # latest situation of each youth who came
    by_month: list[tuple[str, dict[str, int]]] = field(default_factory=list)  # "2026-03", {category: count}
    companies: int = 0
    offers: int = 0
    hired: int = 0
    results: dict[str, int] = field(default_factory=dict)

    @property
    def no_show_rate(self) -> float | None:
        return None if not self.registered else 1 - self.came / self.registered

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


def _in_scope(scope: Scope):
    where = _EVENT_ORGANISATION == scope.organisation  # noqa: SIM300 (a column, not a constant)
    if scope.event is not None:
        return where & (_EVENT == scope.event)  # noqa: SIM300
    where = where & (scope.start <= _EVENT_STARTS) & (scope.end >= _EVENT_STARTS)
    if scope.format:
        where = where & (_EVENT_FORMAT == scope.format)  # noqa: SIM300
    return where


def _events_where(scope: Scope):
    if scope.event is not None:
        return (Event.id == scope.event) & (Event.organisation == scope.organisation)
    where = (
        (Event.organisation == scope.organisation) & (Event.starts_on >= scope.start) & (Event.starts_on <= scope.end)
    )
    where = where & (Event.status != "cancelled") & (Event.status != "draft")
    return where & (Event.format == scope.format) if scope.format else where


_cache: TtlCache[Scope, Figures] = TtlCache(FIGURES_TTL, 500)
_reading: dict[Scope, asyncio.Task[Figures]] = {}


async def figures(scope: Scope) -> Figures:
    """The scope's figures, read once a minute: requests arriving while they are read wait for that reading
    (sixteen people opening the dashboard at once would otherwise count the same year sixteen times)."""
    cached = _cache.get(scope)
    if cached is not None:
        return cached
    task = _reading.get(scope)
    if task is None:
        task = _reading[scope] = asyncio.ensure_future(_read(scope))
        task.add_done_callback(lambda done: _keep(scope, done))
    return await asyncio.shield(task)  # a request that goes away does not stop the reading the others await


def _keep(scope: Scope, done: asyncio.Task[Figures]) -> None:
    _reading.pop(scope, None)
    if not done.cancelled() and done.exception() is None:
        _cache.set(scope, done.result())


async def _read(scope: Scope) -> Figures:
    found = Figures(scope)
    where = _in_scope(scope)
    present = where & Registration.id.is_in(came())
    found.events = await Event.count().where(_events_where(scope))
    statuses = (
        await Registration.select(Registration.status, Count(Registration.id, alias="n"))
        .where(where)
        .group_by(Registration.status)
    )
    by_status = {row["status"]: row["n"] for row in statuses}
    found.registered = by_status.get(RegistrationStatus.confirmed, 0)
    found.cancelled = by_status.get(RegistrationStatus.cancelled, 0)
    found.refused = by_status.get(RegistrationStatus.refused, 0)
    found.came = await Registration.count().where(present)
    await _who_came(found, present)
    await _groups(found, where, present)
    await _what_followed(found, where, present)
    found.minutes = await attended_minutes(Registration.select(Registration.id).where(present))
    return found


async def _who_came(found: Figures, present) -> None:
    youths = await Participant.select(Participant.qpv, Participant.birth_date, Participant.gender).where(
        Participant.id.is_in(Registration.select(Registration.participant).where(present))
    )
    found.youths = len(youths)
    found.qpv = sum(1 for y in youths if y["qpv"])
    bands: Counter[str] = Counter()
    for youth in youths:
        bands[_band(youth["birth_date"], found.scope.start)] += 1
    found.age_bands = {name: bands.get(name, 0) for *_, name in AGE_BANDS} | {"unknown": bands.get("unknown", 0)}
    genders = Counter(youth["gender"] or "" for youth in youths)
    found.genders = {g.value: genders.get(g.value, 0) for g in Gender}


def _band(birth: date | None, on: date) -> str:
    """The age band on the period's first day (a youth counts once, whatever the number of events)."""
    if birth is None:
        return "unknown"
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return next(name for low, high, name in AGE_BANDS if low <= age <= high)


async def _grouped(column, where, present) -> dict:
    registered = (
        await Registration.select(column.as_alias("key"), Count(Registration.id, alias="n"))
        .where(where & (Registration.status == RegistrationStatus.confirmed))
        .group_by(column)
    )
    came_rows = (
        await Registration.select(column.as_alias("key"), Count(Registration.id, alias="n"))
        .where(present)
        .group_by(column)
    )
    out: dict = defaultdict(lambda: [0, 0])
    for row in registered:
        out[row["key"]][0] = row["n"]
    for row in came_rows:
        out[row["key"]][1] = row["n"]
    return out


async def _groups(found: Figures, where, present) -> None:
    formats = await _grouped(_EVENT_FORMAT, where, present)
    found.by_format = sorted(((k, r, c) for k, (r, c) in formats.items()), key=lambda t: -t[1])
    referrers = await _grouped(Registration.referring_organisation, where, present)
    names = await _names(Organisation, [k for k in referrers if k])
    found.by_referrer = sorted(
        ((names.get(k, "") if k else "", r, c) for k, (r, c) in referrers.items()), key=lambda t: -t[1]
    )
    advisers = await _grouped(Registration.referred_by, where, present)
    people = await _names(User, [k for k in advisers if k], column=User.full_name)
    found.by_adviser = sorted(((people.get(k, ""), r, c) for k, (r, c) in advisers.items() if k), key=lambda t: -t[1])


async def _names(table, ids: list[int], column=None) -> dict[int, str]:
    if not ids:
        return {}
    column = column or table.name
    return {
        row["id"]: row["name"]
        for row in await table.select(table.id, column.as_alias("name")).where(table.id.is_in(ids))
    }


async def _what_followed(found: Figures, where, present) -> None:
    scope = found.scope
    results = (
        await Result.select(Result.kind, Count(Result.id, alias="n"))
        .where(Result.registration.is_in(Registration.select(Registration.id).where(where)))
        .group_by(Result.kind)
    )
    found.results = {row["kind"]: row["n"] for row in results}
    found.offers = found.results.get(ResultKind.offer_collected, 0)
    found.hired = found.results.get(ResultKind.hired, 0)
    found.companies = await _companies(scope, where)
    came_rows = await Registration.select(
        Registration.id, Registration.participant, _EVENT_STARTS.as_alias("day")
    ).where(present)
    first_day: dict[int, date] = {}
    for row in came_rows:
        day = row["day"]
        first_day[row["participant"]] = min(day, first_day.get(row["participant"], day))
    situations = (
        await Situation.select(Situation.participant, Situation.kind, Situation.since, Situation.recorded_at)
        .where(Situation.participant.is_in(Registration.select(Registration.participant).where(present)))
        .order_by(Situation.since)
        .order_by(Situation.recorded_at)
    )
    latest: dict[int, str] = {}
    months: dict[str, Counter[str]] = defaultdict(Counter)
    for row in situations:
        since = row["since"]
        if since < first_day.get(row["participant"], since):
            continue  # a situation before they came is where they stood, not what followed
        category = CATEGORY[SituationKind(row["kind"])]
        latest[row["participant"]] = category
        months[since.strftime("%Y-%m")][category] += 1
    found.categories = {c.value: sum(1 for v in latest.values() if v == c) for c in Category}
    found.by_month = [(month, dict(months[month])) for month in sorted(months)]
    with_results = {
        row["registration"]
        for row in await Result.select(Result.registration).where(
            Result.registration.is_in(Registration.select(Registration.id).where(present))
        )
    }
    found.followed = sum(1 for row in came_rows if row["id"] in with_results or row["participant"] in latest)


async def _companies(scope: Scope, where) -> int:
    """Companies mobilised: those the youths met (results on the spot) and the events' host companies."""
    met = await Result.select(Result.company, Result.company_name).where(
        Result.registration.is_in(Registration.select(Registration.id).where(where))
    )
    names = {("id", r["company"]) if r["company"] else ("name", r["company_name"].strip().lower()) for r in met}
    hosts = await EventPartner.select(EventPartner.organisation).where(
        EventPartner.event.is_in(Event.select(Event.id).where(_events_where(scope)))
        & (EventPartner.role == PartnerRole.host_company)
    )
    names |= {("id", r["organisation"]) for r in hosts}
    names.discard(("name", ""))
    return len(names)
