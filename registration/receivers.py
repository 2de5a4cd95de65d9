"""What registration adds to the features below it: the figures of each event's lists."""

from __future__ import annotations

from core.signals import receiver
from events import signals as events_signals
from registration.services import counts_by_event


@receiver(events_signals.figures_wanted)
async def registrations_by_status(*, event_ids: list[int]) -> dict[int, dict[str, int]]:
    return await counts_by_event(event_ids)
