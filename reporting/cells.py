"""How a youth's details read in an export's cells."""

from __future__ import annotations

from datetime import date

from core.i18n import gettext as _
from registration.people import age_on, display_phone
from registration.youths import AGE_BANDS, AGE_LABELS
from reporting.scope import Scope


def contact(scope: Scope, row: dict) -> list[str]:
    if not scope.contact:
        return ["", ""]
    return [display_phone(row["phone"]) if row["phone"] else "", row["email"] or ""]


def age_band(birth_date: date | None, day: date) -> str:
    if birth_date is None:
        return ""
    age = age_on(birth_date, day)
    for band, (low, high) in AGE_BANDS.items():
        if age >= low and (high is None or age <= high):
            return _(AGE_LABELS[band])
    return _("Under 16")


def hours(minutes_attended: int) -> float:
    return round(minutes_attended / 60, 2)
