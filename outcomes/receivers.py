"""What outcomes answers: a youth's console page gets their situations and results."""

from __future__ import annotations

from typing import Any

from accounts.services import CurrentUser
from core.errors import Forbidden
from core.i18n import gettext
from core.signals import receiver
from outcomes.followups import latest_situations
from outcomes.services import may_record_for, results_of, situations_of
from outcomes.situations import CATEGORY_LABELS, RESULT_LABELS, SITUATION_LABELS, SOURCE_LABELS, category
from outcomes.tables import ResultKind, SituationKind, Source
from registration import signals as registration_signals


@receiver(registration_signals.latest_outcomes)
async def on_latest_outcomes(*, participant_ids: list[int]) -> dict[int, str]:
    return await latest_situations(participant_ids)


@receiver(registration_signals.youth_page)
async def on_youth_page(*, user: CurrentUser, participant_id: int, registration_ids: list[int]) -> dict[str, Any]:
    try:
        await may_record_for(user, participant_id)
        can_record = True
    except Forbidden:
        can_record = False
    situations = [
        s
        | {
            "label": gettext(SITUATION_LABELS[SituationKind(s["kind"])]),
            "category": gettext(CATEGORY_LABELS[category(s["kind"])]),
            "source": gettext(SOURCE_LABELS[Source(s["source"])]),
        }
        for s in await situations_of(participant_id)
    ]
    results = [
        r
        | {
            "label": gettext(RESULT_LABELS[ResultKind(r["kind"])]),
            "company": r["company_label"] or r["company_name"],
        }
        for r in await results_of(registration_ids)
    ]
    return {"outcomes": {"situations": situations, "results": results, "can_record": can_record}}
