"""Youths and their registrations to events."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from accounts.tables import Organisation, User
from core.text import fold
from events.tables import Event, Session


def fold_name(first_name: str, last_name: str) -> str:
    return " ".join(fold(f"{first_name} {last_name}").split())


class RegistrationStatus(StrEnum):
    pending = "pending"  # awaiting the organiser's approval
    confirmed = "confirmed"
    waiting = "waiting"
    cancelled = "cancelled"
    refused = "refused"


class Gender(StrEnum):
    """As the youth says it, for the funders' shares; never asked of them on the public form."""

    unknown = ""
    female = "female"
    male = "male"
    other = "other"


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
    sectors = JSON(default="[]")  # job sectors of interest (events.sites.SECTORS)
    driving_licence = Boolean(default=False)
    vehicle = Boolean(default=False)
    reduced_mobility = Boolean(default=False)
    available_days = JSON(default="[]")  # weekday numbers, 0 = Monday
    channel = Varchar(length=8, default="sms")  # how they prefer to be reached: sms, email or both
    sms_opt_out_at = Timestamptz(null=True, default=None)  # they answered STOP: no more text messages
    last_contact_at = Timestamptz(default=TimestamptzNow())  # for the 2-year retention
    qpv = Boolean(default=False)  # lives in a priority neighbourhood (quartier prioritaire de la ville)
    gender = Varchar(length=8, choices=Gender, default=Gender.unknown)  # recorded by their adviser, if at all
    # "first last" folded (no accents, lower case) for the youths' search; written with the name, on every
    # path that writes one: save() below and the two registration upserts (participant_values).
    search_name = Varchar(length=201, default="")
    # Their personal data were erased (privacy.erasure): names are a placeholder, contact details gone; the
    # rows that make the figures (registrations, check-ins, situations) stay.
    erased_at = Timestamptz(null=True, default=None)

    def save(self, columns=None):  # type: ignore[override]
        self.search_name = fold_name(self.first_name, self.last_name)
        if columns is not None:
            columns = [*columns, Participant.search_name]
        return super().save(columns)


class Registration(Table):
    event = ForeignKey(references=Event, index=True)
    participant = ForeignKey(references=Participant, index=True)
    status = Varchar(length=12, choices=RegistrationStatus, index=True)
    source = Varchar(length=10, choices=Source, default=Source.public)
    referred_by = ForeignKey(references=User, null=True, default=None, index=True)
    referring_organisation = ForeignKey(references=Organisation, null=True, default=None)
    # The personal page's link (/r/<token>) and the ticket (what the QR code holds) are never stored in
    # clear: each is kept as its digest, to find it, and sealed with SECRET_KEY, to give it again
    # (registration/tokens.py). Re-issuing a ticket changes it, so a lost or shared code stops working while
    # the personal page link stays the same. The ticket's digest is unique through an index of its own (SQLite).
    manage_hash = Varchar(length=32, unique=True, index=True)
    manage_sealed = Varchar(length=100, default="")
    ticket_hash = Varchar(length=32, null=True, default=None, index=True)
    ticket_sealed = Varchar(length=100, null=True, default=None)
    ticket_issued_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    cancelled_at = Timestamptz(null=True, default=None)
    session = ForeignKey(references=Session, null=True, default=None, index=True)  # when one was chosen
    answers = JSON(default="{}")  # custom question id -> answer
    promoted_at = Timestamptz(null=True, default=None)  # moved from the waiting list to a place
    decided_by = ForeignKey(references=User, null=True, default=None)  # approval, refusal or manual move


class QuestionKind(StrEnum):
    text = "text"
    choice = "choice"
    multiple = "multiple"
    yes_no = "yes_no"


class Question(Table):
    """A question the organiser adds to an event's registration form."""

    event = ForeignKey(references=Event, index=True)
    label = Varchar(length=300)
    kind = Varchar(length=10, choices=QuestionKind, default=QuestionKind.text)
    choices = JSON(default="[]")
    required = Boolean(default=False)
    position = Integer(default=0)


class ConsentKind(StrEnum):
    photos = "photos"
    partner_sharing = "partner_sharing"
    other_messages = "other_messages"
    parental = "parental"  # a parent's consent for a youth under 15


class Consent(Table):
    """A dated, separate consent that can be withdrawn; service messages need none."""

    participant = ForeignKey(references=Participant, index=True)
    kind = Varchar(length=20, choices=ConsentKind)
    given_at = Timestamptz(default=TimestamptzNow())
    withdrawn_at = Timestamptz(null=True, default=None)
    given_by = Varchar(length=200, default="")  # the youth, or the parent's name
    recorded_by = ForeignKey(references=User, null=True, default=None)


class ReferralLink(Table):
    """A registration link of an adviser or a prescriber organisation: who sent the youth."""

    organisation = ForeignKey(references=Organisation, index=True)
    user = ForeignKey(references=User, null=True, default=None, index=True)
    code = Varchar(length=32, unique=True, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)


class Proposal(Table):
    """An event an adviser proposed to one of their youths: a text with a registration link pre-filled with the
    youth's details and attributed to the adviser (`token_*`); the youth still confirms."""

    event = ForeignKey(references=Event, index=True)
    participant = ForeignKey(references=Participant, index=True)
    proposed_by = ForeignKey(references=User, index=True)
    referring_organisation = ForeignKey(references=Organisation, null=True, default=None)  # the adviser's
    token_hash = Varchar(length=32, unique=True, index=True)  # the link's token: registration/tokens.py
    token_sealed = Varchar(length=100, default="")
    sent_at = Timestamptz(default=TimestamptzNow())  # the last time it was sent (a resend moves it)
    sends = Integer(default=1)
    registration = ForeignKey(references=Registration, null=True, default=None)  # made through the link
