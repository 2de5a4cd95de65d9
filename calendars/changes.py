"""When the organiser changes the programme, every youth concerned hears it once.

An e-mail carries the updated invitation (SEQUENCE + 1, or METHOD:CANCEL) so their calendar
replaces its copy, and one text message says in plain words what changed. Called by the events
services inside the transaction that makes the change, so the change and its messages are saved
together; the idempotency key names the occurrence and its sequence, so replaying the same
change sends nothing more.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from calendars import invitations as calendars
from core.i18n import gettext as _
from core.i18n import language
from events.tables import Session
from registration import tokens
from registration.messages import contexts_of, tell
from registration.tables import Registration, RegistrationStatus

CONCERNED = [RegistrationStatus.confirmed, RegistrationStatus.waiting, RegistrationStatus.pending]
REGISTRATION_COLUMNS = (
    Registration.id,
    Registration.event,
    Registration.participant,
    Registration.status,
    Registration.session,
    Registration.manage_sealed,
)


async def _registered(event_id: int, session_id: int | None = None) -> list[dict[str, Any]]:
    query = Registration.select(*REGISTRATION_COLUMNS).where(
        (Registration.event == event_id) & Registration.status.is_in(CONCERNED)
    )
    if session_id is not None:  # those who chose another session are not concerned
        query = query.where(Registration.session.is_null() | (Registration.session == session_id))
    rows = await query
    for row in rows:  # the personal page's link goes in each invitation
        row["manage_token"] = tokens.page_token(row.pop("manage_sealed"))
    return rows


def _when(starts_at: Any, ends_at: Any, timezone: str, place: str) -> str:
    tz = ZoneInfo(timezone)
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    with language("fr"):
        return _(
            "now on %(date)s, %(start)s–%(end)s, %(place)s",
            date=format_date(start, "EEEE d MMMM", locale="fr"),
            start=start.strftime("%H:%M"),
            end=end.strftime("%H:%M"),
            place=place,
        )


async def session_changed(session_id: int) -> int:
    """A session moved (time or place): tell each youth concerned; how many were told."""
    row = (
        await Session.select(
            Session.id,
            Session.event,
            Session.starts_at,
            Session.ends_at,
            Session.place,
            Session.sequence,
            Session.site.name.as_alias("site"),
            Session.event.timezone.as_alias("timezone"),
        )
        .where(Session.id == session_id)
        .first()
    )
    what = _when(row["starts_at"], row["ends_at"], row["timezone"], row["site"] or row["place"] or "")
    registrations = await _registered(row["event"], session_id)
    return await _tell_moved(registrations, f"session-{session_id}-{row['sequence']}", what)


async def _tell_moved(registrations: list[dict[str, Any]], occasion: str, what: str) -> int:
    """Each youth gets the change in words and their updated calendar invitation; how many were told."""
    contexts = await contexts_of([r["id"] for r in registrations])
    told = 0
    for registration in registrations:
        invitation = await calendars.for_registration(registration)
        told += bool(
            await tell(
                registration["id"],
                "change",
                occasion=occasion,
                extra={"change": what},
                invitation=invitation,
                context=contexts[registration["id"]],
            )
        )
    return told


async def session_audience(session_id: int) -> int:
    """How many youths `session_cancelled` would tell."""
    row = await Session.select(Session.event).where(Session.id == session_id).first()
    return len(await _registered(row["event"], session_id)) if row else 0


def _because(reason: str) -> str:
    """The organiser's reason as the message says it, or nothing."""
    if not reason.strip():
        return ""
    with language("fr"):  # followed by the rest of the message
        return _("Reason: %(reason)s.", reason=reason.strip().rstrip(".")) + " "


async def session_cancelled(session_id: int, reason: str = "") -> int:
    """A session is removed from the programme (call before deleting it); `reason` goes into the message."""
    row = await Session.select(Session.event, Session.title, Session.sequence).where(Session.id == session_id).first()
    with language("fr"):
        what = _("“%(title)s” is cancelled", title=row["title"])
    if reason.strip():
        what = f"{what}. {_because(reason).strip().removesuffix('.')}"
    told = 0
    registrations = await _registered(row["event"], session_id)
    contexts = await contexts_of([r["id"] for r in registrations])
    for registration in registrations:
        invitation = await calendars.cancellation("session", [session_id], registration=registration)
        told += bool(
            await tell(
                registration["id"],
                "change",
                occasion=f"session-{session_id}-cancelled",
                extra={"change": what},
                invitation=invitation,
                method="CANCEL",
                context=contexts[registration["id"]],
            )
        )
    return told


async def event_cancelled(event_id: int, reason: str = "") -> int:
    """The whole event is cancelled: everyone registered is told (with the organiser's reason, if given),
    with a cancellation for their calendar."""
    told = 0
    registrations = await _registered(event_id)
    contexts = await contexts_of([r["id"] for r in registrations])
    for registration in registrations:
        invitation = await calendars.cancellation("event", [event_id], registration=registration)
        told += bool(
            await tell(
                registration["id"],
                "cancelled",
                occasion=f"event-{event_id}",
                extra={"reason": _because(reason)},
                invitation=invitation,
                method="CANCEL",
                context=contexts[registration["id"]],
            )
        )
    return told
