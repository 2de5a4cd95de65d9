"""French public holidays and working days, computed: eleven days a year, three of them moving with Easter.

No dependency beyond dateutil's Easter (already used for recurrences). Alsace-Moselle's two extra days
(Good Friday, 26 December) are not counted: an event there on those days still gets no warning.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from dateutil.easter import easter

from core.i18n import lazy

_FIXED = {
    (1, 1): lazy("New Year's Day"),
    (5, 1): lazy("Labour Day"),
    (5, 8): lazy("Victory in Europe Day"),
    (7, 14): lazy("Bastille Day"),
    (8, 15): lazy("Assumption"),
    (11, 1): lazy("All Saints' Day"),
    (11, 11): lazy("Armistice Day"),
    (12, 25): lazy("Christmas Day"),
}
_AFTER_EASTER = {1: lazy("Easter Monday"), 39: lazy("Ascension Day"), 50: lazy("Whit Monday")}


@cache
def public_holidays(year: int) -> dict[date, str]:
    """The French public holidays of a year: date -> English msgid of its name."""
    days = {date(year, month, day): name for (month, day), name in _FIXED.items()}
    sunday = easter(year)
    days |= {sunday + timedelta(days=offset): name for offset, name in _AFTER_EASTER.items()}
    return days


def holiday(day: date) -> str | None:
    """The msgid of the holiday's name, or None on an ordinary day."""
    return public_holidays(day.year).get(day)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and holiday(day) is None


def next_working_day(day: date) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day
