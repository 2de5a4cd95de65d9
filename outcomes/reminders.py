"""The weekly reminder of follow-ups: on Monday morning, each person who follows youths gets one e-mail saying
how many follow-ups are due this week and overdue, with the link to the list (through the outbox, once a week:
its key names the week).

Those who chose the weekly digest (outcomes.digest, the default) get it inside the digest, with what happened
to their youths last week: one e-mail on Mondays. Those who chose "never" get neither."""

from __future__ import annotations

from datetime import datetime

from accounts.tables import Digest
from core.clock import utcnow
from core.db import write_transaction
from core.i18n import gettext as _
from core.i18n import language
from core.settings import get_settings
from messaging import outbox
from outcomes.digest import choices, people_who_follow, weekly_text
from outcomes.followups import counted
from registration.messages import as_html
from registration.youths import is_adviser

SEND_FROM_HOUR = 8  # local time, on Mondays


async def send_weekly(now: datetime | None = None) -> int:
    """On Mondays from 08:00 local time, queue each person's reminder of the week (once); how many were queued."""
    now = now or utcnow()
    settings = get_settings()
    local = now.astimezone(settings.tz)
    if local.weekday() != 0 or local.hour < SEND_FROM_HOUR:
        return 0
    year, week, _day = local.date().isocalendar()
    queued = 0
    everyone = await people_who_follow()
    chosen = await choices(everyone)
    for person in everyone:
        choice = chosen.get(person.id, Digest.weekly)
        if choice == Digest.never:
            continue
        counts = await counted(person, "mine" if is_adviser(person) else "all", local.date())
        with language(person.language):
            digest = await weekly_text(person, local, counts) if choice == Digest.weekly else None
            if digest is None and not counts["due"] and not counts["overdue"]:
                continue
            subject, text = digest or _reminder(person.full_name, counts)
        key = f"weekly:{person.id}:{year}-W{week:02d}"  # one e-mail on Mondays, digest or reminder
        async with write_transaction():
            if await outbox.enqueue_email(to=person.email, subject=subject, text=text, html=as_html(text), key=key):
                queued += 1
    return queued


def _reminder(name: str, counts: dict[str, int]) -> tuple[str, str]:
    """The reminder alone: no news of their youths last week, or the digest comes in the evenings."""
    subject = _("Your follow-ups this week: %(due)s due, %(overdue)s overdue", **counts)
    text = _(
        "Hello %(name)s,\n\nthis week, %(due)s follow-ups fall due and %(overdue)s are overdue: the youths "
        "who came to your events, or whom you referred, one, three and six months after. A call, then "
        "their situation in a few taps: %(link)s\n\nTremplin",
        name=name,
        link=f"{get_settings().base_url}/follow-ups",
        **counts,
    )
    return subject, text
