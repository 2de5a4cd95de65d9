"""A touchpoint's calendar invitations (one e-mail per participant with an address, iCalendar REQUEST or
CANCEL with the touchpoint's SEQUENCE, written by calendars.invitations) and the youth's texts (moved,
dropped, the day before), all through the outbox, inside the caller's transaction."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from accounts.tables import User
from calendars.invitations import Occurrence, no_reply, uid, write
from core.i18n import gettext as _
from core.i18n import language
from core.settings import get_settings
from messaging import addressing, outbox
from messaging.tables import Channel
from parcours.labels import touchpoint_title
from parcours.tables import Touchpoint
from registration.messages import as_html

ROLE_COLUMNS = ("adviser", "counsellor", "supervisor")


async def _touchpoint(touchpoint_id: int) -> dict[str, Any]:
    return (
        await Touchpoint.select(
            Touchpoint.all_columns(),
            Touchpoint.parcours.organisation.as_alias("organisation"),
            Touchpoint.parcours.organisation.name.as_alias("organisation_name"),
            Touchpoint.parcours.adviser.as_alias("adviser"),
            Touchpoint.parcours.counsellor.as_alias("counsellor"),
            Touchpoint.parcours.supervisor.as_alias("supervisor"),
            Touchpoint.parcours.participant.first_name.as_alias("first_name"),
            Touchpoint.parcours.participant.last_name.as_alias("last_name"),
            Touchpoint.parcours.participant.email.as_alias("youth_email"),
            Touchpoint.parcours.participant.phone.as_alias("youth_phone"),
            Touchpoint.parcours.participant.sms_opt_out_at.as_alias("youth_opted_out"),
        )
        .where(Touchpoint.id == touchpoint_id)
        .first()
    )


def roles_of(row: dict) -> list[str]:
    """A touchpoint's participants (a JSON column: text from the database)."""
    value = row["participants"]
    return list(json.loads(value) if isinstance(value, str) else value or [])


def _zone() -> str:
    return get_settings().timezone


def _where(row: dict) -> str:
    return _("By phone") if row["by_phone"] else row["place"]


def _summary(row: dict) -> str:
    return f"{touchpoint_title(row['step'], row['kind'])} — {row['first_name']} {row['last_name']}"


async def attendees(row: dict) -> list[tuple[str, str, str]]:
    """(role, name, e-mail) of each participant who has an address."""
    roles = roles_of(row)
    ids = [row[r] for r in ROLE_COLUMNS if r in roles and row[r]]
    users = {
        u["id"]: u for u in await User.select(User.id, User.full_name, User.email).where(User.id.is_in(ids or [-1]))
    }
    found = []
    for role in ROLE_COLUMNS:
        if role in roles and row[role] in users:
            found.append((role, users[row[role]]["full_name"], users[row[role]]["email"]))
    if "youth" in roles and row["youth_email"]:
        found.append(("youth", f"{row['first_name']} {row['last_name']}", row["youth_email"]))
    return found


def occurrence(row: dict, attendee: tuple[str, str, str] | None = None) -> Occurrence:
    return Occurrence(
        uid=uid("touchpoint", row["id"]),
        sequence=row["sequence"],
        starts_at=row["starts_at"],
        ends_at=row["starts_at"] + timedelta(minutes=row["minutes"]),
        timezone=_zone(),
        summary=_summary(row),
        organizer=(row["organisation_name"], no_reply()),
        status="CANCELLED" if row["status"] == "dropped" else "CONFIRMED",
        location=_where(row),
        description=[row["note"]] if row["note"] else [],
        url=f"{get_settings().base_url}/parcours/{row['parcours']}",
        attendee=attendee,
    )


