"""What privacy answers: a youth's console page gets the export and erasure buttons and, for admins, who
viewed or exported the data; each view of that page is logged (once a day per user)."""

from __future__ import annotations

from typing import Any

from accounts.services import CurrentUser
from accounts.tables import Role
from core.signals import receiver
from privacy import access
from registration import signals as registration_signals
from registration.tables import Participant


async def _holder(participant_id: int) -> dict | None:
    return (
        await Participant.select(Participant.organisation, Participant.erased_at)
        .where(Participant.id == participant_id)
        .first()
    )


@receiver(registration_signals.youth_page)
async def on_youth_page(*, user: CurrentUser, participant_id: int, registration_ids: list[int]) -> dict[str, Any]:
    youth = await _holder(participant_id)
    if youth is None:
        return {}
    admin = user.at_least(youth["organisation"], Role.admin)
    if not admin and youth["erased_at"] is None:
        return {}  # nothing to show: the export, the erasure and the access log are the admins'
    return {
        "privacy": {
            "admin": admin,
            "erased_at": youth["erased_at"],
            "accesses": await access.accesses_of(user, youth["organisation"], participant_id),
        }
    }


@receiver(registration_signals.youth_viewed)
async def on_youth_viewed(*, user: CurrentUser, participant_id: int, organisation_id: int) -> None:
    await access.record_view(user, organisation_id, participant_id)
