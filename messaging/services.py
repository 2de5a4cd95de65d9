"""What the console shows of message delivery."""

from __future__ import annotations

from typing import Any

from piccolo.query.functions.aggregate import Count

from accounts.services import CurrentUser, require_role
from accounts.tables import Role
from core import signals
from core.clock import utcnow
from core.db import after_commit, marks, read, write_transaction
from messaging import outbox
from messaging import signals as messaging_signals
from messaging.sms import normalise_phone
from messaging.tables import TO_PEOPLE, Channel, DeliveryStatus, OutboxMessage


async def failed_count(organisation_ids: list[int]) -> int:
    # Plain SQL: the console's home asks on every visit, and Piccolo's query building cost more than the count.
    if not organisation_ids:
        return 0
    rows = await read(
        f"SELECT count(*) AS n FROM {OutboxMessage._meta.tablename} WHERE status = {{}} "
        f"AND organisation IN ({marks(organisation_ids)}) AND channel IN ({marks(TO_PEOPLE)})",
        DeliveryStatus.failed.value,
        *organisation_ids,
        *(channel.value for channel in TO_PEOPLE),
    )
    return rows[0]["n"]


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


async def retry_failed(user: CurrentUser, organisation_id: int, message_id: int | None = None) -> int:
    """Queue again the failed e-mails and texts of an organisation (or one of them), due now, with a new day of
    tries (organisers). Texts to a phone that answered STOP meanwhile stay failed. How many were queued."""
    require_role(user, organisation_id, Role.organiser)
    which = (
        (OutboxMessage.status == DeliveryStatus.failed)
        & (OutboxMessage.organisation == organisation_id)
        & OutboxMessage.channel.is_in(TO_PEOPLE)
    )
    if message_id is not None:
        which = which & (OutboxMessage.id == message_id)
    async with write_transaction():
        rows = await OutboxMessage.select(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.recipient).where(which)
        phones = {}
        for row in rows:
            if row["channel"] == Channel.sms:
                try:
                    phones[row["id"]] = normalise_phone(row["recipient"])
                except Exception:  # noqa: BLE001 - a malformed number fails again, and says why
                    phones[row["id"]] = row["recipient"]
        refused: set[str] = set()
        for answer in await signals.send(messaging_signals.texts_refused, phones=sorted(set(phones.values()))):
            refused |= set(answer or ())
        ids = [r["id"] for r in rows if phones.get(r["id"]) not in refused]
        if not ids:
            return 0
        await OutboxMessage.update(
            {
                OutboxMessage.status: DeliveryStatus.queued,
                OutboxMessage.attempts: 0,
                OutboxMessage.interruptions: 0,
                OutboxMessage.first_attempt_at: None,
                OutboxMessage.next_attempt_at: utcnow(),
                OutboxMessage.claimed_until: None,
                OutboxMessage.claimed_by: "",
            }
        ).where(OutboxMessage.id.is_in(ids) & (OutboxMessage.status == DeliveryStatus.failed))
        after_commit(outbox.wake)
    return len(ids)
