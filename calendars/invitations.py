"""Every calendar Tremplin writes (RFC 5545 / RFC 5546), in one place, with `icalendar`.

- a youth's invitation (`for_registration`): their sessions, their team's visits, their interviews;
- a cancellation (`cancellation`): METHOD:CANCEL for sessions, whole events, visits or interviews;
- the subscription feeds (`for_companion`, `for_team`, `for_site`, `for_organisation`, `for_adviser`).

Each occurrence keeps one UID for its whole life (`session-42@host`, `visit-7@host`, `interview-3@host`)
and carries the row's SEQUENCE, raised by every change, so calendars replace their copy instead of adding
one. A cancelled occurrence counts as one more revision (SEQUENCE + 1, STATUS:CANCELLED): the feeds and the
CANCEL message then agree. Times are written in the event's time zone (TZID=Europe/Paris) with its VTIMEZONE.

These are plain services: no HTTP, no permission check (the callers check who may see what).
`ics` 0.7 cannot write METHOD first, VTIMEZONE or SEQUENCE (see /work/shared/NOTES.md): it only reads, in tests.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.utils import parseaddr
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone, vCalAddress
from icalendar import Event as VEvent
from piccolo.query.functions.aggregate import Count

from accounts.tables import Organisation
from calendars import signals as calendars_signals
from core import signals
from core.clock import utcnow
from core.forms import FIRST_YEAR, LAST_YEAR
from core.i18n import gettext as _
from core.settings import get_settings
from events.tables import Event, EventStatus, Session, Site
from planning.services import published_team
from planning.tables import Companion, Interview, Team, TeamMember, Visit
from registration import tokens
from registration.people import display_phone
from registration.tables import Participant, Registration, RegistrationStatus

PRODID = "-//Tremplin//Tremplin calendars//FR"
WINDOW = timedelta(days=365)  # feeds: 12 months back and ahead
LIVE = (RegistrationStatus.confirmed, RegistrationStatus.waiting, RegistrationStatus.pending)
Method = Literal["REQUEST", "PUBLISH", "CANCEL"]
Kind = Literal["session", "event", "visit", "interview"]


@dataclass
class Occurrence:
    """One VEVENT, ready to write."""

    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    timezone: str
    summary: str
    organizer: tuple[str, str]  # (name, e-mail)
    status: str = "CONFIRMED"  # CONFIRMED, TENTATIVE or CANCELLED
    location: str = ""
    geo: tuple[float, float] | None = None
    description: list[str] = field(default_factory=list)
    url: str = ""
    attendee: tuple[str, str, str] | None = None  # (name, e-mail, PARTSTAT)


# --------------------------------------------------------------------------- writing


def host() -> str:
    return urlsplit(get_settings().base_url).hostname or "tremplin"


def uid(kind: str, row_id: int) -> str:
    return f"{kind}-{row_id}@{host()}"


def no_reply() -> str:
    return parseaddr(get_settings().smtp_from)[1] or f"no-reply@{host()}"


def _address(email: str, name: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = name
    for key, value in params.items():
        address.params[key.upper()] = value
    return address


def _vevent(occurrence: Occurrence, method: Method, stamp: datetime) -> VEvent:
    tz = ZoneInfo(occurrence.timezone)
    vevent = VEvent()
    vevent.add("uid", occurrence.uid)
    vevent.add("dtstamp", stamp)
    vevent.add("sequence", occurrence.sequence)
    vevent.add("dtstart", occurrence.starts_at.astimezone(tz))
    vevent.add("dtend", occurrence.ends_at.astimezone(tz))
    vevent.add("summary", occurrence.summary)
    vevent.add("status", "CANCELLED" if method == "CANCEL" else occurrence.status)
    if occurrence.location:
        vevent.add("location", occurrence.location)
    if occurrence.geo is not None:
        vevent.add("geo", occurrence.geo)
    lines = [line for line in occurrence.description if line]
    if lines:
        vevent.add("description", "\n\n".join(lines))
    if occurrence.url:
        vevent.add("url", occurrence.url)
    name, email = occurrence.organizer
    vevent.add("organizer", _address(email, name))
    # RFC 5546: a published calendar names no attendee; an invitation or its cancellation does.
    if occurrence.attendee is not None and method != "PUBLISH":
        name, email, partstat = occurrence.attendee
        vevent.add("attendee", _address(email, name, role="REQ-PARTICIPANT", partstat=partstat, rsvp="FALSE"))
    return vevent


def write(method: Method, occurrences: Iterable[Occurrence], *, name: str = "", feed: bool = False) -> bytes:
    """A VCALENDAR: VERSION, PRODID, METHOD first, one VTIMEZONE per zone used, then the VEVENTs by date."""
    occurrences = sorted(occurrences, key=lambda o: (o.starts_at, o.uid))
    default_zone = get_settings().timezone
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("method", method)
    if name:
        calendar.add("name", name)  # RFC 7986
        calendar.add("x-wr-calname", name)  # what most clients show for a subscription
    calendar.add("x-wr-timezone", default_zone)
    if feed:  # how often a subscribed client should fetch it again (RFC 7986, and Outlook's own)
        calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
    # The time zone's rules are written for the years the dates fall in, within the years anything is planned
    # in: a far date stored before dates were bounded must not overflow the date arithmetic.
    years = [min(max(o.starts_at.year, FIRST_YEAR), LAST_YEAR) for o in occurrences] or [utcnow().year]
    first, last = date(min(years) - 1, 1, 1), date(max(years) + 2, 1, 1)
    for zone in sorted({default_zone, *(o.timezone for o in occurrences)}):
        calendar.add_component(Timezone.from_tzinfo(ZoneInfo(zone), tzid=zone, first_date=first, last_date=last))
    stamp = utcnow()
    for occurrence in occurrences:
        calendar.add_component(_vevent(occurrence, method, stamp))
    return calendar.to_ical()


# --------------------------------------------------------------------------- reading the rows

EVENT_COLUMNS = {
    "event_id": Event.id,
    "event_title": Event.title,
    "event_status": Event.status,
    "timezone": Event.timezone,
    "event_description": Event.description,
    "meeting_point": Event.meeting_point,
    "contact_phone": Event.contact_phone,
    "organisation_id": Event.organisation.id,
    "organisation_name": Event.organisation.name,
    "organisation_email": Event.organisation.email,
    "organisation_phone": Event.organisation.phone,
}
SITE_COLUMNS = {
    "site_id": Site.id,
    "site_name": Site.name,
    "address": Site.address,
    "postcode": Site.postcode,
    "city": Site.city,
    "latitude": Site.latitude,
    "longitude": Site.longitude,
    "site_contact": Site.contact_name,
    "site_phone": Site.contact_phone,
}


def _through(path: Any, columns: dict[str, Any]) -> list[Any]:
    """The columns of a joined table (Session.event, Visit.team.event…), under plain aliases."""
    selected = []
    for alias, column in columns.items():
        target = path
        for step in [*column._meta.call_chain, column]:
            target = getattr(target, step._meta.name)
        selected.append(target.as_alias(alias))
    return selected


async def _sessions(condition: Any) -> list[dict]:
    return await Session.select(
        Session.id,
        Session.title,
        Session.starts_at,
        Session.ends_at,
        Session.place,
        Session.sequence,
        *_through(Session.event, EVENT_COLUMNS),
        *_through(Session.site, SITE_COLUMNS),
    ).where(condition)


async def _visits(condition: Any) -> list[dict]:
    return await Visit.select(
        Visit.id,
        Visit.team,
        Visit.starts_at,
        Visit.ends_at,
        Visit.sequence,
        Visit.team.number.as_alias("team_number"),
        Visit.team.published_at.as_alias("published_at"),
        Visit.team.companion.full_name.as_alias("companion"),
        Visit.team.companion.phone.as_alias("companion_phone"),
        *_through(Visit.team.event, EVENT_COLUMNS),
        *_through(Visit.site, SITE_COLUMNS),
    ).where(condition)


async def _published_visits(registration: dict) -> list[dict]:
    """A youth's visits as last published (the organiser's draft reaches them when published again)."""
    team = await published_team(registration["id"])
    if team is None:
        return []
    event = (
        await Event.select(*(c.as_alias(a) for a, c in EVENT_COLUMNS.items()))
        .where(Event.id == registration["event"])
        .first()
    )
    visits = [v for v in team["visits"] if "id" in v]  # a copy published before visits kept their id has none
    sites = {
        s["site_id"]: s
        for s in await Site.select(*(c.as_alias(a) for a, c in SITE_COLUMNS.items())).where(
            Site.id.is_in([v["site"] for v in visits] or [-1])
        )
    }
    team_columns = {
        "team_number": team["number"],
        "companion": team["companion"],
        "companion_phone": team["companion_phone"],
        "published_at": team["published_at"],
    }
    return [
        event
        | sites.get(v["site"], dict.fromkeys(SITE_COLUMNS) | {"site_name": v["name"], "address": v["address"]})
        | team_columns
        | {"id": v["id"], "sequence": v["sequence"], "starts_at": v["starts_at"], "ends_at": v["ends_at"]}
        for v in visits
    ]


async def _interviews(condition: Any) -> list[dict]:
    return await Interview.select(
        Interview.id,
        Interview.registration,
        Interview.starts_at,
        Interview.ends_at,
        Interview.sequence,
        Interview.registration.participant.first_name.as_alias("first_name"),
        Interview.registration.participant.last_name.as_alias("last_name"),
        *_through(Interview.registration.event, EVENT_COLUMNS),
        *_through(Interview.site, SITE_COLUMNS),
    ).where(condition)


def _place(row: dict) -> str:
    town = " ".join(p for p in (row["postcode"], row["city"]) if p)
    site = ", ".join(p for p in (row["site_name"], row["address"], town) if p)
    return site or row.get("place") or row.get("meeting_point") or ""


def _geo(row: dict) -> tuple[float, float] | None:
    if row["latitude"] is None or row["longitude"] is None:
        return None
    return (row["latitude"], row["longitude"])


def _organizer(row: dict) -> tuple[str, str]:
    return row["organisation_name"], row["organisation_email"] or no_reply()


def _organiser_line(row: dict) -> str:
    phone = row["contact_phone"] or row["organisation_phone"]
    if not phone:
        return _("Organiser: %(name)s", name=row["organisation_name"])
    return _("Organiser: %(name)s, %(phone)s", name=row["organisation_name"], phone=display_phone(phone))


def _event_status(row: dict) -> str:
    if row["event_status"] == EventStatus.cancelled:
        return "CANCELLED"
    return "TENTATIVE" if row["event_status"] == EventStatus.draft else "CONFIRMED"


def _sequence(row: dict, status: str) -> int:
    # Cancelling is one more change: the occurrence's last revision, in every calendar that shows it.
    return (row["sequence"] or 0) + (1 if status == "CANCELLED" else 0)


def _session_occurrence(row: dict, status: str, lines: list[str], **extra: Any) -> Occurrence:
    title = row["event_title"] if row["title"] in ("", row["event_title"]) else f"{row['event_title']} — {row['title']}"
    return Occurrence(
        uid=uid("session", row["id"]),
        sequence=_sequence(row, status),
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        timezone=row["timezone"],
        summary=title,
        organizer=_organizer(row),
        status=status,
        location=_place(row),
        geo=_geo(row),
        description=lines,
        **extra,
    )


def _visit_occurrence(row: dict, status: str, summary: str, lines: list[str], **extra: Any) -> Occurrence:
    return Occurrence(
        uid=uid("visit", row["id"]),
        sequence=_sequence(row, status),
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        timezone=row["timezone"],
        summary=summary,
        organizer=_organizer(row),
        status=status,
        location=_place(row),
        geo=_geo(row),
        description=lines,
        **extra,
    )


def _interview_occurrence(row: dict, status: str, summary: str, lines: list[str], **extra: Any) -> Occurrence:
    return Occurrence(
        uid=uid("interview", row["id"]),
        sequence=_sequence(row, status),
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        timezone=row["timezone"],
        summary=summary,
        organizer=_organizer(row),
        status=status,
        location=_place(row),
        geo=_geo(row),
        description=lines,
        **extra,
    )


def _companion_line(row: dict) -> str:
    if not row["companion"]:
        return ""
    if row["companion_phone"]:
        return _("Companion: %(name)s, %(phone)s", name=row["companion"], phone=display_phone(row["companion_phone"]))
    return _("Companion: %(name)s", name=row["companion"])


def _site_contact_line(row: dict) -> str:
    contact = ", ".join(
        p for p in (row["site_contact"], display_phone(row["site_phone"]) if row["site_phone"] else "") if p
    )
    return _("Contact on site: %(contact)s", contact=contact) if contact else ""


def _window() -> tuple[datetime, datetime]:
    now = utcnow()
    return now - WINDOW, now + WINDOW


# --------------------------------------------------------------------------- a youth's calendar


@dataclass
class _Youth:
    registration: dict
    name: str
    email: str
    link: str

    @property
    def status(self) -> str:
        return self.registration["status"]

    def occurrence_status(self, row: dict) -> str:
        if row["event_status"] == EventStatus.cancelled or self.status not in LIVE:
            return "CANCELLED"
        if self.status == RegistrationStatus.confirmed and row["event_status"] != EventStatus.draft:
            return "CONFIRMED"
        return "TENTATIVE"

    @property
    def attendee(self) -> tuple[str, str, str] | None:
        if not self.email:
            return None
        partstat = {
            RegistrationStatus.confirmed: "ACCEPTED",
            RegistrationStatus.waiting: "TENTATIVE",
            RegistrationStatus.pending: "NEEDS-ACTION",
        }.get(self.status, "DECLINED")
        return (self.name, self.email, partstat)

    def lines(self, row: dict, *first: str) -> list[str]:
        waiting = _("You are on the waiting list.") if self.status == RegistrationStatus.waiting else ""
        return [
            *first,
            waiting,
            row["event_description"].strip(),
            _organiser_line(row),
            _("Your page: %(link)s", link=self.link),
        ]


async def _youth(registration: dict) -> _Youth:
    person = (
        await Participant.select(Participant.first_name, Participant.last_name, Participant.email)
        .where(Participant.id == registration["participant"])
        .first()
    ) or {"first_name": "", "last_name": "", "email": ""}
    link = tokens.personal_link(registration["manage_token"])
    name = f"{person['first_name']} {person['last_name']}".strip()
    return _Youth(registration=registration, name=name, email=person["email"] or "", link=link)


async def _youth_occurrences(youth: _Youth, sessions: list[dict], visits: list[dict], interviews: list[dict]):
    out: list[Occurrence] = []
    for row in sessions:
        status = youth.occurrence_status(row)
        out.append(_session_occurrence(row, status, youth.lines(row), url=youth.link, attendee=youth.attendee))
    for row in visits:
        status = youth.occurrence_status(row)
        summary = _("Visit: %(site)s", site=row["site_name"])
        lines = youth.lines(row, _("Team %(number)s", number=row["team_number"]), _companion_line(row))
        out.append(_visit_occurrence(row, status, summary, lines, url=youth.link, attendee=youth.attendee))
    for row in interviews:
        status = youth.occurrence_status(row)
        summary = _("Interview: %(site)s", site=row["site_name"])
        out.append(
            _interview_occurrence(row, status, summary, youth.lines(row), url=youth.link, attendee=youth.attendee)
        )
    return out


async def for_registration(registration: dict, method: Method = "REQUEST") -> bytes:
    """A youth's calendar: every session they attend (only the chosen one when they chose), their team's visits
    once the team is published, their published job-dating interviews.

    `registration` is a Registration row (id, event, participant, status, session) with its personal page's token
    (`manage_token`, unsealed: registration.tokens). REQUEST is for
    an invitation sent to the youth (with them as ATTENDEE when they have an e-mail); PUBLISH for the file or
    subscription of their personal page (RFC 5546: no ATTENDEE there)."""
    youth = await _youth(registration)
    condition = Session.event == registration["event"]
    if registration.get("session"):
        condition &= Session.id == registration["session"]
    sessions = await _sessions(condition)
    visits: list[dict] = []
    interviews: list[dict] = []
    if registration["status"] == RegistrationStatus.confirmed:
        visits = await _published_visits(registration)
        interviews = await _interviews(
            (Interview.registration == registration["id"]) & Interview.published_at.is_not_null()
        )
    occurrences = await _youth_occurrences(youth, sessions, visits, interviews)
    name = sessions[0]["event_title"] if sessions else ""
    return write(method, occurrences, name=name, feed=method == "PUBLISH")


# --------------------------------------------------------------------------- cancelling


async def cancellation(kind: Kind, row_ids: Iterable[int], *, registration: dict | None = None) -> bytes:
    """METHOD:CANCEL for the occurrences concerned, each with SEQUENCE + 1 and STATUS:CANCELLED.

    kind "session": sessions deleted or cancelled; "event": every session of the events (an event cancelled);
    "visit": team visits removed; "interview": job-dating interviews removed. Call it *before* deleting rows.
    With `registration`, the message is the one to send to that youth (them as ATTENDEE, their page linked,
    only their chosen session of an event); without, it addresses every calendar holding these UIDs (feeds).
    Pure: it writes nothing; a cancelled event's feeds show the same SEQUENCE + 1."""
    ids = sorted(set(row_ids)) or [-1]
    if kind == "session":
        sessions, visits, interviews = await _sessions(Session.id.is_in(ids)), [], []
    elif kind == "event":
        condition = Session.event.is_in(ids)
        if registration is not None and registration.get("session"):
            condition &= Session.id == registration["session"]
        sessions, visits, interviews = await _sessions(condition), [], []
    elif kind == "visit":
        sessions, visits, interviews = [], await _visits(Visit.id.is_in(ids)), []
    elif kind == "interview":
        sessions, visits, interviews = [], [], await _interviews(Interview.id.is_in(ids))
    else:
        raise ValueError(f"unknown kind {kind!r}")
    for row in (*sessions, *visits, *interviews):
        row["event_status"] = EventStatus.cancelled  # so SEQUENCE is one more than the last one sent
    if registration is not None:
        occurrences = await _youth_occurrences(await _youth(registration), sessions, visits, interviews)
    else:
        occurrences = [
            *(_session_occurrence(r, "CANCELLED", _staff_lines(r)) for r in sessions),
            *(_visit_occurrence(r, "CANCELLED", _visit_summary(r), _visit_lines(r)) for r in visits),
            *(_interview_occurrence(r, "CANCELLED", _interview_summary(r), [r["event_title"]]) for r in interviews),
        ]
    return write("CANCEL", occurrences)


