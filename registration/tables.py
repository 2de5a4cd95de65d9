"""Youths and their registrations to events."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import Date, ForeignKey, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.accounts.tables import Organisation, User
from events.tables import Event


class RegistrationStatus(StrEnum):
    pending = "pending"  # awaiting the organiser's approval
    confirmed = "confirmed"
    waiting = "waiting"
    cancelled = "cancelled"
    refused = "refused"


class Source(StrEnum):
    public = "public"
    adviser = "adviser"
    walk_in = "walk_in"
    import_ = "import"


class Participant(Table):
    """A youth, as known to the organisation that holds their data."""

    organisation = ForeignKey(references=Organisation, index=True)
    first_name = Varchar(length=100)
    last_name = Varchar(length=100)
    phone = Varchar(length=20, index=True)  # E.164
    email = Varchar(length=254, default="")
    birth_date = Date(null=True, default=None)
    postcode = Varchar(length=10, default="")
    commune = Varchar(length=100, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class Registration(Table):
    event = ForeignKey(references=Event, index=True)
    participant = ForeignKey(references=Participant, index=True)
    status = Varchar(length=12, choices=RegistrationStatus, index=True)
    source = Varchar(length=10, choices=Source, default=Source.public)
    referred_by = ForeignKey(references=User, null=True, default=None, index=True)
    referring_organisation = ForeignKey(references=Organisation, null=True, default=None)
    manage_token = Varchar(length=32, unique=True, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    cancelled_at = Timestamptz(null=True, default=None)
