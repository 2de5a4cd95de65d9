"""Who uses Tremplin: organisations, their people and what each may do."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import (
    JSON,
    Boolean,
    Bytea,
    ForeignKey,
    Integer,
    Timestamptz,
    Varchar,
)
from piccolo.columns import Text as TextColumn
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class OrganisationKind(StrEnum):
    mission_locale = "mission_locale"
    siae = "siae"
    geiq = "geiq"
    collectif = "collectif"
    centre_social = "centre_social"
    entreprise = "entreprise"
    autre = "autre"


class SiaeKind(StrEnum):
    none = ""
    aci = "aci"
    ai = "ai"
    ei = "ei"
    etti = "etti"
    eiti = "eiti"


class Role(StrEnum):
    """Ordered from most to least powerful (see ROLE_RANK)."""

    admin = "admin"
    organiser = "organiser"
    staff = "staff"
    adviser = "adviser"
    viewer = "viewer"


class Organisation(Table):
    name = Varchar(length=200)
    kind = Varchar(length=20, choices=OrganisationKind, default=OrganisationKind.autre)
    siae_kind = Varchar(length=10, choices=SiaeKind, default=SiaeKind.none)
    siret = Varchar(length=14, default="")
    address = Varchar(length=300, default="")
    postcode = Varchar(length=10, default="")
    city = Varchar(length=100, default="")
    phone = Varchar(length=20, default="")
    email = Varchar(length=254, default="")
    website = Varchar(length=300, default="")
    privacy_notice = TextColumn(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    checklist_dismissed_at = Timestamptz(null=True, default=None)  # the first-run checklist was put away
    # How its messages go out (accounts.organisation_settings); "" means the platform's default.
    email_sender_name = Varchar(length=100, default="")  # the From header's name; "": the organisation's name
    sms_sender = Varchar(length=11, default="")  # alphanumeric sender id; "": SMS_SENDER
    quiet_hours = Varchar(length=11, default="")  # "HH:MM-HH:MM" local time; "": QUIET_HOURS
    logo = Varchar(length=64, default="")  # the sha256 of its Logo's content; "": none
    follow_up_days = Varchar(length=40, default="")  # "30,90,180": days after an event to ask what became of
    # the youths who came (outcomes.followups); "": DEFAULT_FOLLOW_UP_DAYS


DEFAULT_FOLLOW_UP_DAYS = (30, 90, 180)


def follow_up_days(stored: str) -> tuple[int, ...]:
    """The delays an organisation chose (`Organisation.follow_up_days`), or the default."""
    return tuple(int(day) for day in stored.split(",") if day.strip()) or DEFAULT_FOLLOW_UP_DAYS


class Logo(Table):
    """An organisation's logo (PNG or JPEG, checked by content), found by the sha256 of its bytes.

    In the database rather than under var_dir: every app process and host sees it (PostgreSQL deployments run
    several), it is saved in the same transaction as the settings that point at it, and backed up with them."""

    digest = Varchar(length=64, unique=True, index=True)
    content_type = Varchar(length=20)
    content = Bytea()
    created_at = Timestamptz(default=TimestamptzNow())


class Digest(StrEnum):
    """How often someone who follows youths gets the e-mail of what happened to them (outcomes.digest)."""

    event_day = "event_day"  # the evening of each day one of their youths had a session
    weekly = "weekly"  # Monday morning, with the follow-ups of the week
    never = "never"


class User(Table, tablename="account_user"):
    email = Varchar(length=254, unique=True, index=True)
    full_name = Varchar(length=200)
    phone = Varchar(length=20, default="")
    password_hash = Varchar(length=200, secret=True)
    is_active = Boolean(default=True)
    language = Varchar(length=5, default="fr")
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)
    digest = Varchar(length=10, choices=Digest, default=Digest.weekly)  # chosen on their own account page


class Membership(Table):
    user = ForeignKey(references=User, index=True)
    organisation = ForeignKey(references=Organisation, index=True)
    role = Varchar(length=20, choices=Role, default=Role.viewer)
    created_at = Timestamptz(default=TimestamptzNow())
    # Someone who left: no access any more, their history stays theirs (who registered, scanned, decided).
    deactivated_at = Timestamptz(null=True, default=None)


class Invitation(Table):
    """A colleague invited by e-mail; a single-use link (only its hash is kept), for 7 days."""

    organisation = ForeignKey(references=Organisation, index=True)
    email = Varchar(length=254, index=True)
    role = Varchar(length=20, choices=Role, default=Role.viewer)
    token_hash = Varchar(length=64, unique=True, index=True)
    invited_by = ForeignKey(references=User, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    accepted_at = Timestamptz(null=True, default=None)
    accepted_by = ForeignKey(references=User, null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class AuditEntry(Table):
    """An administrative action: who did what, when, in which organisation. Kept; shown to its admins."""

    organisation = ForeignKey(references=Organisation, index=True)
    actor = ForeignKey(references=User, null=True, default=None)  # None: the system, or a command line
    action = Varchar(length=40)  # invitation_sent, role_changed, member_deactivated, handed_over, merged...
    summary = TextColumn(default="")  # what happened, in words, with the names as they were then
    details = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class ApiTokenScope(StrEnum):
    read = "read"
    write = "write"


class ApiToken(Table):
    """A revocable key for scripts and other tools, acting for one organisation."""

    organisation = ForeignKey(references=Organisation, index=True)
    name = Varchar(length=100)
    prefix = Varchar(length=12)  # shown in the console to recognise a token
    token_hash = Varchar(length=64, unique=True, index=True)
    scope = Varchar(length=5, choices=ApiTokenScope, default=ApiTokenScope.read)
    created_by = ForeignKey(references=User, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class Partnership(Table):
    """An entry of an organisation's partner directory (companies, MLs, SIAE…)."""

    owner = ForeignKey(references=Organisation, index=True)
    partner = ForeignKey(references=Organisation, index=True)
    notes = TextColumn(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class Contact(Table):
    """A person at a partner organisation; a company contact needs no account."""

    owner = ForeignKey(references=Organisation, index=True)  # whose directory keeps this person
    organisation = ForeignKey(references=Organisation, index=True)
    full_name = Varchar(length=200)
    job_title = Varchar(length=200, default="")
    phone = Varchar(length=20, default="")
    email = Varchar(length=254, default="")
    notes = TextColumn(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class PasswordReset(Table):
    """A one-time reset link; only a hash of its token is stored."""

    user = ForeignKey(references=User, index=True)
    token_hash = Varchar(length=64, unique=True, index=True)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class LoginThrottle(Table):
    """Tries at logging in, per account and IP together, and per IP: taken before the password is checked,
    so concurrent tries cannot all slip through, and kept in the database, so every server process counts
    them (accounts/throttle.py). `key` is a hash: no e-mail address or IP is kept here."""

    key = Varchar(length=64, unique=True)
    tries = Integer(default=0)
    next_try_at = Timestamptz()
    expires_at = Timestamptz(index=True)
