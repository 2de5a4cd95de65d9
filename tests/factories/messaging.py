"""Messages in the outbox: queued e-mails and texts, a text the provider already took."""

from __future__ import annotations

from core.db import write_transaction
from messaging import outbox
from messaging.tables import DeliveryStatus, OutboxMessage


async def queued_messages(emails: int, texts: int) -> set[str]:
    """`emails` reminders by e-mail and `texts` by SMS, due now; returns their idempotency keys."""
    keys = set()
    async with write_transaction():
        for n in range(emails):
            await outbox.enqueue_email(to=f"jeune{n}@exemple.fr", subject=f"Rappel {n}", text="t", key=f"mail:{n}")
            keys.add(f"mail:{n}")
        for n in range(texts):
            await outbox.enqueue_sms(to=f"+3361200{n:04d}", text=f"Rappel {n}", key=f"sms:{n}", urgent=True)
            keys.add(f"sms:{n}")
    return keys


async def sent_sms(key: str, provider_id: str) -> None:
    """A text the provider accepted under `provider_id`: receipts and STOP replies refer to it."""
    async with write_transaction():
        await outbox.enqueue_sms(to="+33612345678", text="t", key=key, urgent=True)
        await OutboxMessage.update(
            {OutboxMessage.status: DeliveryStatus.sent, OutboxMessage.provider_message_id: provider_id}
        ).where(OutboxMessage.idempotency_key == key)
