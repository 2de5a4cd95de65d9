"""What check-in adds to the features below it: who came, and the paired phones' identities."""

from __future__ import annotations

from accounts import signals as accounts_signals
from checkin.tables import CheckIn
from checkin.tickets import DevicePrincipal, device_principal
from core.signals import receiver
from events import signals as events_signals
from registration import signals as registration_signals


@receiver(events_signals.figures_wanted)
async def present_by_event(*, event_ids: list[int]) -> dict[int, dict[str, int]]:
    """How many people came to each event (present or late)."""
    rows = (
        await CheckIn.select(CheckIn.registration.event.as_alias("event"), CheckIn.registration)
        .where(CheckIn.registration.event.is_in(event_ids or [-1]) & (CheckIn.status.is_in(["present", "late"])))
        .distinct()
    )
    counts: dict[int, dict[str, int]] = {}
    for row in rows:
        figures = counts.setdefault(row["event"], {})
        figures["present"] = figures.get("present", 0) + 1
    return counts


@receiver(registration_signals.checked_in)
async def checked_in(*, registration_ids: list[int], present_only: bool = False) -> set[int]:
    """Who of them has a check-in record; with `present_only`, one saying they came (present or late)."""
    where = CheckIn.registration.is_in(registration_ids or [-1])
    if present_only:
        where &= CheckIn.status.is_in(["present", "late"])
    rows = await CheckIn.select(CheckIn.registration).where(where)
    return {row["registration"] for row in rows}


@receiver(accounts_signals.device_presented)
async def device(*, token: str) -> DevicePrincipal:
    return await device_principal(token)
