"""What events add to the features below them: a departing organiser's events go to a colleague."""

from __future__ import annotations

from datetime import date

from accounts import signals as accounts_signals
from accounts.tables import User
from core.signals import receiver
from events.tables import Event, Series


@receiver(accounts_signals.handed_over)
async def events_handed_over(*, from_user: int, to_user: int, organisation_id: int) -> dict[str, int]:
    """Events not over yet, and series, in the departing member's charge; where the youths were given their
    phone number to call, the colleague's number (when they have one) replaces it."""
    people = {
        u["id"]: u["phone"] for u in await User.select(User.id, User.phone).where(User.id.is_in([from_user, to_user]))
    }
    theirs = (
        (Event.responsible == from_user) & (Event.organisation == organisation_id) & (Event.ends_on >= date.today())
    )
    if people.get(from_user) and people.get(to_user):
        await Event.update({Event.contact_phone: people[to_user]}).where(
            theirs & (Event.contact_phone == people[from_user])
        )
    moved = await Event.update({Event.responsible: to_user}).where(theirs).returning(Event.id)
    await Series.update({Series.responsible: to_user}).where(
        (Series.responsible == from_user) & (Series.organisation == organisation_id)
    )
    return {"events": len(moved)}