# --------------------------------------------------------------------------- feeds


def _console_link(row: dict) -> str:
    return f"{get_settings().base_url}/events/{row['event_id']}"


def _staff_lines(row: dict, *first: str) -> list[str]:
    return [*first, row["event_description"].strip(), _organiser_line(row)]


def _visit_summary(row: dict) -> str:
    return _("Team %(number)s at %(site)s", number=row["team_number"], site=row["site_name"])


def _visit_lines(row: dict, *first: str) -> list[str]:
    return [*first, row["event_title"], _companion_line(row), _site_contact_line(row), _organiser_line(row)]


def _interview_summary(row: dict) -> str:
    initial = f" {row['last_name'][:1]}." if row["last_name"] else ""
    return _("Interview: %(name)s", name=f"{row['first_name']}{initial}")


def _shown(row: dict) -> bool:
    """What calendars outside the organising team show: no draft."""
    return row["event_status"] != EventStatus.draft


async def _members(team_ids: list[int]) -> dict[int, list[str]]:
    rows = await TeamMember.select(
        TeamMember.team, TeamMember.registration.participant.first_name.as_alias("first_name")
    ).where(TeamMember.team.is_in(team_ids or [-1]) & (TeamMember.registration.status == RegistrationStatus.confirmed))
    names: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        names[row["team"]].append(row["first_name"])
    return names


