"""Who was there: check-ins (scans, by hand, walk-ins) and the phones paired to record them."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import Boolean, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from accounts.tables import User
from events.tables import Event, Session
from planning.tables import Visit
from registration.tables import Registration


class AttendanceStatus(StrEnum):
    present = "present"
    late = "late"
    left_early = "left_early"  # an exit scan well before the session's end
    excused = "excused"
    absent = "absent"


class CheckIn(Table):
    """A person recorded at a session: by a scan, by hand, or registered on the spot."""

    registration = ForeignKey(references=Registration, index=True)
    session = ForeignKey(references=Session, index=True)
    status = Varchar(length=10, choices=AttendanceStatus, default=AttendanceStatus.present)
    scanned_at = Timestamptz(default=TimestamptzNow())  # when it happened on site (offline scans come later)
    recorded_at = Timestamptz(default=TimestamptzNow())
    recorded_by = ForeignKey(references=User, null=True, default=None)
    device = Varchar(length=100, default="")
    nonce = Varchar(length=64, unique=True, index=True)  # one scan is recorded once, however often it is sent
    source = Varchar(length=10, default="manual")  # scan, manual, walk_in
    flagged = Boolean(default=False)  # a later duplicate scan, for the organiser to look at
    notes = Text(default="")
    visit = ForeignKey(references=Visit, null=True, default=None, index=True)  # a rally team at a company
    exited_at = Timestamptz(null=True, default=None)  # the exit scan (checkin.presence), if any
    exit_nonce = Varchar(length=64, null=True, default=None, index=True)  # one exit is recorded once
    signature = Text(default="")  # an on-screen signature (SVG path), part of the digital attendance proof


class Device(Table):
    """A phone paired to check people in at one event, without an account; expires and can be revoked."""

    event = ForeignKey(references=Event, index=True)
    name = Varchar(length=100)
    token_hash = Varchar(length=64, unique=True, index=True)
    created_by = ForeignKey(references=User, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    last_seen_at = Timestamptz(null=True, default=None)
