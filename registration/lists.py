"""Who sees which registrations: the organiser sees everyone; a partner's adviser sees the
youths they (or their organisation) referred, for every event."""

from __future__ import annotations

import secrets

from accounts.services import CurrentUser, require_role
from accounts.tables import Role
from core import signals
from core.db import write_transaction
from core.errors import Forbidden, NotFound
from core.i18n import gettext, lazy
from events.services import get_event
from registration import signals as registration_signals
from registration.tables import ReferralLink, Registration

COLUMNS = (
    Registration.id,
    Registration.status,
    Registration.source,
    Registration.created_at,
    Registration.answers,
    Registration.referred_by,
    Registration.referring_organisation,
    Registration.event,
    Registration.participant.first_name.as_alias("first_name"),
    Registration.participant.last_name.as_alias("last_name"),
    Registration.participant.phone.as_alias("phone"),
    Registration.participant.email.as_alias("email"),
    Registration.participant.birth_date.as_alias("birth_date"),
    Registration.participant.postcode.as_alias("postcode"),
    Registration.participant.commune.as_alias("commune"),
    Registration.referred_by.full_name.as_alias("adviser_name"),
    Registration.referring_organisation.name.as_alias("referring_name"),
)


def _referred_by_me(user: CurrentUser):
    return (Registration.referred_by == user.id) | Registration.referring_organisation.is_in(
        user.organisation_ids or [-1]
    )


ATTENDANCE_LABELS = {
    "present": lazy("Attendance: present"),
    "late": lazy("Attendance: late"),
    "left_early": lazy("Attendance: left early"),
    "excused": lazy("Attendance: excused"),
    "absent": lazy("Attendance: absent"),
}


async def _attendance(rows: list[dict]) -> None:
    """Add to each row what was recorded of the youth's attendance (`attendance`: a label, "" when nothing
    was): check-in knows (registration.signals.attendance_wanted); a youth marked absent is not "present"."""
    statuses = await signals.merged(registration_signals.attendance_wanted, registration_ids=[r["id"] for r in rows])
    for row in rows:
        status = statuses.get(row["id"])
        row["attendance"] = gettext(ATTENDANCE_LABELS[status]) if status in ATTENDANCE_LABELS else ""
        row["present"] = status in ("present", "late", "left_early")


async def for_event(user: CurrentUser, event_id: int) -> tuple[dict, list[dict], bool]:
    """The event, the registrations this user may see, and whether they manage them all."""
    event = await get_event(user, event_id)
    manages = user.at_least(event["organisation"], Role.staff)
    query = Registration.select(*COLUMNS).where(Registration.event == event_id).output(load_json=True)
    if not manages:
        query = query.where(_referred_by_me(user))
    rows = await query.order_by(Registration.created_at).order_by(Registration.id)
    await _attendance(rows)
    return event, rows, manages


async def managed_registration(user: CurrentUser, registration_id: int, minimum: Role = Role.organiser) -> dict:
    row = (
        await Registration.select(
            Registration.id, Registration.event, Registration.referred_by, Registration.referring_organisation
        )
        .where(Registration.id == registration_id)
        .first()
    )
    if row is None:
        raise NotFound()
    event = await get_event(user, row["event"])  # 404 when the event is not theirs to see
    if user.at_least(event["organisation"], minimum):
        return row
    if minimum == Role.adviser and (row["referred_by"] == user.id or row["referring_organisation"] in user.roles):
        return row  # an adviser may cancel for a youth they referred
    raise Forbidden()


def referring_organisation(user: CurrentUser, event: dict) -> int | None:
    """The organisation a user's referral links for this event speak for: a partner's own, else the first."""
    mine = [o for o in user.organisation_ids if o != event["organisation"]] or user.organisation_ids
    return mine[0] if mine else None


async def referral_codes(user: CurrentUser, organisation_id: int | None) -> tuple[str | None, str | None]:
    """The user's own referral code and their organisation's, when they exist. Only reads: a page shows them,
    `create_referral_links` makes them."""
    if organisation_id not in user.roles:
        return None, None
    rows = await ReferralLink.select(ReferralLink.code, ReferralLink.user).where(
        (ReferralLink.organisation == organisation_id)
        & ((ReferralLink.user == user.id) | ReferralLink.user.is_null())
        & ReferralLink.revoked_at.is_null()
    )
    personal = next((r["code"] for r in rows if r["user"] == user.id), None)
    team = next((r["code"] for r in rows if r["user"] is None), None)
    return personal, team


async def create_referral_links(user: CurrentUser, event_id: int) -> None:
    """The adviser asked for their registration link: their own referral code and their organisation's (any
    colleague may share it), created when missing. A viewer refers nobody: 403."""
    organisation_id = referring_organisation(user, await get_event(user, event_id))
    if organisation_id is None:
        raise NotFound()
    require_role(user, organisation_id, Role.adviser)
    async with write_transaction():
        personal, team = await referral_codes(user, organisation_id)
        for whose, code in ((user.id, personal), (None, team)):
            if code is None:
                await ReferralLink(organisation=organisation_id, user=whose, code=secrets.token_urlsafe(9)).save()