async def _team_calendar(team_ids: list[int], name: str, *, for_companion: bool) -> bytes:
    teams = await Team.select(Team.id, Team.event).where(
        Team.id.is_in(team_ids or [-1]) & Team.published_at.is_not_null()
    )
    published = [t["id"] for t in teams]
    events = sorted({t["event"] for t in teams})
    visits = [r for r in await _visits(Visit.team.is_in(published or [-1])) if _shown(r)]
    sessions = [r for r in await _sessions(Session.event.is_in(events or [-1])) if _shown(r)]
    members = await _members(published) if for_companion else {}
    occurrences = []
    for row in visits:
        status = _event_status(row)
        crew = ", ".join(sorted(members.get(row["team"], [])))
        first = _("Youths: %(names)s", names=crew) if crew else ""
        occurrences.append(_visit_occurrence(row, status, _visit_summary(row), _visit_lines(row, first)))
    for row in sessions:
        occurrences.append(_session_occurrence(row, _event_status(row), _staff_lines(row)))
    return write("PUBLISH", occurrences, name=name, feed=True)


async def for_companion(companion_id: int) -> bytes:
    """A companion's itinerary: their teams' visits (once published) and the event's programme."""
    companion = await Companion.select(Companion.full_name).where(Companion.id == companion_id).first()
    teams = await Team.select(Team.id).where(Team.companion == companion_id)
    name = _("Tremplin — %(name)s", name=companion["full_name"]) if companion else "Tremplin"
    return await _team_calendar([t["id"] for t in teams], name, for_companion=True)


