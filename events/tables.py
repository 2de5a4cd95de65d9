"""Events, their sessions (half-days, slots), the sites they happen at and their partners."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from accounts.tables import Organisation, User


class Format(StrEnum):
    rallye = "rallye"
    info_collective = "info_collective"
    permanence = "permanence"
    job_dating = "job_dating"
    pied_des_murs = "pied_des_murs"


class EventStatus(StrEnum):
    draft = "draft"
    published = "published"
    closed = "closed"
    cancelled = "cancelled"
    done = "done"


class SiteKind(StrEnum):
    mission_locale = "mission_locale"
    siae = "siae"
    company = "company"
    social_centre = "social_centre"
    outdoors = "outdoors"


class SessionKind(StrEnum):
    visits = "visits"
    debrief = "debrief"
    ceremony = "ceremony"
    info = "info"
    interviews = "interviews"
    drop_in = "drop_in"
    meetup = "meetup"


class PartnerRole(StrEnum):
    co_organiser = "co_organiser"
    prescriber = "prescriber"
    host_company = "host_company"
    social_centre = "social_centre"
    funder = "funder"


class Site(Table):
    """A place where something happens: an ML, a company, a square in a neighbourhood."""

    organisation = ForeignKey(references=Organisation, index=True)  # who keeps this record
    host = ForeignKey(references=Organisation, null=True, default=None)  # who receives there
    name = Varchar(length=200)
    kind = Varchar(length=20, choices=SiteKind, default=SiteKind.company)
    sector = Varchar(length=40, default="")
    address = Varchar(length=300, default="")
    postcode = Varchar(length=10, default="")
    city = Varchar(length=100, default="")
    latitude = Float(null=True, default=None)
    longitude = Float(null=True, default=None)
    accessible = Boolean(default=False)  # reduced mobility
    access_notes = Text(default="")
    contact_name = Varchar(length=200, default="")
    contact_phone = Varchar(length=20, default="")
    capacity_per_slot = Integer(default=1)
    max_teams = Integer(null=True, default=None)
    visit_minutes = Integer(default=45)
    created_at = Timestamptz(default=TimestamptzNow())
    # [{"weekday": 0-6, "start": "09:00", "end": "12:00"}, …] in the site's local time
    opening_hours = JSON(default="[]")


class Series(Table):
    """A recurring event (RFC 5545 RRULE/EXDATE); its occurrences are events."""

    organisation = ForeignKey(references=Organisation, index=True)
    title = Varchar(length=200)
    format = Varchar(length=20, choices=Format)
    rrule = Varchar(length=300)
    dtstart_local = Varchar(length=19)  # naive wall-clock ISO time, e.g. 2027-01-12T09:30:00
    duration_minutes = Integer()
    timezone = Varchar(length=40, default="Europe/Paris")
    exdates_local = Text(default="")  # comma-separated naive ISO times
    rotation_sites = JSON(default="[]")  # site ids used in turn, one per occurrence
    site = ForeignKey(references=Site, null=True, default=None)
    place = Varchar(length=300, default="")
    capacity = Integer(null=True, default=None)
    description = Text(default="")
    session_kind = Varchar(length=20, choices=SessionKind, default=SessionKind.info)
    options = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow())
    responsible = ForeignKey(references=User, null=True, default=None)  # its dates' person in charge


class FormatDefaults(Table):
    """An organisation's own defaults for a format, over the built-in ones."""

    organisation = ForeignKey(references=Organisation, index=True)
    format = Varchar(length=20, choices=Format)
    values = JSON(default="{}")


class Event(Table):
    organisation = ForeignKey(references=Organisation, index=True)
    title = Varchar(length=200)
    format = Varchar(length=20, choices=Format)
    status = Varchar(length=12, choices=EventStatus, default=EventStatus.draft, index=True)
    description = Text(default="")
    timezone = Varchar(length=40, default="Europe/Paris")
    starts_on = Date(index=True)
    ends_on = Date()
    capacity = Integer(null=True, default=None)  # None: no limit
    waiting_list = Boolean(default=True)
    age_min = Integer(null=True, default=None)
    age_max = Integer(null=True, default=None)
    registration_opens_at = Timestamptz(null=True, default=None)
    registration_closes_at = Timestamptz(null=True, default=None)
    meeting_point = Varchar(length=300, default="")
    contact_phone = Varchar(length=20, default="")
    public_token = Varchar(length=32, unique=True, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    options = JSON(default="{}")  # the format's settings: team size, visits per day, slot length…
    series = ForeignKey(references=Series, null=True, default=None, index=True)
    recurrence_id = Varchar(length=19, null=True, default=None)  # the occurrence's original local start
    # The organiser in charge (who created it, until a hand-over gives it to a colleague).
    responsible = ForeignKey(references=User, null=True, default=None, index=True)
    detached = Boolean(default=False)  # edited on its own: series edits leave it alone


class Session(Table, tablename="event_session"):
    """A half-day or a slot of an event's programme."""

    event = ForeignKey(references=Event, index=True)
    title = Varchar(length=200)
    kind = Varchar(length=20, choices=SessionKind, default=SessionKind.info)
    starts_at = Timestamptz(index=True)
    ends_at = Timestamptz()
    site = ForeignKey(references=Site, null=True, default=None)
    place = Varchar(length=300, default="")
    capacity = Integer(null=True, default=None)  # None: the event's capacity
    sequence = Integer(default=0)  # raised on every change, so calendars replace their copy (RFC 5545)


class EventPartner(Table):
    event = ForeignKey(references=Event, index=True)
    organisation = ForeignKey(references=Organisation, index=True)
    role = Varchar(length=20, choices=PartnerRole)
