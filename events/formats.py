"""The formats of the field as templates: built-in defaults an organisation can adjust.

A programme line is (day offset, title msgid, session kind, start "HH:MM", end "HH:MM");
titles are translated when the event is created, in the organiser's language.
"""

from __future__ import annotations

import copy
from typing import Any

from accounts.services import CurrentUser, require_role
from accounts.tables import Role
from core.db import write_transaction
from core.i18n import lazy
from events.tables import Format, FormatDefaults, SessionKind

BUILTIN: dict[Format, dict[str, Any]] = {
    Format.rallye: {
        "days": 3,
        "capacity": 21,
        "waiting_list": True,
        "approval": False,
        "age_min": 16,
        "age_max": 25,
        "meeting_point": "",
        "team_size": 3,
        "companion_per_team": True,
        "min_visits_per_team": 8,
        "max_visits_per_team": 10,
        "min_visits_per_day": 2,
        "max_visits_per_day": 6,
        "programme": [
            (0, lazy("Day 1 — company visits (morning)"), SessionKind.visits, "08:30", "12:00"),
            (0, lazy("Day 1 — company visits (afternoon)"), SessionKind.visits, "13:30", "17:00"),
            (1, lazy("Day 2 — company visits (morning)"), SessionKind.visits, "08:30", "12:00"),
            (1, lazy("Day 2 — company visits (afternoon)"), SessionKind.visits, "13:30", "17:00"),
            (2, lazy("Day 3 — debrief"), SessionKind.debrief, "09:00", "12:00"),
            (2, lazy("Day 3 — closing ceremony"), SessionKind.ceremony, "14:00", "16:00"),
        ],
    },
    Format.info_collective: {
        "days": 1,
        "capacity": 10,
        "waiting_list": True,
        "rrule": "FREQ=MONTHLY;INTERVAL=2;BYDAY=+2TU",
        "informal": True,
        "approval": False,
        "programme": [(0, lazy("Information session"), SessionKind.info, "09:30", "11:30")],
    },
    Format.permanence: {
        "days": 1,
        "capacity": None,
        "waiting_list": False,
        "booking_required": False,
        "approval": False,
        "rrule": "FREQ=WEEKLY;BYDAY=FR",
        "programme": [(0, lazy("Drop-in hours"), SessionKind.drop_in, "09:00", "12:00")],
    },
    Format.job_dating: {
        "days": 1,
        "capacity": 30,
        "waiting_list": True,
        "slot_minutes": 10,
        "approval": False,
        "interviews_per_youth": 3,
        "programme": [(0, lazy("Interviews"), SessionKind.interviews, "14:00", "17:00")],
    },
    Format.pied_des_murs: {
        "days": 1,
        "capacity": None,
        "waiting_list": False,
        "walk_ins": True,
        "approval": False,
        "programme": [(0, lazy("Open-air meetup"), SessionKind.meetup, "15:00", "18:00")],
    },
}
DESCRIPTIONS = {
    "rallye": lazy(
        "Three days: teams of three with a companion visit about ten companies that recruit, "
        "then a debrief and a closing ceremony."
    ),
    "info_collective": lazy(
        "An informal session of about ten people, usually every two months, where the "
        "youths leave with the organiser's phone number."
    ),
    "permanence": lazy("A weekly drop-in slot at a partner's premises, with or without booking."),
    "job_dating": lazy("Short interviews between youths and recruiting companies."),
    "pied_des_murs": lazy("An informal open-air meetup in a neighbourhood; people come without registering."),
}
# Settings kept on the event itself rather than in its options.
EVENT_FIELDS = ("capacity", "waiting_list", "age_min", "age_max", "meeting_point")
EDITABLE = {
    "days",
    "capacity",
    "waiting_list",
    "age_min",
    "age_max",
    "meeting_point",
    "team_size",
    "companion_per_team",
    "min_visits_per_team",
    "max_visits_per_team",
    "min_visits_per_day",
    "max_visits_per_day",
    "rrule",
    "booking_required",
    "slot_minutes",
    "interviews_per_youth",
    "walk_ins",
    "informal",
    "programme",
    "approval",
}


async def defaults(organisation_id: int, format: Format) -> dict[str, Any]:
    """The built-in defaults of a format, overlaid with the organisation's own."""
    values = copy.deepcopy(BUILTIN[format])
    own = (
        await FormatDefaults.select(FormatDefaults.values)
        .where((FormatDefaults.organisation == organisation_id) & (FormatDefaults.format == format))
        .output(load_json=True)
        .first()
    )
    if own:
        values.update(own["values"])
    return values


def options_of(values: dict[str, Any]) -> dict[str, Any]:
    """What goes into Event.options: the format's settings, minus the programme and event fields."""
    return {k: v for k, v in values.items() if k not in EVENT_FIELDS and k not in {"programme", "days", "rrule"}}


async def save_defaults(user: CurrentUser, organisation_id: int, format: Format, values: dict[str, Any]) -> None:
    require_role(user, organisation_id, Role.organiser)
    values = {k: v for k, v in values.items() if k in EDITABLE}
    async with write_transaction():
        mine = (FormatDefaults.organisation == organisation_id) & (FormatDefaults.format == format)
        if await FormatDefaults.exists().where(mine):
            await FormatDefaults.update({FormatDefaults.values: values}).where(mine)
        else:
            await FormatDefaults(organisation=organisation_id, format=format, values=values).save()
