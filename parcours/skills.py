"""The skills sheet: the same short list of items scored by the SIAE (what was observed at work) and by the youth
(their own assessment), at the start, mid-term and end, shown side by side; a PDF for the youth."""

from __future__ import annotations

import json
from typing import Any

from accounts.services import CurrentUser
from core.clock import utcnow
from core.db import write_transaction
from core.errors import Forbidden
from core.i18n import gettext as _
from core.i18n import lazy
from parcours.errors import ParcoursRefused
from parcours.services import NOTE_LIMIT, seen_parcours
from parcours.tables import SheetMoment, SkillsSheet

WORK_ITEMS = {
    "punctuality": lazy("Punctuality and attendance"),
    "safety": lazy("Safety rules and equipment"),
    "instructions": lazy("Following instructions"),
    "quality": lazy("Quality of the work"),
    "pace": lazy("Working pace"),
}
SOFT_ITEMS = {
    "teamwork": lazy("Working in a team"),
    "communication": lazy("Communication"),
    "autonomy": lazy("Autonomy"),
    "initiative": lazy("Initiative"),
    "attitude": lazy("Attitude at work"),
}
ITEMS = {**WORK_ITEMS, **SOFT_ITEMS}
LEVELS = {
    1: lazy("Not yet"),
    2: lazy("In progress"),
    3: lazy("Acquired"),
    4: lazy("Mastered"),
}
MOMENT_LABELS = {
    "start": lazy("Start"),
    "middle": lazy("Mid-term"),
    "end": lazy("End"),
}


def _scores(form: dict[str, str], prefix: str, errors: dict[str, str]) -> dict[str, int]:
    scores = {}
    for item in ITEMS:
        raw = form.get(f"{prefix}_{item}", "").strip()
        if not raw:
            continue
        if raw not in {"1", "2", "3", "4"}:
            errors[f"{prefix}_{item}"] = _("Choose a level from the list.")
            continue
        scores[item] = int(raw)
    return scores


async def save_sheet(user: CurrentUser, parcours_id: int, moment: str, form: dict[str, str]) -> None:
    """Fill in (or correct) the sheet of one moment; every refusal at once, nothing saved when one is refused."""
    parcours = await seen_parcours(user, parcours_id)
    if not parcours["can_write"]:
        raise Forbidden()
    errors: dict[str, str] = {}
    if moment not in {m.value for m in SheetMoment}:
        errors["moment"] = _("Choose when the sheet is filled in: start, mid-term or end.")
    observed = _scores(form, "observed", errors)
    self_assessed = _scores(form, "self", errors)
    texts = {}
    for field in ("comments", "next_steps"):
        texts[field] = form.get(field, "").strip()
        if len(texts[field]) > NOTE_LIMIT:
            errors[field] = _(
                "The note is %(length)s characters long: keep it to %(limit)s (the essentials, no health data).",
                length=len(texts[field]),
                limit=NOTE_LIMIT,
            )
    if not observed and not self_assessed and not errors:
        errors["observed_punctuality"] = _("Score at least one item.")
    if errors:
        raise ParcoursRefused(errors)
    key = f"{parcours_id}:{moment}"
    values = {
        SkillsSheet.observed: observed,
        SkillsSheet.self_assessed: self_assessed,
        SkillsSheet.comments: texts["comments"],
        SkillsSheet.next_steps: texts["next_steps"],
        SkillsSheet.filled_by: user.id,
        SkillsSheet.filled_at: utcnow(),
    }
    async with write_transaction():
        updated = await SkillsSheet.update(values).where(SkillsSheet.key == key).returning(SkillsSheet.id)
        if not updated:
            await SkillsSheet(
                parcours=parcours_id, moment=moment, key=key, **{c._meta.name: v for c, v in values.items()}
            ).save()


def _decoded(value: Any) -> dict:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


async def sheets_of(user: CurrentUser, parcours_id: int) -> dict[str, dict]:
    """The sheets filled in, by moment (start, middle, end)."""
    await seen_parcours(user, parcours_id)
    return await _sheets(parcours_id)


async def _sheets(parcours_id: int) -> dict[str, dict]:
    rows = await SkillsSheet.select(
        SkillsSheet.all_columns(), SkillsSheet.filled_by.full_name.as_alias("author")
    ).where(SkillsSheet.parcours == parcours_id)
    found = {}
    for row in rows:
        row["observed"] = _decoded(row["observed"])
        row["self_assessed"] = _decoded(row["self_assessed"])
        found[row["moment"]] = row
    return {m.value: found[m.value] for m in SheetMoment if m.value in found}


def side_by_side(sheets: dict[str, dict]) -> list[dict]:
    """One line per item: its label and, per moment filled in, (observed, self-assessed)."""
    return [
        {
            "item": item,
            "label": label,
            "work": item in WORK_ITEMS,
            "scores": {m: (s["observed"].get(item), s["self_assessed"].get(item)) for m, s in sheets.items()},
        }
        for item, label in ITEMS.items()
    ]
