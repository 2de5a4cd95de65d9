"""The rhythm of an event's automatic messages: reminders before, a thank-you after.

The "what has become of you?" text a month after is not a rule here: outcomes.self_report sends it at the
youth's first follow-up date, to those who came only, with their answer link. An event whose options still
name "follow_up" (saved before) sends nothing more for it: only the rules below are sent from here.

Each event chooses which are sent (options["reminders"], all on by default); registration.reminders sends them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.i18n import lazy


@dataclass(frozen=True)
class Rule:
    key: str
    label: str
    anchor: str  # "start": the first session's day; "end": the last session's day
    days: int
    at: time


SCHEDULE = (
    Rule("reminder_2d", lazy("Two days before, 10:00"), "start", -2, time(10)),
    Rule("reminder_1d", lazy("The day before, 18:00"), "start", -1, time(18)),
    Rule("thanks", lazy("The day after, 10:00: thank-you with the organiser's number"), "end", 1, time(10)),
)


def enabled(options: dict | None) -> set[str]:
    chosen = (options or {}).get("reminders")
    return {rule.key for rule in SCHEDULE} if chosen is None else set(chosen)


def due_at(rule: Rule, first: date, last: date, tz: ZoneInfo) -> datetime:
    day = (first if rule.anchor == "start" else last) + timedelta(days=rule.days)
    return datetime.combine(day, rule.at, tz)
