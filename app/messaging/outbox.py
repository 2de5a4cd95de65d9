"""Write messages in the caller's transaction; deliver them afterwards with retries.

`enqueue_email` must be called inside `write_transaction()`, next to the change that
causes the message: either both are saved or neither. `deliver_due` claims due rows
(with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers never take the same
row), sends them, and records the outcome. `run_worker` loops over it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from app.clock import utcnow
from app.db import is_sqlite, write_transaction
from app.messaging.email import PermanentFailure, TemporaryFailure, build_email, send_email
from app.messaging.tables import Channel, DeliveryStatus, OutboxMessage
from app.settings import Settings

log = logging.getLogger("tremplin.outbox")

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)
_wakeup = asyncio.Event()


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 6 * 3600))


async def enqueue_email(
    *, to: str, subject: str, text: str, html: str = "", key: str, organisation_id: int | None = None
) -> None:
    existing = await OutboxMessage.exists().where(OutboxMessage.idempotency_key == key)
    if existing:
        return
    await OutboxMessage.insert(
        OutboxMessage(
            organisation=organisation_id,
            channel=Channel.email,
            recipient=to,
            subject=subject,
            body_text=text,
            body_html=html,
            idempotency_key=key,
        )
    )


def wake() -> None:
    """Tell an in-process worker that something was committed to the outbox."""
    _wakeup.set()


async def _claim(limit: int) -> list[OutboxMessage]:
    now = utcnow()
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
            return []
        await OutboxMessage.update(
            {OutboxMessage.status: DeliveryStatus.sending, OutboxMessage.claimed_until: now + LEASE}
        ).where(OutboxMessage.id.is_in(ids))
        return await OutboxMessage.objects().where(OutboxMessage.id.is_in(ids)).order_by(OutboxMessage.id)


async def _deliver(settings: Settings, message: OutboxMessage) -> None:
    if message.channel != Channel.email:
        raise PermanentFailure(f"no provider for channel {message.channel}")
    email = build_email(
        settings,
        to=message.recipient,
        subject=message.subject,
        text=message.body_text,
        html=message.body_html,
        key=message.idempotency_key,
    )
    await send_email(settings, email)


async def _record(message: OutboxMessage, error: Exception | None) -> None:
    now = utcnow()
    attempts = message.attempts + 1
    values: dict = {OutboxMessage.attempts: attempts, OutboxMessage.claimed_until: None}
    if error is None:
        values |= {OutboxMessage.status: DeliveryStatus.sent, OutboxMessage.sent_at: now}
    elif isinstance(error, PermanentFailure) or attempts >= MAX_ATTEMPTS:
        values |= {OutboxMessage.status: DeliveryStatus.failed, OutboxMessage.last_error: str(error)}
    else:
        values |= {
            OutboxMessage.status: DeliveryStatus.queued,
            OutboxMessage.last_error: str(error),
            OutboxMessage.next_attempt_at: now + backoff(attempts),
        }
    async with write_transaction():
        await OutboxMessage.update(values).where(OutboxMessage.id == message.id)


async def deliver_due(settings: Settings, limit: int = 50) -> int:
    """Deliver what is due now; returns how many messages were attempted."""
    messages = await _claim(limit)
    for message in messages:
        error: Exception | None = None
        try:
            await _deliver(settings, message)
        except (PermanentFailure, TemporaryFailure) as exc:
            error = exc
            log.warning("Delivery of message %s failed: %s", message.id, exc)
        await _record(message, error)
    return len(messages)


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
