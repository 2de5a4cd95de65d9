"""The settings a format gives its events (team size, visits per day, slot length…):
their labels and how a form's text becomes checked values."""

from __future__ import annotations

from typing import Any

from core.errors import InvalidInput
from core.i18n import lazy

# name: (label msgid, kind, minimum)
OPTION_FIELDS: dict[str, tuple[str, type, int]] = {
    "team_size": (lazy("Youths per team"), int, 1),
    "companion_per_team": (lazy("One companion per team"), bool, 0),
    "min_visits_per_team": (lazy("Fewest visits per team"), int, 0),
    "max_visits_per_team": (lazy("Most visits per team"), int, 1),
    "min_visits_per_day": (lazy("Fewest visits per team and day"), int, 0),
    "max_visits_per_day": (lazy("Most visits per team and day"), int, 1),
    "slot_minutes": (lazy("Interview length (minutes)"), int, 1),
    "interviews_per_youth": (lazy("Interviews per youth"), int, 1),
    "booking_required": (lazy("Booking required"), bool, 0),
    "walk_ins": (lazy("Walk-ins expected (registration on the spot)"), bool, 0),
    "informal": (lazy("Informal (no slides, no institutional presentation)"), bool, 0),
    "approval": (lazy("The organiser confirms each registration"), bool, 0),
}
PAIRS = [("min_visits_per_team", "max_visits_per_team"), ("min_visits_per_day", "max_visits_per_day")]


def option_values(form: dict[str, str], names: list[str]) -> dict[str, Any]:
    """Read the options listed in `names` from a submitted form, refusing bad numbers on their field."""
    values: dict[str, Any] = {}
    for name in names:
        _label, kind, minimum = OPTION_FIELDS[name]
        raw = form.get(f"option_{name}", "").strip()
        if kind is bool:
            values[name] = raw in {"on", "true", "1"}
            continue
        if not raw.isdigit() or len(raw) > 9 or int(raw) < minimum:
            raise InvalidInput(lazy("Enter a whole number."), field=f"option_{name}")
        values[name] = int(raw)
    check_options(values)
    return values


def check_options(values: dict[str, Any]) -> None:
    for low, high in PAIRS:
        if low in values and high in values and values[low] > values[high]:
            raise InvalidInput(lazy("The fewest cannot be more than the most."), field=f"option_{high}")
