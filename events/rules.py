"""Repetition rules in plain words, for organisers who do not read RRULE."""

from __future__ import annotations

from datetime import date

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


# ----------------------------------------------------------------------------- composing a rule in words

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKS = (1, 2, 3, 4, -1)  # the first … fourth, or the last, weekday of the month


def build(
    *, every: int, unit: str, weekday: str, week: int | None = None, until: date | None = None, count: int | None = None
) -> str:
    """The rule an organiser composed in words: every `every` weeks on a weekday, or every `every` months on the
    `week`-th weekday (-1: the last), until a day or for `count` dates."""
    parts = ["FREQ=WEEKLY" if unit == "weeks" else "FREQ=MONTHLY"]
    if every > 1:
        parts.append(f"INTERVAL={every}")
    parts.append(f"BYDAY={weekday}" if unit == "weeks" else f"BYDAY={week or 1:+d}{weekday}")
    if until is not None:
        parts.append(f"UNTIL={until:%Y%m%d}T235959")  # the whole last day, in local time like the start
    elif count:
        parts.append(f"COUNT={count}")
    return ";".join(parts)


def composed(rrule: str) -> dict[str, str] | None:
    """The words of a rule `build` could have written (to fill the builder), or None for an expert's rule."""
    parts = _parts(rrule)
    frequency, day = parts.get("FREQ"), parts.get("BYDAY", "")
    unusual = set(parts) - {"FREQ", "INTERVAL", "BYDAY", "UNTIL", "COUNT"}
    if unusual or "," in day or frequency not in ("WEEKLY", "MONTHLY"):
        return None
    week = day[:-2].lstrip("+")
    if day[-2:] not in WEEKDAYS or (frequency == "WEEKLY") != (week == "") or (week and int(week) not in WEEKS):
        return None
    until = parts.get("UNTIL", "")
    return {
        "every": parts.get("INTERVAL", "1"),
        "unit": "weeks" if frequency == "WEEKLY" else "months",
        "weekday": day[-2:],
        "week": week or "1",
        "until": f"{until[:4]}-{until[4:6]}-{until[6:8]}" if until else "",
        "count": parts.get("COUNT", ""),
    }
