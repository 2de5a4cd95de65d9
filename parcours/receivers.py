"""What parcours answers: a youth's console page shows their parcours; a hand-over moves the departing member's
parcours to their successor."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accounts import signals as accounts_signals
from accounts.services import CurrentUser
from calendars import signals as calendars_signals
from calendars.invitations import Occurrence
from core.signals import receiver
from parcours import handover, invitations, services
from registration import signals as registration_signals


@receiver(registration_signals.youth_page)
async def on_youth_page(*, user: CurrentUser, participant_id: int, registration_ids: list[int]) -> dict[str, Any]:
    rows = await services.parcours_of_youth(user, participant_id)
    hosts = await services.may_open(user)
    if not rows and not hosts:
        return {}
    return {"parcours": {"rows": rows, "can_open": bool(hosts), "participant_id": participant_id}}


@receiver(calendars_signals.personal_occurrences)
async def touchpoints_in_feed(*, user_id: int, start: datetime, end: datetime) -> list[Occurrence]:
    return await invitations.personal_occurrences(user_id, start, end)


@receiver(accounts_signals.handed_over)
async def parcours_handed_over(*, from_user: int, to_user: int, organisation_id: int) -> dict[str, int]:
    return await handover.hand_over(from_user, to_user, organisation_id)
