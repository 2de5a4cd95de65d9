"""Repetition rules in plain words, for organisers who do not read RRULE."""

from __future__ import annotations

from core.i18n import gettext as _
from core.i18n import lazy, ngettext
from core.labels import label

DAYS = {"MO": "0", "TU": "1", "WE": "2", "TH": "3", "FR": "4", "SA": "5", "SU": "6"}
ORDINALS = {1: lazy("first"), 2: lazy("second"), 3: lazy("third"), 4: lazy("fourth"), -1: lazy("last")}


def _parts(rrule: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in rrule.removeprefix("RRULE:").split(";") if "=" in part)


def _day(code: str) -> str:
    """'+2TU' -> 'the second Tuesday', 'FR' -> 'Friday'."""
    weekday = label("weekday", DAYS.get(code[-2:], "")).lower()
    number = code[:-2].lstrip("+")
    if number and number.lstrip("-").isdigit() and int(number) in ORDINALS:
        return _("the %(ordinal)s %(day)s", ordinal=_(ORDINALS[int(number)]), day=weekday)
    return weekday


def describe(rrule: str) -> str:
    """A plain sentence for the common rules; the rule itself when it is unusual."""
    parts = _parts(rrule)
    frequency, interval = parts.get("FREQ"), int(parts.get("INTERVAL", "1") or 1)
    days = [_day(code) for code in parts.get("BYDAY", "").split(",") if code]
    if set(parts) - {"FREQ", "INTERVAL", "BYDAY", "COUNT", "UNTIL", "WKST"} or not days and frequency != "DAILY":
        return rrule
    on = ", ".join(days)
    if frequency == "DAILY":
        return ngettext("every day", "every %(num)s days", interval)
    if frequency == "WEEKLY":
        return ngettext("every week on %(days)s", "every %(num)s weeks on %(days)s", interval, days=on)
    if frequency == "MONTHLY":
        return ngettext("every month on %(days)s", "every %(num)s months on %(days)s", interval, days=on)
    return rrule
