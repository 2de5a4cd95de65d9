"""Write messages in the caller's transaction; deliver them afterwards, each once in effect.

Writing: `enqueue_email` and `enqueue_sms` must be called inside the caller's `write_transaction()`,
next to the change that causes the message, so that both are saved or neither is. Both are idempotent
by `key` (a second call with the same key changes nothing). Call `wake()` after the commit.

Delivering: `deliver_due` claims due rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the one write lock
on SQLite), marks them `sending` with a lease of OUTBOX_LEASE_SECONDS, sends them and records the outcome
of each as soon as it is known. The rules that keep a message from going out twice:

* a worker starts a send only while its lease has at least one send timeout left, and every send is cut
  at that timeout: no send outlives its lease, so no other worker can claim a message while it is sent;
* a worker that dies mid-send leaves the row `sending`; once the lease has run out any worker claims it
  again and sends it with the same idempotency key: the same Message-ID for an e-mail (see
  `email.message_id_for`), the same reference for an SMS (Brevo's tag, or the gateway's Idempotency-Key
  header), so the receiver can drop the copy; for Brevo, `find_sent` even finds the first copy and the
  second is not sent at all;
* attempts are counted when a message is claimed, so a message that kills its worker every time ends up
  `failed` after MAX_ATTEMPTS instead of looping.

Errors: `TemporaryFailure` puts the message back with a backoff; `PermanentFailure` (or MAX_ATTEMPTS)
marks it failed with the reason. A malformed address or number fails that message only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

import httpx

from core import signals
from core.clock import utcnow
from core.db import is_sqlite, sql, write_transaction
from core.i18n import _, language
from core.settings import Settings, get_settings
from messaging import senders
from messaging import signals as messaging_signals
from messaging.email import PermanentFailure, TemporaryFailure, build_email, check_address, message_id_for, send_email
from messaging.sms import FindsSent, SmsProvider, normalise_phone, provider_from
from messaging.tables import Channel, DeliveryStatus, OutboxMessage

log = logging.getLogger("tremplin.outbox")

MAX_ATTEMPTS = 8
CONCURRENCY = 8  # messages of one batch sent at the same time
_wakeup = asyncio.Event()


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 6 * 3600))


def send_timeout(settings: Settings) -> float:
    """Seconds one send may take: a third of the lease, at most 30."""
    return max(0.5, min(30.0, settings.outbox_lease_seconds / 3))


async def enqueue_email(
    *,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    key: str,
    organisation_id: int | None = None,
    attachment: str = "",
    attachment_method: str = "",
) -> bool:
    """Queue an e-mail (inside the caller's `write_transaction()`); `attachment` is an iCalendar invitation.
    Whether it was queued: False when a message with the same key already was."""
    return await _insert(
        OutboxMessage(
            organisation=organisation_id,
            channel=Channel.email,
            recipient=to,
            subject=subject,
            body_text=text,
            body_html=html,
            idempotency_key=key,
            attachment=attachment,
            attachment_method=attachment_method.upper(),
        )
    )


async def enqueue_sms(
    *,
    to: str,
    text: str,
    key: str,
    organisation_id: int | None = None,
    urgent: bool = False,
    category: str = "service",
    now: datetime | None = None,
) -> bool:
    """Queue a text message (inside the caller's `write_transaction()`); whether it was (see `enqueue_email`).

    Written during the quiet hours (the organisation's, else QUIET_HOURS; local time), it waits for their end
    unless `urgent`. The caller checks the person's consent and opt-out (STOP) before calling."""
    now = now or utcnow()
    due = await sms_due(organisation_id, now, urgent=urgent)
    if due > now:
        log.info("Text %s is held for the quiet hours until %s UTC", key, due.strftime("%Y-%m-%d %H:%M"))
    return await _insert(
        OutboxMessage(
            organisation=organisation_id,
            channel=Channel.sms,
            recipient=to,
            body_text=text,
            idempotency_key=key,
            urgent=urgent,
            category=category,
            next_attempt_at=due,
            created_at=now,
        )
    )


async def enqueue_webhook(*, to: str, body: str, event_type: str, key: str, organisation_id: int) -> int | None:
    """Queue a POST of `body` (JSON) to a partner's endpoint, inside the caller's `write_transaction()`; the
    webhooks package signs and sends it when the worker asks (`messaging.signals.webhook_due`). The new
    message's id, or None when a message with the same key already was queued."""
    rows = (
        await OutboxMessage.insert(
            OutboxMessage(
                organisation=organisation_id,
                channel=Channel.webhook,
                recipient=to,
                subject=event_type,
                body_text=body,
                idempotency_key=key,
            )
        )
        .on_conflict(target=OutboxMessage.idempotency_key, action="DO NOTHING")
        .returning(OutboxMessage.id)
    )
    return rows[0]["id"] if rows else None


async def _insert(message: OutboxMessage) -> bool:
    # ON CONFLICT DO NOTHING: a replayed change (same key) adds nothing, even from two transactions at once.
    rows = (
        await OutboxMessage.insert(message)
        .on_conflict(target=OutboxMessage.idempotency_key, action="DO NOTHING")
        .returning(OutboxMessage.id)
    )
    return bool(rows)


async def sms_due(organisation_id: int | None, now: datetime, *, urgent: bool = False) -> datetime:
    """When a text of this organisation written at `now` may go: now, or the end of its quiet hours."""
    if urgent:
        return now
    return quiet_until(now, get_settings(), await senders.quiet_hours(organisation_id)) or now


def quiet_until(now: datetime, settings: Settings, hours: str = "") -> datetime | None:
    """When the quiet hours around `now` end (aware UTC), or None when `now` is not in them; `hours` are an
    organisation's own ("HH:MM-HH:MM"), "" for the platform's (QUIET_HOURS)."""
    window = senders.quiet_window(settings, hours)
    if window is None:
        return None
    start, end = window
    tz = settings.tz
    local = now.astimezone(tz)
    t = local.time().replace(tzinfo=None)
    if start > end:  # over midnight, e.g. 21:00-08:00
        if t >= start:
            day = local.date() + timedelta(days=1)
        elif t < end:
            day = local.date()
        else:
            return None
    elif start <= t < end:  # within one day, e.g. 12:00-14:00
        day = local.date()
    else:
        return None
    return datetime.combine(day, end, tzinfo=tz).astimezone(UTC)


def wake() -> None:
    """Tell an in-process worker that something was committed to the outbox."""
    _wakeup.set()


async def _claim(limit: int, lease: timedelta) -> tuple[list[OutboxMessage], datetime]:
    now = utcnow()
    until = now + lease
    due = (OutboxMessage.status == DeliveryStatus.queued) & (OutboxMessage.next_attempt_at <= now)
    stale = (OutboxMessage.status == DeliveryStatus.sending) & (OutboxMessage.claimed_until < now)
    async with write_transaction():
        if is_sqlite():  # the write lock already serialises claimers
            ids = [
                r["id"]
                for r in await OutboxMessage.select(OutboxMessage.id)
                .where(due | stale)
                .order_by(OutboxMessage.id)
                .limit(limit)
            ]
        else:
            rows = await OutboxMessage.raw(
                "SELECT id FROM outbox_message WHERE (status = 'queued' AND next_attempt_at <= {}) "
                "OR (status = 'sending' AND claimed_until < {}) ORDER BY id LIMIT {} "
                "FOR UPDATE SKIP LOCKED",
                now,
                now,
                limit,
            )
            ids = [r["id"] for r in rows]
        if not ids:
            return [], until
        # Counted now, not after the send: a message whose send kills the worker still runs out of attempts.
        await OutboxMessage.update(
            {
                OutboxMessage.status: DeliveryStatus.sending,
                OutboxMessage.claimed_until: until,
                OutboxMessage.attempts: OutboxMessage.attempts + 1,
            }
        ).where(OutboxMessage.id.is_in(ids))
        # With its organisation's row, in the same query: the names the message goes out under (messaging.senders).
        messages = (
            await OutboxMessage.objects(OutboxMessage.organisation)
            .where(OutboxMessage.id.is_in(ids))
            .order_by(OutboxMessage.id)
        )
        return messages, until


async def _deliver(settings: Settings, message: OutboxMessage, sms: SmsProvider | None, seconds: float) -> str:
    """Send one message; returns the provider's id for it."""
    names = senders.of(message.organisation)
    if message.channel == Channel.email:
        check_address(message.recipient)
        email = build_email(
            settings,
            to=message.recipient,
            subject=message.subject,
            text=message.body_text,
            html=message.body_html,
            key=message.idempotency_key,
            attachment=message.attachment,
            attachment_method=message.attachment_method,
            sender=names.email_from(settings),
        )
        await send_email(settings, email, seconds=seconds)
        return message_id_for(settings, message.idempotency_key)
    if message.channel == Channel.sms and sms is not None:
        to = normalise_phone(message.recipient)
        if message.attempts > 1 and isinstance(sms, FindsSent):
            # An earlier attempt may have gone out (worker killed mid-send, a timeout): look before sending again.
            found = await sms.find_sent(message.idempotency_key)
            if found:
                log.info("Message %s was already accepted by %s as %s", message.id, sms.name, found)
                return found
        return await sms.send(
            to=to, text=message.body_text, sender=names.sms(settings), reference=message.idempotency_key
        )
    if message.channel == Channel.webhook:
        answer = await signals.first(
            messaging_signals.webhook_due, message_id=message.id, body=message.body_text, seconds=seconds
        )
        if answer is not None:
            return answer
    raise PermanentFailure(_("No way to send messages of kind %(channel)s.", channel=message.channel))


async def _record(message: OutboxMessage, error: Exception | None, provider_id: str = "") -> None:
    now = utcnow()
    mine = (OutboxMessage.id == message.id) & (OutboxMessage.status == DeliveryStatus.sending)
    async with write_transaction():
        if error is None:
            # One statement; a delivery receipt that came first (status delivered) is not overwritten.
            await sql(
                "UPDATE outbox_message SET sent_at = {}, provider_message_id = {}, claimed_until = NULL, "
                "last_error = '', status = CASE WHEN status = 'sending' THEN 'sent' ELSE status END WHERE id = {}",
                now,
                provider_id[:100],
                message.id,
            )
            return
        values: dict = {OutboxMessage.claimed_until: None, OutboxMessage.last_error: str(error)[:2000]}
        if isinstance(error, PermanentFailure) or message.attempts >= MAX_ATTEMPTS:
            values[OutboxMessage.status] = DeliveryStatus.failed
        else:
            values |= {
                OutboxMessage.status: DeliveryStatus.queued,
                OutboxMessage.next_attempt_at: now + backoff(message.attempts),
            }
        await OutboxMessage.update(values).where(mine)


async def _release(message: OutboxMessage) -> None:
    """Give back a claimed message that was not tried (the lease ran short): no attempt is counted."""
    async with write_transaction():
        await OutboxMessage.update(
            {
                OutboxMessage.status: DeliveryStatus.queued,
                OutboxMessage.claimed_until: None,
                OutboxMessage.attempts: OutboxMessage.attempts - 1,
            }
        ).where((OutboxMessage.id == message.id) & (OutboxMessage.status == DeliveryStatus.sending))


async def deliver_due(settings: Settings, limit: int = 50, *, sms: SmsProvider | None = None) -> int:
    """Deliver what is due now; returns how many messages were claimed."""
    seconds = send_timeout(settings)
    messages, lease_end = await _claim(limit, timedelta(seconds=settings.outbox_lease_seconds))
    if not messages:
        return 0
    async with contextlib.AsyncExitStack() as stack:
        if sms is None and any(m.channel == Channel.sms for m in messages):
            if settings.sms_provider == "console":
                sms = provider_from(settings)
            else:
                client = await stack.enter_async_context(httpx.AsyncClient(timeout=seconds))
                sms = provider_from(settings, client)
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(message: OutboxMessage) -> None:
            async with gate:
                if utcnow() + timedelta(seconds=seconds) >= lease_end:
                    await _release(message)  # too late to start a send that would outlive the lease
                    return
                error, provider_id = await _attempt(settings, message, sms, seconds)
                await _record(message, error, provider_id)

        results = await asyncio.gather(*(one(m) for m in messages), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):  # the row stays claimed and is taken again after its lease
            log.error("Outbox delivery step failed", exc_info=result)
    return len(messages)


async def _attempt(
    settings: Settings, message: OutboxMessage, sms: SmsProvider | None, seconds: float
) -> tuple[Exception | None, str]:
    """Try to send one message within `seconds`: the error it failed with (None when sent), the provider's id."""
    error: Exception | None = None
    provider_id = ""
    if message.attempts > MAX_ATTEMPTS:  # interrupted again and again
        error = PermanentFailure(_("Delivery was interrupted too many times."))
    else:
        try:
            with language(settings.language):
                async with asyncio.timeout(seconds):
                    provider_id = await _deliver(settings, message, sms, seconds)
        except (PermanentFailure, TemporaryFailure) as exc:
            error = exc
        except TimeoutError:
            with language(settings.language):
                error = TemporaryFailure(_("No answer within %(seconds)s seconds.", seconds=seconds))
        if error is not None:
            log.warning("Delivery of message %s failed: %s", message.id, error)
    return error, provider_id


async def run_worker(settings: Settings, idle_seconds: float = 5.0) -> None:
    """Deliver forever; woken early by `wake()` when running in the app process."""
    while True:
        try:
            while await deliver_due(settings):
                pass
        except Exception:  # keep the worker alive across database hiccups
            log.exception("Outbox worker iteration failed")
        _wakeup.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(_wakeup.wait(), timeout=idle_seconds)
