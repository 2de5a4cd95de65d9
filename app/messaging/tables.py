"""Messages waiting to go out, and what became of them."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.accounts.tables import Organisation


class Channel(StrEnum):
    email = "email"
    sms = "sms"


class DeliveryStatus(StrEnum):
    queued = "queued"
    sending = "sending"
    sent = "sent"
    delivered = "delivered"
    failed = "failed"


class OutboxMessage(Table):
    organisation = ForeignKey(references=Organisation, null=True, index=True)
    channel = Varchar(length=10, choices=Channel)
    recipient = Varchar(length=254)
    subject = Varchar(length=300, default="")
    body_text = Text()
    body_html = Text(default="")
    # The same key is never delivered twice (a retried request, a replayed change).
    idempotency_key = Varchar(length=200, unique=True, index=True)
    status = Varchar(length=10, choices=DeliveryStatus, default=DeliveryStatus.queued, index=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow(), index=True)
    claimed_until = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)