async def for_team(team_id: int) -> bytes:
    """A team's visits (once published) and its event's programme."""
    team = await Team.select(Team.number, Team.event.title.as_alias("title")).where(Team.id == team_id).first()
    name = _("%(event)s — team %(number)s", event=team["title"], number=team["number"]) if team else "Tremplin"
    return await _team_calendar([team_id], name, for_companion=False)


async def for_site(site_id: int) -> bytes:
    """Who comes to a site, when: teams visiting (published), interviews (published), sessions held there."""
    site = await Site.select(Site.name).where(Site.id == site_id).first()
    start, end = _window()
    when = (Visit.starts_at >= start) & (Visit.starts_at < end)
    visits = await _visits((Visit.site == site_id) & Visit.team.published_at.is_not_null() & when)
    interviews = await _interviews(
        (Interview.site == site_id)
        & Interview.published_at.is_not_null()
        & (Interview.starts_at >= start)
        & (Interview.starts_at < end)
        & Interview.registration.status.is_in(list(LIVE))
    )
    sessions = await _sessions((Session.site == site_id) & (Session.starts_at >= start) & (Session.starts_at < end))
    sizes = await _members(sorted({r["team"] for r in visits}))
    occurrences = []
    for row in filter(_shown, visits):
        size = _("%(count)s youths", count=len(sizes.get(row["team"], [])))
        occurrences.append(_visit_occurrence(row, _event_status(row), _visit_summary(row), _visit_lines(row, size)))
    for row in filter(_shown, interviews):
        occurrences.append(
            _interview_occurrence(
                row, _event_status(row), _interview_summary(row), _staff_lines(row, row["event_title"])
            )
        )
    for row in filter(_shown, sessions):
        occurrences.append(_session_occurrence(row, _event_status(row), _staff_lines(row)))
    return write("PUBLISH", occurrences, name=_("Tremplin — %(name)s", name=site["name"]) if site else "", feed=True)


