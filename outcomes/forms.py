"""The situation form, shared by the console (follow-up, youth's page) and the youth's own page."""

from __future__ import annotations

from datetime import date
from typing import Any

from core.errors import InvalidInput
from core.i18n import gettext
from outcomes.services import SituationInput
from outcomes.situations import SITUATION_LABELS, SOURCE_LABELS
from outcomes.tables import SituationKind, Source

FIELD_ORDER = ("kind", "since", "contract_months", "employer", "source", "notes")


def kind_options(kinds: list[SituationKind] | None = None) -> list[tuple[str, str]]:
    return [("", gettext("Choose…"))] + [(k.value, gettext(SITUATION_LABELS[k])) for k in kinds or SituationKind]


def source_options() -> list[tuple[str, str]]:
    return [(s.value, gettext(SOURCE_LABELS[s])) for s in Source if s != Source.youth] + [
        (Source.youth.value, gettext("The youth told me"))
    ]


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def parse(values: dict[str, str], **extra: Any) -> tuple[SituationInput, dict[str, str]]:
    """The input, and the errors of what could not even be read (a date or a number mistyped)."""
    problems: dict[str, str] = {}
    since = _date(values.get("since", ""))
    if values.get("since") and since is None:
        problems["since"] = gettext("Enter a date.")
    months_raw = values.get("contract_months", "").strip()
    months = int(months_raw) if months_raw.isdigit() else None
    if months_raw and months is None:
        problems["contract_months"] = gettext("Enter a whole number.")
    data = SituationInput(
        kind=values.get("kind", ""),
        since=since,
        source=values.get("source", ""),
        contract_months=months,
        employer=values.get("employer", ""),
        notes=values.get("notes", ""),
        **extra,
    )
    return data, problems


def errors_of(found: list[InvalidInput], problems: dict[str, str]) -> dict[str, str]:
    """Every error at once, one per field (what could not be read first)."""
    errors = {e.field or "__all__": e.text() for e in reversed(found)}
    return errors | problems


def first_error(errors: dict[str, str]) -> str | None:
    return next((name for name in FIELD_ORDER if name in errors), None)
