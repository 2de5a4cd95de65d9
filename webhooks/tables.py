"""An organisation's endpoints, and each notice queued for one of them (its outbox message)."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from accounts.tables import Organisation, User
from messaging.tables import OutboxMessage


class EventType(StrEnum):
    registration_created = "registration.created"
    registration_cancelled = "registration.cancelled"
    checkin_recorded = "checkin.recorded"
    outcome_recorded = "outcome.recorded"


TEST_EVENT = "webhook.test"  # sent by "Send a test event", whatever the endpoint listens to


class Endpoint(Table, tablename="webhook_endpoint"):
    """A partner's HTTPS address that receives the organisation's events, signed with its secret."""

    organisation = ForeignKey(references=Organisation, index=True)
    url = Varchar(length=254)  # it is also the outbox message's recipient
    # The signing key, encrypted with SECRET_KEY (webhooks/signing.py): HMAC needs the key itself, so it cannot
    # be hashed like an API token; shown once to the admin who creates or rotates it.
    secret = Text()
    events = Text(default="")  # the event types it listens to, separated by spaces
    description = Varchar(length=200, default="")
    created_by = ForeignKey(references=User, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    disabled_at = Timestamptz(null=True, default=None)
    disabled_reason = Varchar(length=300, default="")
    failures_in_row = Integer(default=0)  # attempts that failed since the last one that was delivered
    failing_since = Timestamptz(null=True, default=None)  # the first of those failed attempts


class Delivery(Table, tablename="webhook_delivery"):
    """One event for one endpoint: its message in the outbox holds the body, the status and the attempts."""

    endpoint = ForeignKey(references=Endpoint, index=True)
    message = ForeignKey(references=OutboxMessage, unique=True)
    webhook_id = Varchar(length=40, unique=True)  # the `webhook-id` header: the same on every attempt
    event_type = Varchar(length=40)
    created_at = Timestamptz(default=TimestamptzNow())
    last_attempt_at = Timestamptz(null=True, default=None)
    response_code = Integer(null=True, default=None)  # the endpoint's last HTTP status, none when it did not answer
    response_excerpt = Varchar(length=300, default="")  # the first bytes it answered, or why there was no answer