async def _registered(event_ids: list[int]) -> dict[int, int]:
    rows = (
        await Registration.select(Registration.event, Count(Registration.id, alias="n"))
        .where(Registration.event.is_in(event_ids or [-1]) & (Registration.status == RegistrationStatus.confirmed))
        .group_by(Registration.event)
    )
    return {row["event"]: row["n"] for row in rows}


async def for_organisation(organisation_id: int) -> bytes:
    """Every session of the organisation's events, 12 months back and ahead (drafts as TENTATIVE)."""
    organisation = await Organisation.select(Organisation.name).where(Organisation.id == organisation_id).first()
    start, end = _window()
    sessions = await _sessions(
        (Session.event.organisation == organisation_id) & (Session.starts_at >= start) & (Session.starts_at < end)
    )
    capacities = dict(
        (r["id"], r["capacity"])
        for r in await Event.select(Event.id, Event.capacity).where(
            Event.id.is_in(sorted({s["event_id"] for s in sessions}) or [-1])
        )
    )
    registered = await _registered(list(capacities))
    occurrences = []
    for row in sessions:
        count, capacity = registered.get(row["event_id"], 0), capacities.get(row["event_id"])
        figures = (
            _("Registered: %(count)s of %(capacity)s", count=count, capacity=capacity)
            if capacity
            else _("Registered: %(count)s", count=count)
        )
        lines = [*_staff_lines(row, figures), _console_link(row)]
        occurrences.append(_session_occurrence(row, _event_status(row), lines, url=_console_link(row)))
    name = _("Tremplin — %(name)s", name=organisation["name"]) if organisation else ""
    return write("PUBLISH", occurrences, name=name, feed=True)


