"""The retention purge: a youth's record is kept RETENTION_MONTHS (24 by default) after the last contact with
them (`Participant.last_contact_at`: a registration, a check-in…), then erased as on request (privacy.erasure),
keeping the anonymous figures.

- `tremplin purge` shows what would be erased, per organisation, and changes nothing; `--apply` erases (a
  nightly cron job, docker/README.md). A youth registered to an event still to come is skipped and listed.
- 30 days before youths fall due, each admin of their organisation gets one e-mail (through the outbox, once
  per organisation, admin and month) saying how many will be erased on which dates (those registered to a
  coming event are not counted: they will be skipped): the app's background pass sends it (`run`)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta

from accounts.tables import Membership, Organisation, Role
from core.clock import utcnow
from core.db import write_transaction
from core.i18n import gettext as _
from core.i18n import language, ngettext
from core.settings import get_settings
from events.tables import Event
from messaging import outbox
from privacy import erasure
from registration.tables import Participant, Registration

log = logging.getLogger(__name__)
NOTICE_DAYS = 30  # the admins hear of a purge this long before it
NOTICE_WINDOW_DAYS = 61  # a notice lists those falling due before the next month's notice, and then some


@dataclass
class Due:
    """One organisation's youths past the retention: to erase, and skipped (registered to a coming event)."""

    organisation_id: int
    organisation: str
    erased: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)


def cutoff(now: datetime, months: int) -> datetime:
    """Youths whose last contact is before this instant are past the retention."""
    return now - relativedelta(months=months)


async def _past_retention(before: datetime) -> list[dict]:
    return await (
        Participant.select(
            Participant.id,
            Participant.organisation,
            Participant.organisation.name.as_alias("organisation_name"),
            Participant.last_contact_at,
        )
        .where((Participant.last_contact_at < before) & Participant.erased_at.is_null())
        .order_by(Participant.organisation)
        .order_by(Participant.id)
    )


async def purge(*, apply: bool = False, months: int | None = None, now: datetime | None = None) -> list[Due]:
    """The youths past the retention, per organisation; erased when `apply`, else nothing changes."""
    now = now or utcnow()
    months = months or get_settings().retention_months
    today = now.astimezone(get_settings().tz).date()
    found: dict[int, Due] = {}
    for row in await _past_retention(cutoff(now, months)):
        due = found.setdefault(row["organisation"], Due(row["organisation"], row["organisation_name"]))
        if await erasure.coming_registrations(row["id"], today):
            due.skipped.append(row)
            continue
        due.erased.append(row)
        if apply:
            youth = await erasure.held_record(row["id"])
            await erasure.erase_record(youth, by=None, now=now)
    return list(found.values())


def report(found: list[Due], *, applied: bool, months: int) -> str:
    """What the command prints: per organisation, the records erased (or to erase) and those skipped."""
    lines = [
        f"Retention: {months} months after the last contact. "
        + ("Erased:" if applied else "Dry run, nothing changed (add --apply to erase):")
    ]
    if not found:
        lines.append("  nobody is past the retention.")
    for due in found:
        verb = "erased" if applied else "to erase"
        lines.append(
            f"  {due.organisation} (#{due.organisation_id}): {len(due.erased)} {verb}, {len(due.skipped)} skipped"
        )
        for row in due.erased:
            lines.append(f"    #{row['id']}  last contact {row['last_contact_at']:%Y-%m-%d}")
        for row in due.skipped:
            lines.append(f"    #{row['id']}  skipped: registered to an event still to come")
    return "\n".join(lines)


# --------------------------------------------------------------------------- the notice to the admins


async def _falling_due(now: datetime, months: int) -> dict[int, dict[date, int]]:
    """Per organisation, how many youths fall due on each day of the coming NOTICE_WINDOW_DAYS."""
    start, end = cutoff(now, months), cutoff(now + timedelta(days=NOTICE_WINDOW_DAYS), months)
    tz = get_settings().tz
    kept = Registration.select(Registration.participant).where(  # registered to a coming event: skipped
        Registration.status.is_in(list(erasure.ACTIVE))
        & Registration.event.is_in(Event.select(Event.id).where(Event.ends_on >= now.astimezone(tz).date()))
    )
    rows = await Participant.select(Participant.organisation, Participant.last_contact_at).where(
        (Participant.last_contact_at >= start)
        & (Participant.last_contact_at < end)
        & Participant.erased_at.is_null()
        & Participant.id.not_in(kept)
    )
    out: dict[int, dict[date, int]] = {}
    for row in rows:
        day = (row["last_contact_at"] + relativedelta(months=months)).astimezone(tz).date()
        days = out.setdefault(row["organisation"], {})
        days[day] = days.get(day, 0) + 1
    return out


async def _admins(organisation_id: int) -> list[dict]:
    return await Membership.select(
        Membership.user,
        Membership.user.email.as_alias("email"),
        Membership.user.full_name.as_alias("full_name"),
        Membership.user.language.as_alias("language"),
    ).where(
        (Membership.organisation == organisation_id)
        & (Membership.role == Role.admin)
        & Membership.deactivated_at.is_null()
        & (Membership.user.is_active == True)  # noqa: E712
    )


async def send_notices(*, now: datetime | None = None, months: int | None = None) -> int:
    """Queue the month's notice to each admin of an organisation whose youths start falling due within
    NOTICE_DAYS; how many were queued."""
    now = now or utcnow()
    months = months or get_settings().retention_months
    tz = get_settings().tz
    today = now.astimezone(tz).date()
    queued = 0
    for organisation_id, days in (await _falling_due(now, months)).items():
        if min(days) > today + timedelta(days=NOTICE_DAYS):
            continue
        name = (await Organisation.select(Organisation.name).where(Organisation.id == organisation_id).first())["name"]
        for admin in await _admins(organisation_id):
            queued += await _notice(organisation_id, name, admin, days, months, today)
    return queued


async def _notice(organisation_id: int, name: str, admin: dict, days: dict[date, int], months: int, today: date) -> int:
    settings = get_settings()
    with language(admin["language"]):
        dates = "\n".join(
            ngettext("- %(day)s: %(num)s youth", "- %(day)s: %(num)s youths", n, day=f"{day:%d/%m/%Y}")
            for day, n in sorted(days.items())
        )
        total = sum(days.values())
        subject = ngettext(
            "%(organisation)s: %(num)s youth's record will be erased",
            "%(organisation)s: %(num)s youths' records will be erased",
            total,
            organisation=name,
        )
        text = _(
            "Hello %(name)s,\n\nthe records of these youths of %(organisation)s reach %(months)s months without "
            "contact and will be erased on these dates (their names and contact details; the anonymous figures "
            "stay):\n%(dates)s\n\nA youth registered to an event still to come is kept. To keep someone's "
            "record, register them to an event or record a contact with them before then. The youths: "
            "%(link)s\n\nTremplin",
            name=admin["full_name"],
            organisation=name,
            months=months,
            dates=dates,
            link=f"{settings.base_url}/youths",
        )
    async with write_transaction():
        key = f"purge-notice:{organisation_id}:{today:%Y-%m}:{admin['user']}"
        return int(await outbox.enqueue_email(to=admin["email"], subject=subject, text=text, key=key))


async def run(every_s: float = 3600.0) -> None:
    """The notices, once an hour for as long as the worker runs (each goes once a month: its key). The purge
    itself is not run here: erasing is for the operator's cron job (`tremplin purge --apply`)."""
    while True:
        try:
            if await send_notices():
                outbox.wake()
        except Exception:  # a database hiccup must not stop the notices for good
            log.exception("Retention notices failed")
        await asyncio.sleep(every_s)
