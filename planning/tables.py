"""Rally teams, companions and visits; job-dating interviews; the planner's runs and travel times."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from accounts.tables import Organisation, User
from events.tables import Event, Site
from registration.tables import Registration


class Companion(Table):
    """Someone who goes out with one team on the visit days: staff, volunteer or partner."""

    event = ForeignKey(references=Event, index=True)
    full_name = Varchar(length=200)
    phone = Varchar(length=20, default="")
    has_car = Boolean(default=False)
    user = ForeignKey(references=User, null=True, default=None)  # when they check their team in themselves
    # ISO date -> ["HH:MM", "HH:MM"], or null on a day they cannot come; a day not listed: the whole day.
    availability = JSON(default="{}")


class Team(Table):
    """A rally team: its members are registrations (registration.tables.TeamMember)."""

    event = ForeignKey(references=Event, index=True)
    number = Integer()
    companion = ForeignKey(references=Companion, null=True, default=None)
    locked = Boolean(default=False)  # members and companion are kept when the organiser re-plans
    published_at = Timestamptz(null=True, default=None)


class Visit(Table):
    """A team's visit of a company site, at a set time."""

    team = ForeignKey(references=Team, index=True)
    site = ForeignKey(references=Site)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    locked = Boolean(default=False)  # kept exactly when the organiser re-plans
    sequence = Integer(default=0)  # raised on every change, so calendars replace their copy


class TravelTime(Table):
    """An organiser's own travel time between two places, instead of the computed estimate."""

    organisation = ForeignKey(references=Organisation, index=True)
    origin = ForeignKey(references=Site)
    destination = ForeignKey(references=Site)
    car_minutes = Integer(null=True, default=None)
    transit_minutes = Integer(null=True, default=None)


class PlanningStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"


class PlanningRun(Table):
    """One background run of the planner for an event, with its progress and its outcome."""

    event = ForeignKey(references=Event, index=True)
    kind = Varchar(length=12, default="rally")  # rally | job_dating
    status = Varchar(length=10, choices=PlanningStatus, default=PlanningStatus.queued)
    seconds = Integer(default=10)
    seed = Integer(default=0)
    progress = JSON(default="{}")  # best objective so far, elapsed seconds, phase
    message = Text(default="")  # why it failed, in the organiser's words
    cancel_requested = Boolean(default=False)
    requested_by = ForeignKey(references=User, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)


class TeamMember(Table):
    """A youth's place in a rally team (one team per registration)."""

    team = ForeignKey(references=Team, index=True)
    registration = ForeignKey(references=Registration, unique=True)


class PublishedTeam(Table):
    """What a youth was last told about their team (number, companion, visits), written at each publication.

    The organiser edits a draft (Team, TeamMember, Visit); youths see only this copy, so a move after publication
    reaches them when the organiser republishes, together with the message that tells them."""

    registration = ForeignKey(references=Registration, unique=True)
    event = ForeignKey(references=Event, index=True)
    details = JSON(default="{}")  # number, companion, companion_phone, has_car, visits (ISO times)
    published_at = Timestamptz()


class PairRule(Table):
    """The organiser's "must be with" / "must not be with" between two youths of an event."""

    event = ForeignKey(references=Event, index=True)
    first = ForeignKey(references=Registration)
    second = ForeignKey(references=Registration)
    together = Boolean()


class Interview(Table):
    """A job-dating interview slot between a youth and a recruiting company's site."""

    registration = ForeignKey(references=Registration, index=True)
    site = ForeignKey(references=Site, index=True)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    locked = Boolean(default=False)
    published_at = Timestamptz(null=True, default=None)
    sequence = Integer(default=0)  # raised on every change, so calendars replace their copy
