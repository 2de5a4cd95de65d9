"""Time spent at sessions: exit scans, the attended time of each check-in, a youth's hours per period (the
Contrat d'engagement jeune asks for 15 to 20 hours of activity a week) and the attestation de présence.

- An exit is recorded on the person's record (their earliest unflagged check-in on the list, see
  checkin.services), once per client nonce however often the phone sends it. It is refused when the person has
  no entry there (or was marked absent or excused), and when it is earlier than the entry: nothing is changed.
  The latest exit scan counts; a time typed on the Émargement page replaces it. An exit more than EARLY_BEFORE
  before the list's end turns "présent·e" or "en retard" into "parti·e en avance"; any other status (set by
  hand) stays, and a status set by hand afterwards is kept.
- Attended time runs from the entry to the exit, or to the list's end without an exit, kept inside the list's
  start and end (never negative). Only présent·e, en retard and parti·e en avance count.
- A youth's hours count their session lists only: a rally team's company visits happen inside a session.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from accounts import organisation_settings
from accounts.services import CurrentUser
from accounts.tables import Organisation
from checkin.attendance import publish
from checkin.services import (
    FUTURE_SLACK,
    REGISTRATION,
    Answer,
    Principal,
    allow,
    aware,
    check_access,
    load_list,
    read,
    refusal,
    short_name,
    who,
)
from checkin.tables import AttendanceStatus, CheckIn
from core.clock import utcnow
from core.db import is_sqlite, sql, write_transaction
from core.errors import InvalidInput, NotFound, Refusal
from core.i18n import lazy
from core.settings import get_settings
from events import access
from events.services import get_event
from registration import tokens
from registration.tables import Registration
from registration.youths import seen_registrations

EARLY_BEFORE = timedelta(minutes=15)  # an exit earlier than this before the end: "parti·e en avance"
ATTENDED = (AttendanceStatus.present, AttendanceStatus.late, AttendanceStatus.left_early)
CEJ_WEEK_HOURS = (15, 20)  # the Contrat d'engagement jeune's hours of activity a week
MAX_PERIOD_DAYS = 400


class NoEntryToLeave(Refusal):
    code = "no_entry"
    status_code = 409
    message = lazy("%(name)s has no entry scan on this list: record their arrival first.")


class ExitBeforeEntry(Refusal):
    code = "exit_before_entry"
    status_code = 409
    message = lazy("The exit (%(exit)s) is earlier than the entry scan (%(entry)s): nothing was changed.")


class InvalidPeriod(InvalidInput):
    code = "invalid_period"
    message = lazy("Choose a start date before the end date, at most 400 days apart.")


# --------------------------------------------------------------------------- attended time


def attended(
    status: str | None, starts_at: datetime, ends_at: datetime, entered_at: datetime | None, left_at: datetime | None
) -> timedelta:
    """The time a check-in counts: entry to exit (or to the end), inside the session, never negative."""
    if status not in ATTENDED or entered_at is None:
        return timedelta(0)
    start = max(aware(entered_at), starts_at)
    end = min(aware(left_at) if left_at else ends_at, ends_at)
    return max(end - start, timedelta(0))


def minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


# --------------------------------------------------------------------------- the exit scan


async def record_exit(
    principal: Principal,
    list_id: str,
    nonce: str,
    exited_at: datetime,
    *,
    token: str | None = None,
    registration_id: int | None = None,
    device: str = "",
    by_hand: bool = False,
) -> Answer:
    """Record when someone left a list, found by their ticket (`token`, a phone's scan) or their registration
    (a search, the Émargement page). Idempotent by `nonce`; refusals change nothing. A scan only moves an exit
    later (an older exit sent again from an offline queue changes nothing); the time typed on the Émargement
    page (`by_hand`) replaces it."""
    lst = await load_list(list_id)
    allow(principal, lst)
    now = utcnow()
    exited_at = aware(exited_at)
    if exited_at > now + FUTURE_SLACK:  # a phone's clock ahead of ours is not believed
        exited_at = now
    if token is not None:
        found = await read(REGISTRATION + "r.ticket_hash = {}", tokens.digest(token))
    else:
        found = await read(REGISTRATION + "r.id = {}", registration_id or 0)
    reg = found[0] if found else None
    refused = refusal(lst, reg)
    if refused is not None or reg is None:
        return refused or Answer("unknown", "unknown_ticket")
    name = short_name(reg["first_name"], reg["last_name"])
    team = str(reg["team_number"]) if reg["team_number"] is not None else None
    _recorded_by, device = who(principal, device)
    by = principal.full_name if isinstance(principal, CurrentUser) and principal.id else device
    column = f'"{lst.kind}"'
    async with write_transaction():
        replayed = await sql("SELECT status, exited_at FROM check_in WHERE exit_nonce = {}", nonce)
        if replayed:  # the same exit sent again: the same answer, nothing more
            row = replayed[0]
            at = aware(row["exited_at"])
            return Answer("ok", "exit_recorded", name, team, at, by, False, reg["id"], row["status"])
        rows = await sql(
            f"SELECT id, status, scanned_at, exited_at FROM check_in WHERE registration = {{}} AND +{column} = {{}} "
            "AND NOT flagged ORDER BY scanned_at, id LIMIT 1",
            reg["id"],
            lst.key,
        )
        if not rows or rows[0]["status"] not in ATTENDED:
            raise NoEntryToLeave(name=name)
        entered_at = aware(rows[0]["scanned_at"])
        if exited_at < entered_at:
            tz = ZoneInfo(lst.timezone)
            raise ExitBeforeEntry(
                exit=exited_at.astimezone(tz).strftime("%H:%M"), entry=entered_at.astimezone(tz).strftime("%H:%M")
            )
        status = rows[0]["status"]
        known = aware(rows[0]["exited_at"]) if rows[0]["exited_at"] else None
        if known is not None and known >= exited_at and not by_hand:  # a later exit is already there
            return Answer("ok", "exit_recorded", name, team, known, by, False, reg["id"], status)
        if status in (AttendanceStatus.present, AttendanceStatus.late) and exited_at < lst.ends_at - EARLY_BEFORE:
            status = AttendanceStatus.left_early.value
        await sql(
            "UPDATE check_in SET exited_at = {}, exit_nonce = {}, status = {} WHERE id = {}",
            exited_at,
            nonce,
            status,
            rows[0]["id"],
        )
    publish(lst.event_id, lst.id)
    return Answer("ok", "exit_recorded", name, team, exited_at, by, False, reg["id"], status)


# --------------------------------------------------------------------------- hours per youth and period


@dataclass(slots=True)
class Line:
    """One session a youth was recorded at."""

    registration: int
    session: int
    event: int
    event_title: str
    title: str
    starts_at: datetime
    ends_at: datetime
    status: str
    entered_at: datetime | None
    left_at: datetime | None
    attended: timedelta

    @property
    def minutes(self) -> int:
        return minutes(self.attended)


@dataclass(slots=True)
class Week:
    monday: date
    lines: list[Line] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return sum(line.minutes for line in self.lines)

    @property
    def cej(self) -> str:
        """Where the week's total stands against the CEJ's 15–20 hours: below, within, above."""
        low, high = CEJ_WEEK_HOURS
        hours = self.minutes / 60
        return "below" if hours < low else ("above" if hours > high else "within")


def period(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """The days asked for (both included): this week (Monday to Sunday) when none are given."""
    monday = today - timedelta(days=today.weekday())
    start = start or (end - timedelta(days=end.weekday()) if end else monday)
    end = end or start + timedelta(days=6)
    if end < start or (end - start).days > MAX_PERIOD_DAYS:
        raise InvalidPeriod(field="from")
    return start, end


def _instant(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=get_settings().tz)


# The columns of a line, joined once here: Piccolo builds a join at some cost, and a list of youths asks for
# the lines of hundreds of registrations on every page.
_session_starts = CheckIn.session.starts_at
_session_event = CheckIn.session.event
_LINE_COLUMNS = (
    CheckIn.registration,
    CheckIn.session,
    CheckIn.status,
    CheckIn.scanned_at,
    CheckIn.exited_at,
    CheckIn.session.title.as_alias("title"),
    _session_starts.as_alias("starts_at"),
    CheckIn.session.ends_at.as_alias("ends_at"),
    _session_event.as_alias("event"),
    CheckIn.session.event.title.as_alias("event_title"),
)


async def lines_of(
    registration_ids: list[int], *, start: date | None = None, end: date | None = None, event_id: int | None = None
) -> list[Line]:
    """The sessions these registrations were recorded at (their record there), starting in the days from
    `start` to `end` (local time, both included) or at one event, in time order."""
    query = CheckIn.select(*_LINE_COLUMNS).where(
        CheckIn.registration.is_in(registration_ids or [-1]) & CheckIn.session.is_not_null() & CheckIn.flagged.eq(False)
    )
    if start is not None:
        query = query.where(_session_starts >= _instant(start))
    if end is not None:
        query = query.where(_session_starts < _instant(end + timedelta(days=1)))
    if event_id is not None:
        query = query.where(_session_event == event_id)
    rows = await query.order_by(CheckIn.scanned_at).order_by(CheckIn.id)
    seen: set[tuple[int, int]] = set()
    lines = []
    for row in rows:  # the earliest unflagged row is the record
        key = (row["registration"], row["session"])
        if key in seen:
            continue
        seen.add(key)
        starts, ends = aware(row["starts_at"]), aware(row["ends_at"])
        lines.append(
            Line(
                registration=row["registration"],
                session=row["session"],
                event=row["event"],
                event_title=row["event_title"],
                title=row["title"],
                starts_at=starts,
                ends_at=ends,
                status=row["status"],
                entered_at=aware(row["scanned_at"]) if row["scanned_at"] else None,
                left_at=aware(row["exited_at"]) if row["exited_at"] else None,
                attended=attended(row["status"], starts, ends, row["scanned_at"], row["exited_at"]),
            )
        )
    lines.sort(key=lambda line: (line.starts_at, line.session))
    return lines


def weeks(lines: list[Line]) -> list[Week]:
    """The lines grouped by week (Monday, local time)."""
    tz = get_settings().tz
    by_week: dict[date, Week] = {}
    for line in lines:
        day = line.starts_at.astimezone(tz).date()
        monday = day - timedelta(days=day.weekday())
        by_week.setdefault(monday, Week(monday)).lines.append(line)
    return [by_week[monday] for monday in sorted(by_week)]


_MINUTES_COLUMNS = (
    CheckIn.registration,
    CheckIn.session,
    CheckIn.status,
    CheckIn.scanned_at,
    CheckIn.exited_at,
    _session_starts.as_alias("starts_at"),
    CheckIn.session.ends_at.as_alias("ends_at"),
)


async def minutes_by_session(registration_ids: list[int]) -> dict[int, dict[int, int]]:
    """{registration: {session: attended minutes}}, for a youth's page and an adviser's list of youths: the
    record of each session (the earliest unflagged row, as `lines_of`) without the lines' titles."""
    rows = await (
        CheckIn.select(*_MINUTES_COLUMNS)
        .where(
            CheckIn.registration.is_in(registration_ids or [-1])
            & CheckIn.session.is_not_null()
            & CheckIn.flagged.eq(False)
        )
        .order_by(CheckIn.scanned_at)
        .order_by(CheckIn.id)
    )
    out: dict[int, dict[int, int]] = defaultdict(dict)
    for row in rows:
        sessions = out[row["registration"]]
        if row["session"] not in sessions:
            span = attended(
                row["status"], aware(row["starts_at"]), aware(row["ends_at"]), row["scanned_at"], row["exited_at"]
            )
            sessions[row["session"]] = minutes(span)
    return dict(out)


# The minutes of each session's record (the earliest unflagged row of a registration at a session), summed in
# the database: a year's dashboard covers 50,000 check-ins, and reading them into Python (four timestamps each)
# took a second. Raw because Piccolo has no window functions; `attended()` is the rule it repeats, per engine.
_MINUTES_SQL = """
SELECT COALESCE(SUM(minutes), 0) AS minutes FROM (
    SELECT ROW_NUMBER() OVER (PARTITION BY c.registration, c.session ORDER BY c.scanned_at, c.id) AS n,
           CASE WHEN c.status IN ('present', 'late', 'left_early') AND c.scanned_at IS NOT NULL
                THEN {minutes} ELSE 0 END AS minutes
    FROM check_in c JOIN event_session s ON s.id = c.session
    WHERE c.registration IN ({{}}) AND NOT c.flagged
) AS records WHERE n = 1
"""
_SQLITE_MINUTES = (
    "MAX(0, CAST(ROUND((MIN(julianday(COALESCE(c.exited_at, s.ends_at)), julianday(s.ends_at))"
    " - MAX(julianday(c.scanned_at), julianday(s.starts_at))) * 86400) AS INTEGER) / 60)"
)
_POSTGRES_MINUTES = (
    "GREATEST(0, FLOOR(EXTRACT(EPOCH FROM (LEAST(COALESCE(c.exited_at, s.ends_at), s.ends_at)"
    " - GREATEST(c.scanned_at, s.starts_at))) / 60))"
)


async def attended_minutes(registrations: Any) -> int:
    """The minutes attended at the registrations of a subquery (a dashboard's scope), each session's record
    counted once, as `minutes_by_session` counts them."""
    minutes = _SQLITE_MINUTES if is_sqlite() else _POSTGRES_MINUTES
    rows = await CheckIn.raw(_MINUTES_SQL.format(minutes=minutes), registrations.querystrings[0])
    return int(rows[0]["minutes"] or 0)


def record_minutes(record: dict[str, Any], starts_at: datetime, ends_at: datetime) -> int:
    """The attended minutes of a record row of checkin.attendance.records."""
    return minutes(attended(record["status"], starts_at, ends_at, record["scanned_at"], record["exited_at"]))


async def youth_hours(
    user: CurrentUser, participant_id: int, start: date | None, end: date | None, *, today: date | None = None
) -> dict[str, Any]:
    """A youth's sessions and attended hours in a period (this week by default), week by week."""
    youth, _holder, registration_ids = await seen_registrations(user, participant_id)
    start, end = period(start, end, today or utcnow().astimezone(get_settings().tz).date())
    lines = await lines_of(registration_ids, start=start, end=end)
    return {
        "youth": youth,
        "start": start,
        "end": end,
        "weeks": weeks(lines),
        "minutes": sum(line.minutes for line in lines),
        "cej": CEJ_WEEK_HOURS,
        "month": _month(start),
        "tz": get_settings().tz,
    }


def _month(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


# --------------------------------------------------------------------------- the attestation de présence


async def youth_attestation(
    user: CurrentUser,
    participant_id: int,
    *,
    start: date | None = None,
    end: date | None = None,
    event_id: int | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """What a youth's attestation says, for one of their events or a period (this week by default), signed by
    the user for the organisation holding the youth's record (or the event's, or the user's own)."""
    youth, holder, registration_ids = await seen_registrations(user, participant_id)
    today = today or utcnow().astimezone(get_settings().tz).date()
    if event_id is not None:
        event = (
            await Registration.select(Registration.event.organisation.as_alias("organisation"))
            .where(Registration.id.is_in(registration_ids or [-1]) & (Registration.event == event_id))
            .first()
        )
        if event is None:
            raise NotFound()
        lines = await lines_of(registration_ids, event_id=event_id)
        organisation_id = event["organisation"]
    else:
        start, end = period(start, end, today)
        lines = await lines_of(registration_ids, start=start, end=end)
        organisation_id = youth["organisation"] if holder else (user.current_organisation or youth["organisation"])
    return await _attestation(user, youth, lines, organisation_id, start, end, today)


async def event_attestation(
    user: CurrentUser, event_id: int, registration_id: int, *, today: date | None = None
) -> dict[str, Any]:
    """The attestation of one registration at an event, from its Émargement (for the people who run it)."""
    event = await get_event(user, event_id)  # 404 when the user cannot see it
    partners = await access.partners_of(event_id)
    check_access(user, event_id, event["organisation"], partners.co_organisers, partners.all)
    youth = (
        await Registration.select(
            Registration.participant.id.as_alias("id"),
            Registration.participant.first_name.as_alias("first_name"),
            Registration.participant.last_name.as_alias("last_name"),
            Registration.participant.birth_date.as_alias("birth_date"),
        )
        .where((Registration.id == registration_id) & (Registration.event == event_id))
        .first()
    )
    if youth is None:
        raise NotFound()
    lines = await lines_of([registration_id], event_id=event_id)
    today = today or utcnow().astimezone(get_settings().tz).date()
    return await _attestation(user, youth, lines, event["organisation"], None, None, today, event["title"])


async def _attestation(
    user: CurrentUser,
    youth: dict,
    lines: list[Line],
    organisation_id: int,
    start: date | None,
    end: date | None,
    today: date,
    event_title: str | None = None,
) -> dict[str, Any]:
    organisation = (
        await Organisation.select(Organisation.id, Organisation.name, Organisation.city)
        .where(Organisation.id == organisation_id)
        .first()
    )
    lines = [line for line in lines if line.status in ATTENDED]
    events = sorted({line.event_title for line in lines})
    return {
        "youth": youth,
        "organisation": organisation,
        "logo": await organisation_settings.logo_data_uri(organisation_id),
        "lines": lines,
        "minutes": sum(line.minutes for line in lines),
        "start": start,
        "end": end,
        "event_title": event_title or (events[0] if len(events) == 1 and start is None else None),
        "signer": user.full_name,
        "place": organisation["city"] if organisation else "",
        "today": today,
        "tz": get_settings().tz,
    }
