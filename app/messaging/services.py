"""What the console shows of message delivery."""

from __future__ import annotations

from app.messaging.tables import DeliveryStatus, OutboxMessage


async def failed_count(organisation_ids: list[int]) -> int:
    if not organisation_ids:
        return 0
    return await OutboxMessage.count().where(
        (OutboxMessage.status == DeliveryStatus.failed) & OutboxMessage.organisation.is_in(organisation_ids)
    )
