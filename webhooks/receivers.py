"""The webhooks' answers to the signals of the features below: each change becomes an event for the partners'
endpoints listening to it (services.queue), in the change's transaction."""

from __future__ import annotations

from datetime import datetime

from checkin import signals as checkin_signals
from core.signals import receiver
from messaging import signals as messaging_signals
from outcomes import signals as outcomes_signals
from registration import signals as registration_signals
from webhooks import payloads, sending, services
from webhooks.tables import EventType


@receiver(registration_signals.registration_changed)
async def registration_changed(*, registration_id: int, organisation_id: int, change: str) -> int:
    event_type = EventType.registration_created if change == "created" else EventType.registration_cancelled
    if not await services.anyone_listening(event_type):  # the usual case: read nothing more
        return 0
    found = await payloads.registration(registration_id)
    if found is None:
        return 0
    organisation_id, link, data = found
    occasion = f"{registration_id}:{link}:{data['registration']['cancelled_at'] or ''}"
    return await services.queue(organisation_id, event_type, occasion, data)


@receiver(checkin_signals.checked_in)
async def checked_in(*, registration_id: int, status: str, at: datetime) -> int:
    if not await services.anyone_listening(EventType.checkin_recorded):
        return 0
    found = await payloads.attendance(registration_id, status, at)
    if found is None:
        return 0
    organisation_id, data = found
    occasion = f"{registration_id}:{status}:{at.isoformat()}"
    return await services.queue(organisation_id, EventType.checkin_recorded, occasion, data)


@receiver(outcomes_signals.outcome_recorded)
async def outcome_recorded(*, kind: str, outcome_id: int) -> int:
    if not await services.anyone_listening(EventType.outcome_recorded):
        return 0
    found = await (payloads.situation(outcome_id) if kind == "situation" else payloads.result(outcome_id))
    if found is None:
        return 0
    organisation_id, data = found
    return await services.queue(organisation_id, EventType.outcome_recorded, f"{kind}:{outcome_id}", data)


@receiver(messaging_signals.webhook_due)
async def webhook_due(*, message_id: int, body: str, seconds: float) -> str:
    return await sending.deliver(message_id=message_id, body=body, seconds=seconds)
