"""What registration adds to the features below it: the figures of each event's lists, STOP replies, the youths
of a departing adviser."""

from __future__ import annotations

from accounts import signals as accounts_signals
from core.signals import receiver
from events import signals as events_signals
from messaging import signals as messaging_signals
from registration import handover, messages
from registration.services import counts_by_event
from registration.tables import Participant


@receiver(events_signals.figures_wanted)
async def registrations_by_status(*, event_ids: list[int]) -> dict[int, dict[str, int]]:
    return await counts_by_event(event_ids)


@receiver(accounts_signals.handed_over)
async def youths_handed_over(*, from_user: int, to_user: int, organisation_id: int) -> dict[str, int]:
    return await handover.hand_over(from_user, to_user, organisation_id)


@receiver(messaging_signals.stop_received)
async def stopped_texts(*, phone: str) -> None:
    await messages.opt_out(phone)


@receiver(messaging_signals.texts_refused)
async def phones_that_said_stop(*, phones: list[str]) -> set[str]:
    if not phones:
        return set()
    rows = await Participant.select(Participant.phone).where(
        Participant.phone.is_in(phones) & Participant.sms_opt_out_at.is_not_null()
    )
    return {r["phone"] for r in rows}
