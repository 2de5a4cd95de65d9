"""The organisation's public page (its address) and the invitations sent to past participants."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from accounts.tables import Organisation, User
from events.tables import Event
from registration.tables import Participant


class PublicPage(Table):
    """An organisation's page of coming events, at /o/<code>. Made the first time a member asks for its link,
    so existing organisations get one without a data migration, and a code can later be changed alone."""

    organisation = ForeignKey(references=Organisation, unique=True, index=True)
    code = Varchar(length=16, unique=True, index=True)
    created_at = Timestamptz(default=TimestamptzNow())


class EventInvitation(Table):
    """One text inviting a youth who came to a similar event to register for this one (not a colleague's
    invitation to join an organisation, accounts.Invitation, nor a calendar invitation)."""

    event = ForeignKey(references=Event, index=True)
    participant = ForeignKey(references=Participant, index=True)
    # "<event>:<participant>", unique: a youth is invited to an event once, even by two organisers at once.
    key = Varchar(length=40, unique=True)
    sent_at = Timestamptz(default=TimestamptzNow())
    sent_by = ForeignKey(references=User, null=True, default=None)


def invitation_key(event_id: int, participant_id: int) -> str:
    return f"{event_id}:{participant_id}"