async def invite(touchpoint_id: int, method: str, *, only: str = "", occasion: str = "") -> int:
    """One e-mail per participant (or the one of role `only`), with the touchpoint's calendar (REQUEST, or
    CANCEL); how many were queued."""
    row = await _touchpoint(touchpoint_id)
    queued = 0
    with language("fr"):
        when = format_datetime(row["starts_at"], "EEEE d MMMM 'à' HH:mm", tzinfo=ZoneInfo(_zone()), locale="fr")
        for role, name, email in await attendees(row):
            if only and role != only:
                continue
            partstat = "ACCEPTED" if role == "counsellor" else "NEEDS-ACTION"
            calendar = write(method, [occurrence(row, (name, email, partstat))])  # type: ignore[arg-type]
            if method == "CANCEL":
                subject = _("Cancelled: %(what)s, %(when)s", what=_summary(row), when=when)
                text = _("%(what)s, planned %(when)s, will not take place.", what=_summary(row), when=when)
            else:
                subject = _("%(what)s, %(when)s", what=_summary(row), when=when)
                text = _(
                    "%(what)s: %(when)s (%(where)s). The parcours: %(link)s",
                    what=_summary(row),
                    when=when,
                    where=_where(row) or _("place to be agreed"),
                    link=f"{get_settings().base_url}/parcours/{row['parcours']}",
                )
            key = addressing.key(
                "touchpoint", touchpoint_id, Channel.email, occasion=f"{row['sequence']}-{method}-{role}{occasion}"
            )
            queued += await outbox.enqueue_email(
                to=email,
                subject=subject,
                text=text,
                html=as_html(text),
                key=key,
                organisation_id=row["organisation"],
                attachment=calendar.decode(),
                attachment_method=method,
            )
    return queued


def _youth_text(row: dict, occasion: str) -> str:
    when = format_datetime(row["starts_at"], "dd/MM 'à' HH:mm", tzinfo=ZoneInfo(_zone()), locale="fr")
    where = _("by phone") if row["by_phone"] else (row["place"] or row["organisation_name"])
    values = {"first_name": row["first_name"], "organisation": row["organisation_name"], "when": when, "where": where}
    if occasion == "moved":
        return _(
            "Hello %(first_name)s, your appointment with %(organisation)s is moved to %(when)s, %(where)s. Tremplin",
            **values,
        )
    if occasion == "dropped":
        return _(
            "Hello %(first_name)s, your appointment with %(organisation)s on %(when)s is cancelled. Tremplin", **values
        )
    return _(
        "Hello %(first_name)s, reminder: appointment with %(organisation)s tomorrow %(when)s, %(where)s. Tremplin",
        **values,
    )


async def text_youth(touchpoint_id: int, occasion: str, *, now: datetime | None = None) -> bool:
    """A text to the youth when they take part in the touchpoint and may be texted; whether one was queued."""
    row = await _touchpoint(touchpoint_id)
    roles = roles_of(row)
    if "youth" not in roles or not addressing.can_text(phone=row["youth_phone"], opted_out=row["youth_opted_out"]):
        return False
    with language("fr"):  # texts to youths are in French (GSM-7)
        text = _youth_text(row, occasion)
    key = addressing.key(f"touchpoint-{occasion}", touchpoint_id, Channel.sms, occasion=str(row["sequence"]))
    return await outbox.enqueue_sms(
        to=row["youth_phone"], text=text, key=key, organisation_id=row["organisation"], now=now
    )


async def personal_occurrences(user_id: int, start: datetime, end: datetime) -> list[Occurrence]:
    """The touchpoints a person takes part in (as adviser, counsellor or supervisor), for their own calendar feed;
    dropped ones stay, marked cancelled, so subscribed calendars remove them."""
    from parcours.tables import Parcours

    mine = (Parcours.adviser == user_id) | (Parcours.counsellor == user_id) | (Parcours.supervisor == user_id)
    parcours = await Parcours.select(Parcours.id).where(mine)
    if not parcours:
        return []
    rows = await Touchpoint.select(Touchpoint.id).where(
        Touchpoint.parcours.is_in([p["id"] for p in parcours])
        & (Touchpoint.starts_at >= start)
        & (Touchpoint.starts_at < end)
    )
    found = []
    for touchpoint in rows:
        row = await _touchpoint(touchpoint["id"])
        roles = roles_of(row)
        if any(row[role] == user_id for role in ROLE_COLUMNS if role in roles):
            found.append(occurrence(row))
    return found
