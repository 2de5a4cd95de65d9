"""What planning adds to the features below it: a youth's published team on their personal page."""

from __future__ import annotations

from typing import Any

from core.signals import receiver
from planning.services import published_team
from registration import signals as registration_signals


@receiver(registration_signals.personal_page)
async def team_on_personal_page(*, registration: dict[str, Any]) -> dict[str, Any]:
    confirmed = registration["status"] == "confirmed"
    return {"team": await published_team(registration["id"]) if confirmed else None}
