"""Messages waiting to go out, and what became of them."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from accounts.tables import Organisation


class Channel(StrEnum):
    email = "email"
    sms = "sms"
    webhook = "webhook"  # a signed POST to a partner's endpoint (the webhooks package sends it)


# The channels that reach people (templates, the youths' messages pages); webhooks reach partners' systems.
TO_PEOPLE = (Channel.sms, Channel.email)


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
    interruptions = Integer(default=0)  # claims whose worker vanished mid-send (outbox: MAX_INTERRUPTIONS)
    first_attempt_at = Timestamptz(null=True, default=None)  # retries stop RETRY_FOR after it (people's channels)
    next_attempt_at = Timestamptz(default=TimestamptzNow(), index=True)
    claimed_until = Timestamptz(null=True, default=None)
    claimed_by = Varchar(length=40, default="")  # the OutboxWorker sending it ("" when not sending)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)
    delivered_at = Timestamptz(null=True, default=None)  # when the provider reported it
    provider_message_id = Varchar(length=100, default="", index=True)  # to match the provider's receipts
    urgent = Boolean(default=False)  # an organiser's urgent text goes out even in quiet hours
    category = Varchar(length=10, default="service")  # service (about their registration) or other (needs consent)
    attachment = Text(default="")  # an invitation (text/calendar) sent with an e-mail
    attachment_method = Varchar(length=10, default="")  # REQUEST or CANCEL


class OutboxWorker(Table):
    """A running `tremplin worker` (or app process delivering the outbox): its heartbeat tells the others it is
    alive; the rows it holds (`OutboxMessage.claimed_by`) are taken back soon after it is gone."""

    name = Varchar(length=40, unique=True)
    machine = Varchar(length=120, default="")  # boot id and PID namespace: where `pid` means this process
    pid = Integer(default=0)
    pid_started = Varchar(length=30, default="")  # the process's start time there (a reused PID is another)
    started_at = Timestamptz(default=TimestamptzNow())
    seen_at = Timestamptz(default=TimestamptzNow(), index=True)


class MessageTemplate(Table):
    """An organisation's own wording of a message (confirmation, reminders, thank-you…)."""

    organisation = ForeignKey(references=Organisation, index=True)
    key = Varchar(length=30)  # confirmation, reminder_2d, reminder_1d, thanks, follow_up, change…
    channel = Varchar(length=10, choices=Channel)
    subject = Varchar(length=300, default="")
    body = Text()
    updated_at = Timestamptz(default=TimestamptzNow())
