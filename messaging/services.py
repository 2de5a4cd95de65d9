"""What the console shows of message delivery."""

from __future__ import annotations

from typing import Any

from piccolo.query.functions.aggregate import Count

from messaging.tables import TO_PEOPLE, DeliveryStatus, OutboxMessage


async def failed_count(organisation_ids: list[int]) -> int:
    if not organisation_ids:
        return 0
    return await OutboxMessage.count().where(
        (OutboxMessage.status == DeliveryStatus.failed)
        & OutboxMessage.organisation.is_in(organisation_ids)
        & OutboxMessage.channel.is_in(TO_PEOPLE)
    )


async def delivery_counts(organisation_ids: list[int]) -> dict[str, int]:
    """How many messages of these organisations are in each status (every status present, 0 when none)."""
    counts = {status.value: 0 for status in DeliveryStatus}
    if not organisation_ids:
        return counts
    rows = (
        await OutboxMessage.select(OutboxMessage.status, Count(OutboxMessage.id, alias="n"))
        .where(OutboxMessage.organisation.is_in(organisation_ids) & OutboxMessage.channel.is_in(TO_PEOPLE))
        .group_by(OutboxMessage.status)
    )
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts


async def recent_messages(organisation_ids: list[int], limit: int = 50) -> list[dict[str, Any]]:
    """The latest messages of these organisations, newest first, for the console (no bodies: they hold the
    youths' personal links); `kind` is the message's template key (confirmation, reminder_1d…, broadcast)."""
    if not organisation_ids:
        return []
    rows = (
        await OutboxMessage.select(
            OutboxMessage.id,
            OutboxMessage.organisation,
            OutboxMessage.channel,
            OutboxMessage.recipient,
            OutboxMessage.subject,
            OutboxMessage.idempotency_key,
            OutboxMessage.status,
            OutboxMessage.attempts,
            OutboxMessage.last_error,
            OutboxMessage.created_at,
            OutboxMessage.next_attempt_at,
            OutboxMessage.sent_at,
            OutboxMessage.delivered_at,
            OutboxMessage.urgent,
            OutboxMessage.category,
        )
        .where(OutboxMessage.organisation.is_in(organisation_ids) & OutboxMessage.channel.is_in(TO_PEOPLE))
        .order_by(OutboxMessage.id, ascending=False)
        .limit(limit)
    )
    for row in rows:
        row["kind"] = row.pop("idempotency_key").split(":", 1)[0]
    return rows
