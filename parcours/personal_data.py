"""What a youth's export and erasure (privacy, above) take from their parcours: the parcours, touchpoints and
skills sheets in the export; on erasure, the free texts cleared and the touchpoints still planned dropped, while
the rows that make the figures (dates, kinds, statuses, scores) stay."""

from __future__ import annotations

from typing import Any

from parcours.tables import Parcours, SkillsSheet, Touchpoint, TouchpointStatus


async def export_of(participant_id: int) -> dict[str, list[dict[str, Any]]]:
    parcours = await Parcours.select(
        Parcours.id,
        Parcours.organisation.name.as_alias("organisation"),
        Parcours.contract_kind,
        Parcours.contract_start,
        Parcours.contract_end,
        Parcours.extensions,
        Parcours.adviser.full_name.as_alias("adviser"),
        Parcours.adviser_organisation.name.as_alias("adviser_organisation"),
        Parcours.counsellor.full_name.as_alias("counsellor"),
        Parcours.supervisor.full_name.as_alias("supervisor"),
        Parcours.status,
        Parcours.end_reason,
        Parcours.exit_situation,
        Parcours.created_at,
        Parcours.ended_at,
    ).where(Parcours.participant == participant_id)
    ids = [p["id"] for p in parcours] or [-1]
    return {
        "parcours": parcours,
        "touchpoints": await Touchpoint.select(
            Touchpoint.parcours,
            Touchpoint.kind,
            Touchpoint.step,
            Touchpoint.starts_at,
            Touchpoint.place,
            Touchpoint.by_phone,
            Touchpoint.note,
            Touchpoint.result,
            Touchpoint.status,
            Touchpoint.done_at,
        )
        .where(Touchpoint.parcours.is_in(ids))
        .order_by(Touchpoint.starts_at),
        "skills_sheets": await SkillsSheet.select(
            SkillsSheet.parcours,
            SkillsSheet.moment,
            SkillsSheet.observed,
            SkillsSheet.self_assessed,
            SkillsSheet.comments,
            SkillsSheet.next_steps,
            SkillsSheet.filled_at,
        ).where(SkillsSheet.parcours.is_in(ids)),
    }


async def erase_of(participant_id: int) -> None:
    """Inside the erasure's transaction."""
    ids = [p["id"] for p in await Parcours.select(Parcours.id).where(Parcours.participant == participant_id)] or [-1]
    await Touchpoint.update({Touchpoint.note: "", Touchpoint.result: "", Touchpoint.place: ""}).where(
        Touchpoint.parcours.is_in(ids)
    )
    await Touchpoint.update({Touchpoint.status: TouchpointStatus.dropped}).where(
        Touchpoint.parcours.is_in(ids) & (Touchpoint.status == TouchpointStatus.planned)
    )
    await SkillsSheet.update({SkillsSheet.comments: "", SkillsSheet.next_steps: ""}).where(
        SkillsSheet.parcours.is_in(ids)
    )
