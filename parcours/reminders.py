"""What runs on the clock: the youth's text the day before a touchpoint they take part in, and the digest of
late touchpoints to each structure's managers (once a day)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from core.clock import utcnow
from core.db import write_transaction
from core.i18n import gettext as _
from core.i18n import language
from core.settings import get_settings
from messaging import addressing, outbox
from messaging.tables import Channel
from parcours import invitations, services
from parcours.labels import touchpoint_title
from parcours.tables import ParcoursStatus, Touchpoint, TouchpointStatus

log = logging.getLogger("tremplin")


async def remind_youths(now: datetime | None = None) -> int:
    """A text to each youth taking part in a touchpoint tomorrow (local date); once per touchpoint and revision."""
    now = now or utcnow()
    tomorrow = services.local(now).date() + timedelta(days=1)
    rows = await Touchpoint.select(Touchpoint.id, Touchpoint.starts_at).where(
        (Touchpoint.status == TouchpointStatus.planned)
        & (Touchpoint.parcours.status != ParcoursStatus.ended)
        & (Touchpoint.starts_at > now)
        & (Touchpoint.starts_at < now + timedelta(days=2))
    )
    sent = 0
    async with write_transaction():
        for row in rows:
            if services.local(row["starts_at"]).date() == tomorrow:
                sent += await invitations.text_youth(row["id"], "reminder", now=now)
    return sent


async def send_digests(now: datetime | None = None) -> int:
    """One e-mail a day to each manager of a structure with touchpoints late by DIGEST_AFTER_DAYS or more."""
    now = now or utcnow()
    day = services.local(now).date()
    sent = 0
    async with write_transaction():
        for organisation_id, late in (await services.overdue_for_digest(now)).items():
            with language("fr"):
                lines = [
                    _(
                        "%(youth)s: %(what)s planned %(day)s (%(counsellor)s)",
                        youth=f"{r['first_name']} {r['last_name']}",
                        what=touchpoint_title(r["step"], r["kind"]),
                        day=f"{services.local(r['starts_at']):%d/%m/%Y}",
                        counsellor=r["counsellor_name"],
                    )
                    + f" — {get_settings().base_url}/parcours/{r['parcours']}"
                    for r in late
                ]
                subject = _("Parcours: %(count)s touchpoints not done in time", count=len(late))
                text = "\n".join([_("These touchpoints were not recorded as done:"), "", *lines])
            for manager in await services.managers(organisation_id):
                key = addressing.key(
                    "parcours-digest", organisation_id, Channel.email, occasion=f"{day}-{manager['email']}"
                )
                sent += await outbox.enqueue_email(
                    to=manager["email"], subject=subject, text=text, key=key, organisation_id=organisation_id
                )
    return sent


async def run(every_s: float = 900.0) -> None:
    """The reminders and the digests, every quarter of an hour, for as long as the worker runs."""
    while True:
        try:
            if await remind_youths() + await send_digests():
                outbox.wake()
        except Exception:  # a database hiccup must not stop the reminders for good
            log.exception("Parcours reminders failed")
        await asyncio.sleep(every_s)
