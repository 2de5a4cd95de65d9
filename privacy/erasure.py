"""Erasing a youth's personal data (right to erasure, GDPR art. 17; and the retention purge), keeping the
anonymous figures: every row that counts (registrations and their statuses, check-ins, results, situations,
follow-ups, messages) stays, so the dashboard's totals do not move; what says who the person is goes.

What changes, in one transaction:
- names: "Personne" "effacée" (the search no longer finds them by name); phone: "<id>-erased" (the
  organisation's phones are unique, so each erased record keeps a placeholder of its own, that no search by
  digits matches and that is never texted: they are marked as having answered STOP); e-mail, commune and
  available days: cleared;
- birth date: 1 July of the birth year (the middle of it), enough for the age bands of the statistics, no
  longer a date that identifies someone; postcode and QPV: kept (neighbourhood statistics); job sectors,
  driving licence, vehicle, reduced mobility: kept (check-boxes, counted, not identifying);
- free texts: answers to an event's questions, check-in notes and signatures, results' notes, situations'
  employer and notes, the names written with consents (given_by): cleared; consents' dates: kept;
- personal links: each registration's link token is replaced and its ticket withdrawn, follow-up answer links
  and their calendar feeds revoked, so links already sent no longer open anything;
- registrations to events still to come: cancelled as a cancellation does (the place goes to the waiting
  list), without any message to them;
- messages to their phone or e-mail (the organisation's outbox): address, subject and text cleared; those
  still waiting are not sent;
- audit entries naming them (a merge): their summary no longer names them;
- `Participant.erased_at` is set: erasing again is refused (`AlreadyErased`).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from accounts import audit
from accounts.services import CurrentUser
from accounts.tables import AuditEntry
from calendars.tables import CalendarFeed, FeedKind
from checkin.tables import CheckIn
from core.clock import utcnow
from core.db import after_commit, write_transaction
from core.i18n import gettext as _
from core.settings import get_settings
from events.tables import Event
from messaging import outbox
from messaging.tables import DeliveryStatus, OutboxMessage
from outcomes.tables import FollowUp, Result, Situation
from parcours import personal_data as parcours_data
from privacy import access
from privacy.errors import AlreadyErased
from privacy.export import audit_about, held_youth
from privacy.tables import AccessKind
from registration import services as registrations
from registration.tables import Consent, Participant, Registration

ACTION = "youth_erased"
FIRST_NAME, LAST_NAME = "Personne", "effacée"
ACTIVE = registrations.ACTIVE


def placeholder_phone(participant_id: int) -> str:
    return f"{participant_id}-erased"


def kept_birth_date(birth_date: date | None) -> date | None:
    """What the age bands need: the year of birth, as 1 July of it."""
    return birth_date.replace(month=7, day=1) if birth_date else None


def refuse_if_erased(youth: dict[str, Any]) -> None:
    if youth["erased_at"] is not None:
        day = youth["erased_at"].astimezone(get_settings().tz).date()
        raise AlreadyErased(date=day.strftime("%d/%m/%Y"))


async def coming_registrations(participant_id: int, today: date) -> list[int]:
    """Their registrations still under way (confirmed, waiting, pending) to events not over."""
    rows = await Registration.select(Registration.id).where(
        (Registration.participant == participant_id)
        & Registration.status.is_in(list(ACTIVE))
        & Registration.event.is_in(Event.select(Event.id).where(Event.ends_on >= today))
    )
    return [r["id"] for r in rows]


async def preview(user: CurrentUser, participant_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """What an erasure would change, for the confirmation page (admins of the organisation holding the record)."""
    youth = await held_youth(user, participant_id)
    refuse_if_erased(youth)
    today = (now or utcnow()).astimezone(get_settings().tz).date()
    return {
        "youth": youth,
        "registrations": await Registration.count().where(Registration.participant == participant_id),
        "coming": len(await coming_registrations(participant_id, today)),
        "birth_year": youth["birth_date"].year if youth["birth_date"] else None,
    }


async def held_record(participant_id: int) -> dict[str, Any]:
    """The record as the erasure reads it, without a user (the purge)."""
    return await Participant.select().where(Participant.id == participant_id).first()


async def erase(user: CurrentUser, participant_id: int, *, now: datetime | None = None) -> None:
    """Erase the youth's personal data on request (an admin of the organisation holding the record)."""
    youth = await held_youth(user, participant_id)
    refuse_if_erased(youth)
    await erase_record(youth, by=user, now=now)


