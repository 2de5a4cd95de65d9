"""The access log: who viewed a youth's page, exported or erased their data. Shown to the admins of the
organisation holding the record (the youth's page, "consulted by").

A view is written at most once per user, youth and day: one indexed read (the youth's accesses of the day)
decides, so the youth's page stays a read on every visit but the first of the day. No cache: it would be
keyed by ids, which a database emptied and restarted gives again."""

from __future__ import annotations

from datetime import datetime, time

from accounts.services import CurrentUser
from accounts.tables import Role
from core.clock import utcnow
from core.db import write_transaction
from core.settings import get_settings
from privacy.tables import AccessKind, PersonalDataAccess

SHOWN = 20  # the latest accesses on the youth's page


def _day_start(now: datetime) -> datetime:
    """Midnight of today, local time (TIMEZONE), as an instant."""
    tz = get_settings().tz
    return datetime.combine(now.astimezone(tz).date(), time(0), tzinfo=tz)


async def record(
    user: CurrentUser | None, organisation_id: int, participant_id: int, action: AccessKind, *, now=None
) -> None:
    """Keep one access (inside the caller's transaction, if any)."""
    async with write_transaction():
        await PersonalDataAccess(
            organisation=organisation_id,
            participant=participant_id,
            user=user.id if user else None,
            action=action,
            at=now or utcnow(),
        ).save()


async def record_view(user: CurrentUser, organisation_id: int, participant_id: int, *, now=None) -> bool:
    """Keep the user's view of the youth's page, once a day; whether it was written."""
    now = now or utcnow()
    seen_today = PersonalDataAccess.exists().where(
        (PersonalDataAccess.participant == participant_id)
        & (PersonalDataAccess.user == user.id)
        & (PersonalDataAccess.action == AccessKind.viewed)
        & (PersonalDataAccess.at >= _day_start(now))
    )
    if await seen_today:  # every visit but the first of the day: a read only
        return False
    async with write_transaction():
        if await seen_today:  # two tabs at once: the second finds the first's
            return False
        await record(user, organisation_id, participant_id, AccessKind.viewed, now=now)
    return True


async def accesses_of(user: CurrentUser, organisation_id: int, participant_id: int) -> list[dict]:
    """The latest accesses to the youth's data, for the organisation's admins only (others: none)."""
    if not user.at_least(organisation_id, Role.admin):
        return []
    return await (
        PersonalDataAccess.select(
            PersonalDataAccess.action,
            PersonalDataAccess.at,
            PersonalDataAccess.user.full_name.as_alias("user_name"),
        )
        .where(PersonalDataAccess.participant == participant_id)
        .order_by(PersonalDataAccess.id, ascending=False)
        .limit(SHOWN)
    )


async def all_of(participant_id: int) -> list[dict]:
    """Every access to the youth's data, oldest first (their export)."""
    return await (
        PersonalDataAccess.select(
            PersonalDataAccess.action,
            PersonalDataAccess.at,
            PersonalDataAccess.user.full_name.as_alias("user_name"),
        )
        .where(PersonalDataAccess.participant == participant_id)
        .order_by(PersonalDataAccess.id)
    )
