"""What came of an event for each youth: results on the spot, situations at follow-up dates, the follow-ups.

Nothing here is ever overwritten: a later situation is a new row beside the earlier ones, so the path of a
youth (job-seeking in March, a short contract in June, a CDI in October) stays readable and reportable."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from accounts.tables import Organisation, User
from events.tables import Event, Session
from planning.tables import Visit
from registration.tables import Participant, Registration


class ResultKind(StrEnum):
    """What a youth got at a visit, an interview or a session, recorded on the spot."""

    contact_taken = "contact_taken"
    cv_left = "cv_left"
    visit_booked = "visit_booked"
    interview_booked = "interview_booked"
    immersion_booked = "immersion_booked"  # PMSMP
    offer_collected = "offer_collected"
    hired = "hired"


class Result(Table):
    """An immediate result: one youth, one kind, at one company, recorded by someone (a companion's phone, the
    console)."""

    registration = ForeignKey(references=Registration, index=True)
    kind = Varchar(length=20, choices=ResultKind)
    company = ForeignKey(references=Organisation, null=True, default=None)  # from the directory
    company_name = Varchar(length=200, default="")  # as written, when the company is not in the directory
    visit = ForeignKey(references=Visit, null=True, default=None, index=True)  # a rally team's visit
    session = ForeignKey(references=Session, null=True, default=None)
    notes = Text(default="")
    recorded_by = ForeignKey(references=User, null=True, default=None)
    recorded_at = Timestamptz(default=TimestamptzNow())
    withdrawn_at = Timestamptz(null=True, default=None)  # recorded by mistake: kept, no longer counted


class SituationKind(StrEnum):
    """A youth's situation at a follow-up date (the DGEFP/IAE exits and the Missions Locales' own)."""

    cdi = "cdi"
    long_contract = "long_contract"  # CDD or interim of 6 months or more
    short_contract = "short_contract"  # CDD or interim of less than 6 months
    subsidised_contract = "subsidised"  # with an ordinary employer (PEC, CIE…)
    alternance = "alternance"  # apprenticeship or professionalisation contract
    training = "training"  # qualifying or pre-qualifying
    siae_hire = "siae_hire"  # hired by an SIAE
    immersion = "immersion"  # PMSMP
    civic_service = "civic_service"
    business_creation = "business"
    back_to_school = "school"
    job_seeking = "job_seeking"
    inactive = "inactive"
    no_news = "no_news"


class Source(StrEnum):
    """Who gave the situation."""

    youth = "youth"
    adviser = "adviser"
    employer = "employer"
    organiser = "organiser"


class FollowUp(Table):
    """A date at which someone asks what became of a youth who came to an event (J+30, J+90, J+180 by
    default): due, then done when a situation is recorded for it."""

    registration = ForeignKey(references=Registration, index=True)
    days = Integer()  # after the event's last day
    due_on = Date(index=True)
    done_at = Timestamptz(null=True, default=None, index=True)
    token_hash = Varchar(length=64, null=True, default=None, unique=True)  # the youth's self-report link
    answered_at = Timestamptz(null=True, default=None)  # the youth answered through that link
    created_at = Timestamptz(default=TimestamptzNow())


class Situation(Table):
    """A youth's situation on a date, as someone reported it; never edited, a later one is added."""

    participant = ForeignKey(references=Participant, index=True)
    event = ForeignKey(references=Event, null=True, default=None, index=True)  # the event it follows
    follow_up = ForeignKey(references=FollowUp, null=True, default=None, index=True)
    kind = Varchar(length=20, choices=SituationKind)
    since = Date()  # when the situation began (or was observed)
    contract_months = Integer(null=True, default=None)  # a fixed-term contract's length
    employer = Varchar(length=200, default="")
    source = Varchar(length=10, choices=Source)
    notes = Text(default="")
    recorded_by = ForeignKey(references=User, null=True, default=None)  # none when the youth answered
    recorded_at = Timestamptz(default=TimestamptzNow())
