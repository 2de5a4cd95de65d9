"""What outreach answers: when two records of one youth are merged, the invitations sent to the other follow."""

from __future__ import annotations

from core.signals import receiver
from outreach.services import move_invitations
from registration import signals as registration_signals


@receiver(registration_signals.youths_merged)
async def on_youths_merged(*, kept_id: int, other_id: int) -> int:
    return await move_invitations(kept_id, other_id)