async def for_adviser(user_id: int) -> bytes:
    """The sessions an adviser's youths are registered for (12 months back and ahead), with their first names."""
    rows = await Registration.select(
        Registration.event,
        Registration.session,
        Registration.status,
        Registration.participant.first_name.as_alias("first_name"),
    ).where((Registration.referred_by == user_id) & Registration.status.is_in(list(LIVE)))
    youths: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        youths[row["event"]].append(row)
    start, end = _window()
    sessions = await _sessions(
        Session.event.is_in(sorted(youths) or [-1]) & (Session.starts_at >= start) & (Session.starts_at < end)
    )
    occurrences = []
    for row in filter(_shown, sessions):
        names = sorted(
            y["first_name"] + (f" ({_('waiting list')})" if y["status"] == RegistrationStatus.waiting else "")
            for y in youths[row["event_id"]]
            if y["session"] in (None, row["id"])
        )
        if not names:
            continue
        first = _("Your youths: %(names)s", names=", ".join(names))
        occurrences.append(_session_occurrence(row, _event_status(row), _staff_lines(row, first)))
    for answer in await signals.send(calendars_signals.personal_occurrences, user_id=user_id, start=start, end=end):
        occurrences.extend(answer or [])
    return write("PUBLISH", occurrences, name=_("Tremplin — my youths' events"), feed=True)