async def erase_record(youth: dict[str, Any], *, by: CurrentUser | None, now: datetime | None = None) -> None:
    """Erase a record already read (the purge passes `by=None`); refused if it was erased meanwhile."""
    now = now or utcnow()
    participant_id, organisation_id = youth["id"], youth["organisation"]
    async with write_transaction():
        current = await Participant.select(Participant.erased_at).where(Participant.id == participant_id).first()
        refuse_if_erased(current)
        today = now.astimezone(get_settings().tz).date()
        for registration_id in await coming_registrations(participant_id, today):
            await registrations.cancel(registration_id, by=by)  # no message: only the next on the list is told
        registration_ids = [
            r["id"]
            for r in await Registration.select(Registration.id).where(Registration.participant == participant_id)
        ]
        await _clear_links_and_texts(participant_id, registration_ids, now)
        await _clear_messages(organisation_id, youth)
        await _clear_audit(organisation_id, participant_id)
        await Participant.update(
            {
                Participant.first_name: FIRST_NAME,
                Participant.last_name: LAST_NAME,
                Participant.search_name: "",
                Participant.phone: placeholder_phone(participant_id),
                Participant.email: "",
                Participant.commune: "",
                Participant.available_days: "[]",
                Participant.birth_date: kept_birth_date(youth["birth_date"]),
                Participant.sms_opt_out_at: youth["sms_opt_out_at"] or now,
                Participant.erased_at: now,
            }
        ).where(Participant.id == participant_id)
        await audit.record(
            by,
            organisation_id,
            ACTION,
            _("A youth's personal data were erased (record no. %(id)s)", id=participant_id)
            if by
            else _("A youth's personal data were erased by the retention purge (record no. %(id)s)", id=participant_id),
            participant=participant_id,
        )
        await access.record(by, organisation_id, participant_id, AccessKind.erased, now=now)
        after_commit(outbox.wake)


async def _clear_links_and_texts(participant_id: int, registration_ids: list[int], now: datetime) -> None:
    ids = registration_ids or [-1]
    for registration_id in registration_ids:  # a digest of nothing each (the column is unique): the links die
        await Registration.update(
            {
                Registration.answers: "{}",
                Registration.manage_hash: secrets.token_hex(16),
                Registration.manage_sealed: "",
                Registration.ticket_hash: None,
                Registration.ticket_sealed: None,
            }
        ).where(Registration.id == registration_id)
    await CheckIn.update({CheckIn.notes: "", CheckIn.signature: ""}).where(CheckIn.registration.is_in(ids))
    await Result.update({Result.notes: ""}).where(Result.registration.is_in(ids))
    # A random hash in place of each follow-up's: its answer link dies, and the follow-ups' pass, which sends a
    # link where none was, leaves it alone.
    for row in await FollowUp.select(FollowUp.id).where(FollowUp.registration.is_in(ids)):
        await FollowUp.update({FollowUp.token_hash: secrets.token_hex(32)}).where(FollowUp.id == row["id"])
    await CalendarFeed.update({CalendarFeed.revoked_at: now}).where(
        (CalendarFeed.kind == FeedKind.registration)
        & CalendarFeed.subject.is_in(ids)
        & CalendarFeed.revoked_at.is_null()
    )
    await Situation.update({Situation.employer: "", Situation.notes: ""}).where(Situation.participant == participant_id)
    await Consent.update({Consent.given_by: ""}).where(Consent.participant == participant_id)
    await parcours_data.erase_of(participant_id)


async def _clear_messages(organisation_id: int, youth: dict[str, Any]) -> None:
    """The organisation's messages to their phone or e-mail: kept as rows (counted), emptied; not sent if waiting."""
    addresses = [a for a in (youth["phone"], youth["email"]) if a]
    if not addresses:
        return
    theirs = (OutboxMessage.organisation == organisation_id) & OutboxMessage.recipient.is_in(addresses)
    await OutboxMessage.update({OutboxMessage.status: DeliveryStatus.failed, OutboxMessage.last_error: "erased"}).where(
        theirs & OutboxMessage.status.is_in([DeliveryStatus.queued, DeliveryStatus.sending])
    )
    await OutboxMessage.update(
        {
            OutboxMessage.recipient: "",
            OutboxMessage.subject: "",
            OutboxMessage.body_text: "",
            OutboxMessage.body_html: "",
            OutboxMessage.attachment: "",
        }
    ).where(theirs)


async def _clear_audit(organisation_id: int, participant_id: int) -> None:
    for entry in await audit_about(organisation_id, participant_id):
        await AuditEntry.update(
            {AuditEntry.summary: _("Entry about a youth whose data were erased (record no. %(id)s)", id=participant_id)}
        ).where(AuditEntry.id == entry["id"])
