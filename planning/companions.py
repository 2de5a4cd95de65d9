"""Companions with a Tremplin account: the team they walk with shows on their home page, with its road sheet
and the page where they record what each youth got at each visit (outcomes.team_results).

A companion is often an adviser of a partner Mission Locale or a volunteer of the organisation: the account
must belong to someone active in the organisation running the event or in one of its partners, who then
sees the event already (events.access.visible_to)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from accounts.tables import Membership
from core.db import read
from core.errors import InvalidInput
from core.i18n import lazy
from events.tables import Event, EventPartner
from planning.tables import Companion, Team

SHOWN_DAYS_AFTER = 14  # results are recorded in the days after a rally too


class NoSuchCompanionAccount(InvalidInput):
    code = "no_such_companion_account"
    message = lazy(
        "No active Tremplin account with this e-mail address in the organisation running the event or its "
        "partners: ask an admin to invite them first, or leave the address empty."
    )


async def account_for(event_id: int, email: str) -> int | None:
    """The user id behind a companion's e-mail address (None when none is given)."""
    email = email.strip().lower()
    if not email:
        return None
    event = await Event.select(Event.organisation).where(Event.id == event_id).first()
    partners = EventPartner.select(EventPartner.organisation).where(EventPartner.event == event_id)
    row = (
        await Membership.select(Membership.user)
        .where(
            (Membership.user.email == email)
            & (Membership.user.is_active == True)  # noqa: E712
            & Membership.deactivated_at.is_null()
            & ((Membership.organisation == event["organisation"]) | Membership.organisation.is_in(partners))
        )
        .first()
    )
    if row is None:
        raise NoSuchCompanionAccount(field="companion_email")
    return row["user"]


async def teams_of(user_id: int, today: date) -> list[dict[str, Any]]:
    """The teams this person walks with, of rallies not over for more than two weeks, soonest first. Plain SQL:
    the console's home asks on every visit, and Piccolo's join building cost more than the read."""
    return await read(
        f"SELECT t.id, t.number, t.event, e.title, e.starts_on, e.ends_on FROM {Team._meta.tablename} t "
        f"JOIN {Event._meta.tablename} e ON e.id = t.event JOIN {Companion._meta.tablename} c ON c.id = t.companion "
        'WHERE c."user" = {} AND e.ends_on >= {} ORDER BY e.starts_on, t.number',
        user_id,
        today - timedelta(days=SHOWN_DAYS_AFTER),
    )
