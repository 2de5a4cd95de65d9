"""What registration adds to the features below it: the figures of each event's lists, STOP replies, the youths
of a departing adviser."""

from __future__ import annotations

from accounts import signals as accounts_signals
from core.signals import receiver
from events import signals as events_signals
from messaging import signals as messaging_signals
from registration import handover, messages
from registration.services import counts_by_event


@receiver(events_signals.figures_wanted)
async def registrations_by_status(*, event_ids: list[int]) -> dict[int, dict[str, int]]:
    return await counts_by_event(event_ids)


@receiver(accounts_signals.handed_over)
async def youths_handed_over(*, from_user: int, to_user: int, organisation_id: int) -> dict[str, int]:
    return await handover.hand_over(from_user, to_user, organisation_id)


@receiver(messaging_signals.stop_received)
async def stopped_texts(*, phone: str) -> None:
    await messages.opt_out(phone)
