"""Calendars keep every youth's schedule in sync: they answer for invitations and tell youths of changes."""

from __future__ import annotations

from typing import Any

from calendars import changes, invitations
from core.signals import receiver
from events import signals as events_signals
from registration import signals as registration_signals


@receiver(registration_signals.invitation_wanted)
async def invitation(*, registration: dict[str, Any], method: str) -> bytes:
    return await invitations.for_registration(registration, method)  # type: ignore[arg-type]


@receiver(events_signals.event_cancelled)
async def event_cancelled(*, event_id: int, reason: str = "") -> int:
    return await changes.event_cancelled(event_id, reason)


@receiver(events_signals.session_moved)
async def session_moved(*, session_id: int) -> int:
    return await changes.session_changed(session_id)


@receiver(events_signals.session_cancelled)
async def session_cancelled(*, session_id: int, reason: str = "") -> int:
    return await changes.session_cancelled(session_id, reason)


@receiver(events_signals.session_audience)
async def session_audience(*, session_id: int) -> int:
    return await changes.session_audience(session_id)
