"""The weekly reminder of follow-ups: on Monday morning, each person who follows youths gets one e-mail saying
how many follow-ups are due this week and overdue, with the link to the list (through the outbox, once a week:
its key names the week)."""

from __future__ import annotations

from datetime import datetime

from accounts.services import CurrentUser
from accounts.tables import Membership, Role
from core.clock import utcnow
from core.db import write_transaction
from core.i18n import gettext as _
from core.i18n import language
from core.settings import get_settings
from messaging import outbox
from outcomes.followups import counted
from registration.youths import is_adviser

SEND_FROM_HOUR = 8  # local time, on Mondays


async def _people() -> list[CurrentUser]:
    """Active users with the adviser role or above somewhere, as CurrentUser."""
    rows = await Membership.select(
        Membership.user,
        Membership.organisation,
        Membership.role,
        Membership.user.email.as_alias("email"),
        Membership.user.full_name.as_alias("full_name"),
        Membership.user.language.as_alias("language"),
    ).where(Membership.deactivated_at.is_null() & (Membership.user.is_active == True))  # noqa: E712
    people: dict[int, CurrentUser] = {}
    for row in rows:
        person = people.setdefault(
            row["user"], CurrentUser(row["user"], row["email"], row["full_name"], row["language"], {})
        )
        person.roles[row["organisation"]] = Role(row["role"])
    return [p for p in people.values() if any(p.at_least(o, Role.adviser) for o in p.roles)]


async def send_weekly(now: datetime | None = None) -> int:
    """On Mondays from 08:00 local time, queue each person's reminder of the week (once); how many were queued."""
    now = now or utcnow()
    settings = get_settings()
    local = now.astimezone(settings.tz)
    if local.weekday() != 0 or local.hour < SEND_FROM_HOUR:
        return 0
    year, week, _day = local.date().isocalendar()
    queued = 0
    for person in await _people():
        counts = await counted(person, "mine" if is_adviser(person) else "all", local.date())
        if not counts["due"] and not counts["overdue"]:
            continue
        with language(person.language):
            subject = _("Your follow-ups this week: %(due)s due, %(overdue)s overdue", **counts)
            text = _(
                "Hello %(name)s,\n\nthis week, %(due)s follow-ups fall due and %(overdue)s are overdue: the youths "
                "who came to your events, or whom you referred, one, three and six months after. A call, then "
                "their situation in a few taps: %(link)s\n\nTremplin",
                name=person.full_name,
                link=f"{settings.base_url}/follow-ups",
                **counts,
            )
        async with write_transaction():
            if await outbox.enqueue_email(
                to=person.email, subject=subject, text=text, key=f"follow-ups:{person.id}:{year}-W{week:02d}"
            ):
                queued += 1
    return queued
